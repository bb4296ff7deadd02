// Page 2, Data: choose a bundled sample or upload a file, set how it becomes sequences,
// preview it (POST /api/datasets/preview). Embeddings are in embeddings.js.

import { api, guarded, showError } from "./api.js";
import { initEmbeddings } from "./embeddings.js";
import { renderFigure, renderMessage } from "./figures.js";
import { $, $$, debounce, el, FIELDS, fillForm, linkWith, markNav, markReady, readForm, readState, saveHint, switchTask, toConfig, writeState } from "./state.js";
import { TASKS, taskInfo } from "./tasks.js";

const form = $("#data-form");
const state = readState();
// Data fields some task claims (GET /api/tasks: `fields`); a field none claims is every task's.
const CLAIMED = new Set(TASKS.flatMap((task) => task.fields));

// Settings that suit each bundled sample (as in examples/configs/), applied when it is picked.
const SAMPLE_SETTINGS = {
  tiny_stories: { "data.tokenizer": "char", "data.lowercase": false, "data.seq_len": 64 },
  sample_text: { "data.tokenizer": "word", "data.lowercase": true, "data.seq_len": 16 },
  sentiment: { "data.tokenizer": "word", "data.lowercase": true, "data.text_column": "text", "data.label_column": "label", "data.val_fraction": 0.2 },
  monthly_series: { "data.value_column": "value", "data.seq_len": 24, "data.horizon": 1, "data.season": 12, "data.val_fraction": 0.2 },
};

let datasets = { samples: [], uploads: [] };
let embeddings = null;

function save() {
  writeState(state);
  $("#next-train").setAttribute("href", linkWith("/train", state));
  $("#back-build").setAttribute("href", linkWith("/build", state));
  $("#change-task").setAttribute("href", linkWith("/build", state));
}

/** Whether the chosen task reads tokens (true while the tasks are unknown). */
function readsTokens() {
  return taskInfo(state.task)?.tokens ?? true;
}

/** A row for a data field of the task that the page has no row for (its schema's control). */
function fieldRow(key) {
  const field = FIELDS[key];
  const id = `data-${key.split(".")[1]}`;
  const attrs = { id, name: key, "data-testid": id };
  let control;
  if (field.choices) control = el("select", attrs, field.choices.map((c) => new Option(c, c)));
  else if (field.type === "bool") control = el("input", { ...attrs, type: "checkbox" });
  else if (field.type === "int" || field.type === "float") control = el("input", { ...attrs, type: "number", step: field.type === "int" ? 1 : "any" });
  else control = el("input", { ...attrs, type: "text", placeholder: field.type === "list" ? "a, b, ..." : "" });
  const label = key.split(".")[1].replaceAll("_", " ");
  return el("div", { class: `field${field.type === "bool" ? " check" : ""}` }, el("label", { for: id, text: label }), control);
}

/** The format choices: from the file suffix, or one of the formats the task reads. */
function showFormats(task) {
  const select = $("#data-format");
  const formats = task?.formats || [];
  if (state["data.format"] && !formats.includes(state["data.format"])) state["data.format"] = null;
  select.replaceChildren(new Option("from the file suffix", ""), ...formats.map((f) => new Option(f, f)));
  select.value = state["data.format"] || "";
}

/** Show the rows of the fields the task reads: every task's, and those it claims. */
function showTask() {
  const task = taskInfo(state.task);
  $("#task-name").textContent = task?.display_name || state.task;
  const own = new Set(task?.fields || []);
  const host = $("#task-data-fields");
  const missing = [...own].filter((key) => key.startsWith("data.") && key in FIELDS && !form.querySelector(`[name="${key}"]`));
  host.append(...missing.map(fieldRow));
  for (const control of $$("[name^='data.']", form)) {
    const row = control.closest(".field");
    if (row) row.classList.toggle("hidden", Boolean(task) && CLAIMED.has(control.name) && !own.has(control.name));
  }
  showFormats(task);
  $("#embedding-panel").classList.toggle("hidden", !readsTokens());
}

function datasetOption(entry, kind) {
  const path = entry.path;
  const title = kind === "sample" ? entry.name : `${entry.filename} (uploaded)`;
  const about = kind === "sample" ? entry.description : `${entry.format}, ${Number(entry.bytes).toLocaleString("en")} bytes`;
  const input = el("input", {
    type: "radio",
    name: "dataset",
    value: path,
    id: `dataset-${path}`,
    "data-testid": `dataset-${path}`,
    "data-task": entry.task || "",
    "data-kind": kind,
    "data-name": kind === "sample" ? entry.name : "",
  });
  input.checked = state["data.path"] === path;
  return el("label", { for: `dataset-${path}` }, input, el("span", {}, el("b", { text: title }), el("span", { class: "desc", text: `${about || ""} · suits ${entry.task || "?"}` })));
}

function drawDatasets() {
  const options = [
    ...datasets.samples.map((s) => datasetOption(s, "sample")),
    ...datasets.uploads.map((u) => datasetOption(u, "upload")),
  ];
  $("#dataset-list").replaceChildren(...options);
}

