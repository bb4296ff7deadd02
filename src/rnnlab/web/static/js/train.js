// Page 3, Train: the loop's settings (TrainSpec), Start (POST /api/runs with the assembled
// RunConfig), then the live view of live.js; Cancel and Resume.

import { api, guarded, seg, showError } from "./api.js";
import { cellInfo, displayName } from "./cells.js";
import { LiveRun, setStatus } from "./live.js";
import { $, FIELDS, fillForm, fromConfig, markNav, markReady, readForm, readState, toConfig, writeState } from "./state.js";
import { taskInfo } from "./tasks.js";

const form = $("#train-form");
const state = readState();
let live = null;
const RESUMABLE = ["interrupted", "failed", "diverged"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function runParam() {
  return new URLSearchParams(window.location.search).get("run");
}

function setRunParam(id) {
  const params = new URLSearchParams(window.location.search);
  if (id) params.set("run", id);
  else params.delete("run");
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

/** Only the engines the task trains on can be chosen (GET /api/tasks: `engines`). */
function applyEngines() {
  const engines = taskInfo(state.task)?.engines;
  if (!engines) return;
  for (const option of $("#train-engine").options) option.disabled = !engines.includes(option.value);
  if (!engines.includes(state["train.engine"])) {
    state["train.engine"] = engines[0];
    $("#train-engine").value = engines[0];
  }
}

function applyConstraints() {
  applyEngines();
  const optimizer = state["train.optimizer"];
  $("#row-momentum").classList.toggle("hidden", !["sgd", "rmsprop"].includes(optimizer));
  const step = state["train.schedule"] === "step";
  $("#row-step_every").classList.toggle("hidden", !step);
  $("#row-step_gamma").classList.toggle("hidden", !step);
}

function configLine() {
  const data = state["data.path"] || "no data chosen yet";
  const cell = cellInfo(state["model.cell"]);
  const choosesNonlinearity = (cell?.nonlinearities.length || 0) > 1;
  const model = `${displayName(state["model.cell"])}${choosesNonlinearity ? ` (${state["model.nonlinearity"]})` : ""}`;
  const parts = [
    `task ${state.task}`,
    `data ${data}`,
    `${model}, H = ${state["model.hidden_size"]}, L = ${state["model.num_layers"]}${state["model.bidirectional"] ? ", bidirectional" : ""}`,
  ];
  const init = String(state["embedding.init"]);
  const fromFile = init.startsWith("embedding:") || init.startsWith("file:");
  if (taskInfo(state.task)?.tokens ?? true) parts.push(`embedding ${init} (${fromFile ? "d from the file" : `d = ${state["embedding.dim"]}`})`);
  $("#config-line").textContent = parts.join(" · ");
}

function save() {
  writeState(state);
  configLine();
}

function setButtons(status) {
  const running = status === "running";
  $("#start").disabled = running;
  $("#cancel").disabled = !running;
  $("#resume").disabled = running || !live || !RESUMABLE.includes(status);
}

function showRun(id) {
  $("#run-id").textContent = id;
  $("#link-results").href = `/results?run=${encodeURIComponent(id)}`;
  $("#link-predict").href = `/predict?run=${encodeURIComponent(id)}`;
  $("#run-links").classList.remove("hidden");
}

/** The stream's `end` can come a moment before the training process exits; until it has,
 * the server refuses a resume (409). Wait for the job to be gone (at most ~15 s). */
async function jobExited(id) {
  for (let k = 0; k < 50; k += 1) {
    try {
      const run = await api(`/api/runs/${seg(id)}`);
      if (!run.job || run.job.state !== "running") return true;
    } catch {
      return false;
    }
    await sleep(300);
  }
  return false;
}

/** The trainer's end message says what to do on the command line ("resume with --resume");
 * here the Resume button does that. */
export function webWords(message) {
  const what = String(message || "stopped").split(";")[0];
  return `${what}: checkpoint saved; press Resume to continue from it`;
}

function follow(id) {
  live?.close();
  live = new LiveRun(id, {
    onEnd: async (status, message) => {
      if (status === "interrupted") $("#run-message").textContent = webWords(message);
      setButtons(status);
      $("#resume").disabled = true;
      if (RESUMABLE.includes(status) && (await jobExited(id)) && live?.id === id) $("#resume").disabled = false;
    },
  });
  showRun(id);
  setButtons("running");
  live.start();
}

async function start(event) {
  event.preventDefault();
  readForm(form, state);
  save();
  const message = $("#train-error");
  if (!state["data.path"]) {
    showError(message, new Error("choose a dataset on the Data page first (data.path is required)"));
    return;
  }
  $("#start").disabled = true;
  const answer = await guarded(message, () => api("/api/runs", { body: { config: toConfig(state) } }));
  if (!answer) {
    $("#start").disabled = false;
    return;
  }
  setRunParam(answer.id);
  $("#run-message").textContent = "";
  $("#eval-table").replaceChildren();
  follow(answer.id);
}

async function cancel() {
  const id = live?.id;
  if (!id) return;
  $("#cancel").disabled = true;
  const done = await guarded($("#train-error"), () => api(`/api/runs/${seg(id)}/cancel`, { method: "POST" }));
  if (done === undefined) $("#cancel").disabled = false;
  else $("#run-message").textContent = "cancelling: the run saves a checkpoint and stops ...";
}

async function resume() {
  const id = live?.id;
  if (!id) return;
  $("#resume").disabled = true;
  const post = () => api(`/api/runs/${seg(id)}/resume`, { method: "POST" });
  const done = await guarded($("#train-error"), () =>
    post().catch(async (err) => {
      if (err.status !== 409) throw err;
      await jobExited(id); // the previous process was still exiting: once more
      return post();
    }),
  );
  if (done === undefined) {
    $("#resume").disabled = false;
    return;
  }
  setButtons("running");
  setStatus("running");
  live.connect();
}

/** A page opened with ?run=ID follows that run (after a reload, or from Results). */
async function reattach(id) {
  const run = await guarded($("#train-error"), () => api(`/api/runs/${seg(id)}`));
  if (!run) return;
  const params = new URLSearchParams(window.location.search);
  if (run.config && [...params.keys()].every((k) => !(k in FIELDS))) {
    Object.assign(state, fromConfig(run.config)); // opened from Results: show the run's settings
    fillForm(form, state);
    applyConstraints();
    save();
  }
  follow(id);
  if (run.status !== "running") {
    setStatus(run.status);
    setButtons(run.status);
  }
}

function init() {
  markNav();
  fillForm(form, state);
  applyConstraints();
  save();
  form.addEventListener("change", () => {
    readForm(form, state);
    applyConstraints();
    save();
  });
  form.addEventListener("submit", start);
  $("#cancel").addEventListener("click", cancel);
  $("#resume").addEventListener("click", resume);
  const id = runParam();
  (id ? reattach(id) : Promise.resolve()).finally(markReady);
}

init();
