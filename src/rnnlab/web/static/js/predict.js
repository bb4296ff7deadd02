// Page 5, Predict: classify sentences (probability bars), generate text, forecast a
// series, tag tokens or translate a sequence (predict-tasks.js) with a trained run (POST
// /api/runs/{id}/classify | generate | forecast | tag | translate: the run's task's
// `predict`, GET /api/tasks).

import { api, guarded, seg } from "./api.js";
import { renderFigure } from "./figures.js";
import { showDecoding, showTagRun, showTranslateRun, tagTexts, translateSource } from "./predict-tasks.js";
import { $, el, markNav, markReady } from "./state.js";
import { taskInfo } from "./tasks.js";

// the panel of each prediction (a task's `predict`, GET /api/tasks)
const PANEL = { classify: "#panel-classify", generate: "#panel-generate", forecast: "#panel-forecast", tag: "#panel-tag", translate: "#panel-translate" };
const USABLE = new Set(["finished", "early-stopped", "interrupted", "diverged"]);
let runs = [];

function currentRun() {
  return runs.find((r) => r.id === $("#predict-run").value) || null;
}

function showPanel() {
  const run = currentRun();
  const predict = run ? taskInfo(run.task)?.predict : null;
  for (const [name, id] of Object.entries(PANEL)) $(id).classList.toggle("hidden", predict !== name);
  if (predict === "tag") showTagRun(run);
  if (predict === "translate") showTranslateRun();
  $("#run-task").textContent = run ? `${run.task} · ${run.status} · ${run.steps ?? "?"} steps` : "";
  if (run) {
    const params = new URLSearchParams(window.location.search);
    params.set("run", run.id);
    window.history.replaceState(null, "", `/predict?${params}`);
  }
}

async function loadRuns() {
  const list = await guarded($("#predict-error"), () => api("/api/runs"));
  if (!list) return;
  runs = list.filter((r) => USABLE.has(r.status));
  const wanted = new URLSearchParams(window.location.search).get("run");
  const options = runs.map((r) => el("option", { value: r.id, text: `${r.name || r.id} — ${r.task}, ${r.id}` }));
  $("#predict-run").replaceChildren(...options);
  $("#no-runs").textContent = runs.length ? "" : "No trained runs yet: train one first (Build → Data → Train).";
  if (wanted && runs.some((r) => r.id === wanted)) $("#predict-run").value = wanted;
  showPanel();
}

// ---- classify ------------------------------------------------------------

function probabilityBars(item) {
  const entries = Object.entries(item.probabilities || {}).sort((a, b) => b[1] - a[1]);
  const rows = entries.map(([label, p], k) =>
    el(
      "div",
      { class: `prob-row${k === 0 ? " top" : ""}`, "data-testid": "prob-row", "data-label": label, "data-p": p },
      el("span", { class: "mono", text: label }),
      el("div", { class: "prob-bar", role: "img", "aria-label": `${label}: ${(100 * p).toFixed(1)}%` }, el("span", { style: `width:${(100 * p).toFixed(2)}%` })),
      el("span", { class: "mono", text: `${(100 * p).toFixed(1)}%` }),
    ),
  );
  return el("div", { class: "prob-list" }, el("h3", {}, `“${item.text}” → `, el("b", { "data-testid": "predicted-label", text: item.label })), rows);
}

async function classify(event) {
  event.preventDefault();
  const run = currentRun();
  const texts = $("#classify-text").value.split("\n").map((t) => t.trim()).filter(Boolean);
  if (!run || !texts.length) return;
  const result = await guarded($("#predict-error"), () => api(`/api/runs/${seg(run.id)}/classify`, { body: { texts } }));
  if (result) $("#classify-results").replaceChildren(...result.map(probabilityBars));
}

// ---- generate -------------------------------------------------------------

function numberOrNull(selector) {
  const text = $(selector).value.trim();
  return text === "" ? null : Number(text);
}