async function loadDatasets() {
  await guarded($("#upload-error"), async () => {
    datasets = await api("/api/datasets");
    drawDatasets();
  });
}

/** A dataset was picked: adopt its task and the sample's usual settings. */
function pick(input) {
  state["data.path"] = input.value;
  const task = input.dataset.task;
  if (task && task !== state.task) switchTask(state, task);
  const settings = SAMPLE_SETTINGS[input.dataset.name];
  if (settings) Object.assign(state, settings);
  if (input.dataset.kind === "upload") state["data.format"] = null;
  showTask();
  fillForm(form, state);
  save();
  preview();
  embeddings?.refresh();
}

async function upload() {
  const file = $("#upload-file").files[0];
  const message = $("#upload-error");
  if (!file) {
    showError(message, new Error("choose a file first"));
    return;
  }
  const body = new FormData();
  body.append("file", file);
  $("#upload-status").textContent = `uploading ${file.name} ...`;
  const entry = await guarded(message, () => api("/api/datasets", { form: body }));
  $("#upload-status").textContent = entry ? `uploaded ${entry.filename}` : "";
  if (!entry) return;
  await loadDatasets();
  const input = $(`input[name="dataset"][value="${CSS.escape(entry.path)}"]`);
  if (input) {
    input.checked = true;
    pick(input);
  }
}

function drawFacts(result) {
  const facts = [];
  const fact = (label, value, id) => facts.push(el("div", {}, `${label}: `, el("b", { "data-testid": id, text: value })));
  if (result.vocab_size !== null && result.vocab_size !== undefined) fact("vocabulary size V", String(result.vocab_size), "preview-vocab");
  if (result.classes) fact(`classes (${result.classes.length})`, result.classes.join(", "), "preview-classes");
  const s = result.summary || {};
  if (s.rows !== undefined) fact("rows", String(s.rows), "preview-rows");
  if (s.tokens !== undefined) fact("tokens", Number(s.tokens).toLocaleString("en"), "preview-tokens");
  if (s.values !== undefined) fact("values", String(s.values), "preview-values");
  if (s.train_examples !== undefined) fact("train / validation", `${s.train_examples} / ${s.val_examples}`, "preview-split");
  $("#preview-facts").replaceChildren(...facts);
}

function drawBody(result) {
  const host = $("#preview-body");
  if (result.text && !result.columns) {
    host.replaceChildren(el("h3", { text: "Beginning of the text" }), el("div", { class: "text-preview", "data-testid": "preview-text", text: result.text }));
  } else if (result.rows && result.rows.length) {
    const columns = result.columns || result.rows[0].map((_, k) => `column ${k + 1}`);
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })));
    const rows = result.rows.map((r) => el("tr", {}, r.map((v) => el("td", { text: v }))));
    host.replaceChildren(el("h3", { text: "First rows" }), el("div", { class: "table-scroll" }, el("table", { class: "data", "data-testid": "preview-rows-table" }, el("thead", {}, head), el("tbody", {}, rows))));
  } else host.replaceChildren();
}

function drawLengths(result) {
  const host = $("#preview-lengths");
  const lengths = result.lengths;
  if (!lengths || !lengths.edges || !lengths.edges.length) {
    host.replaceChildren();
    return;
  }
  const tokens = readsTokens();
  renderFigure(host, {
    kind: "histograms",
    title: tokens ? "Lengths (tokens per line or sentence)" : "Values of the series",
    xlabel: tokens ? "tokens" : "value",
    ylabel: "count",
    panels: [{ title: "", edges: lengths.edges, counts: lengths.counts }],
  });
}

let previewCall = null;
async function preview() {
  if (!state["data.path"]) return;
  previewCall?.abort();
  previewCall = new AbortController();
  const { signal } = previewCall;
  $("#preview-empty").textContent = "loading the preview ...";
  const body = { task: state.task, data: toConfig(state, { sections: ["data"] }).data };
  try {
    const result = await api("/api/datasets/preview", { body, signal });
    showError($("#preview-error"), null);
    $("#preview-empty").textContent = "";
    drawFacts(result);
    drawBody(result);
    drawLengths(result);
    saveHint(state["data.path"], { vocab_size: result.vocab_size ?? null, classes: result.classes ?? null });
  } catch (err) {
    if (err.name === "AbortError") return;
    $("#preview-empty").textContent = "";
    showError($("#preview-error"), err);
    $("#preview-facts").replaceChildren();
    $("#preview-body").replaceChildren();
    renderMessage($("#preview-lengths"), "");
  }
}

const previewLater = debounce(preview, 350);

function init() {
  markNav();
  fillForm(form, state); // once first: the controls take their schema's choices and bounds
  showTask();
  fillForm(form, state);
  save();
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", (event) => {
    if (event.target.name === "dataset") {
      pick(event.target);
      return;
    }
    if (event.target.type === "file") return;
    readForm(form, state);
    save();
    previewLater();
  });
  $("#upload-button").addEventListener("click", upload);
  embeddings = initEmbeddings(state, save);
  loadDatasets().then(preview).finally(markReady);
}

init();