async function generate(event) {
  event.preventDefault();
  const run = currentRun();
  if (!run) return;
  const body = {
    prompt: $("#gen-prompt").value,
    length: numberOrNull("#gen-length") ?? 200,
    temperature: numberOrNull("#gen-temperature") ?? 1.0,
    top_k: numberOrNull("#gen-top_k"),
    top_p: numberOrNull("#gen-top_p"),
    seed: numberOrNull("#gen-seed"),
  };
  $("#gen-button").disabled = true;
  $("#gen-output").replaceChildren();
  $("#gen-info").textContent = "generating ...";
  const result = await guarded($("#predict-error"), () => api(`/api/runs/${seg(run.id)}/generate`, { body }));
  $("#gen-button").disabled = false;
  $("#gen-info").textContent = "";
  if (!result) return;
  const prompt = result.prompt ?? body.prompt;
  const full = result.full_text ?? `${prompt}${result.text}`;
  const rest = full.startsWith(prompt) ? full.slice(prompt.length) : result.text;
  $("#gen-output").replaceChildren(el("span", { class: "prompt", title: "your prompt", text: full.startsWith(prompt) ? prompt : "" }), el("span", { "data-testid": "gen-text", text: rest }));
  const tokens = Array.isArray(result.tokens) ? result.tokens.length : result.tokens;
  $("#gen-info").textContent = `${tokens ?? "?"} tokens${result.stopped_at_eos ? " (stopped at the end of a line)" : ""} · τ = ${body.temperature}${body.top_k ? ` · top-k ${body.top_k}` : ""}${body.top_p ? ` · top-p ${body.top_p}` : ""}${body.seed !== null ? ` · seed ${body.seed}` : ""}`;
  // prompt tokens the vocabulary lacks were read as <unk>: say which
  const warnings = (result.warnings || []).map((w) => el("p", { class: "warning", "data-testid": "gen-warning", text: `warning: ${w}` }));
  $("#gen-output").append(...warnings);
}

// ---- forecast -------------------------------------------------------------

async function forecast(event) {
  event.preventDefault();
  const run = currentRun();
  if (!run) return;
  const raw = $("#fc-values").value.trim();
  const values = raw ? raw.split(/[\s,;]+/).filter(Boolean).map(Number) : null;
  const body = { steps: numberOrNull("#fc-steps") ?? 12, values };
  const result = await guarded($("#predict-error"), () => api(`/api/runs/${seg(run.id)}/forecast`, { body }));
  if (!result) return;
  const history = result.history || [];
  const future = result.forecast || [];
  const n = history.length;
  renderFigure($("#fc-figure"), {
    kind: "lines",
    title: `Forecast of ${future.length} steps`,
    subtitle: `horizon ${result.horizon ?? "?"} per model step; later steps feed the model its own predictions`,
    xlabel: "time index",
    ylabel: "value",
    series: [
      { name: "history", x: history.map((_, k) => k), y: history, style: "solid", group: "history" },
      n
        ? { name: "forecast", x: [n - 1, ...future.map((_, k) => n + k)], y: [history[n - 1], ...future], style: "dashed", group: "forecast" }
        : { name: "forecast", x: future.map((_, k) => k), y: future, style: "dashed", group: "forecast" },
    ],
    vline: n - 1,
    vline_label: "forecast starts",
  });
}

function init() {
  markNav();
  $("#predict-run").addEventListener("change", showPanel);
  $("#classify-form").addEventListener("submit", classify);
  $("#generate-form").addEventListener("submit", generate);
  $("#forecast-form").addEventListener("submit", forecast);
  $("#tag-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const run = currentRun();
    if (run) tagTexts(run, $("#predict-error"));
  });
  $("#translate-decoding").addEventListener("change", showDecoding);
  $("#translate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const run = currentRun();
    if (run) translateSource(run, $("#predict-error"));
  });
  loadRuns().finally(markReady);
}

init();
