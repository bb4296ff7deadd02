// Page 4, Results: the runs table (sortable, filtered by task), comparison of selected
// runs (GET /api/compare) and one run's diagnostics (GET /api/runs/{id}/figures/...).

import { api, guarded, seg, showError } from "./api.js";
import { cellInfo, displayName } from "./cells.js";
import { cellText, renderFigure, renderMessage } from "./figures.js";
import { $, $$, el, markNav, markReady } from "./state.js";
import { taskInfo, taskOptions } from "./tasks.js";

let runs = [];
let sort = { key: "created_at", dir: -1 };
const selected = new Set();
let current = null; // the run shown in the detail panel

function row(run) {
  const m = run.config?.model || {};
  // the metrics of the checkpoint predict/generate/forecast use (best by select_by, or last)
  const used = run.checkpoint_used;
  const metrics = used?.tag ? used.metrics : run.final_metrics || run.summary?.final_metrics || {};
  const metricName = taskInfo(run.task)?.headline || "val_loss"; // GET /api/tasks
  return {
    id: run.id,
    name: run.name || run.id,
    task: run.task_label || run.task, // lab:adding for the long-range lab's runs
    model: `${displayName(m.cell)} H=${m.hidden_size ?? "?"}${m.num_layers > 1 ? ` L=${m.num_layers}` : ""}${m.bidirectional ? " bi" : ""}`,
    status: run.status,
    steps: run.steps ?? null,
    val_loss: metrics.val_loss ?? null,
    metric: metrics[metricName] ?? null,
    metricName,
    used: used?.tag ? (used.tag === "best" ? `best@${used.step}` : "last") : "",
    created_at: run.created_at || "",
  };
}

function compareValues(a, b) {
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

function drawRuns() {
  const rows = runs.map(row).sort((a, b) => {
    const c = compareValues(a[sort.key], b[sort.key]);
    return a[sort.key] === null || b[sort.key] === null ? c : sort.dir * c;
  });
  for (const th of $$("#runs-table th[data-key]")) {
    th.setAttribute("aria-sort", th.dataset.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
  }
  const body = rows.map((r) => {
    const box = el("input", { type: "checkbox", "aria-label": `compare ${r.name} (${r.id})`, "data-testid": `select-${r.id}` });
    box.checked = selected.has(r.id);
    box.addEventListener("change", () => {
      if (box.checked) selected.add(r.id);
      else selected.delete(r.id);
      $("#compare").disabled = selected.size < 2;
    });
    const open = el("a", { href: `/results?run=${encodeURIComponent(r.id)}`, "data-testid": `open-${r.id}`, text: r.name });
    open.addEventListener("click", (event) => {
      event.preventDefault();
      showRun(r.id);
    });
    return el(
      "tr",
      { class: current === r.id ? "selected" : null, "data-run": r.id },
      el("td", {}, box),
      el("td", {}, open, el("div", { class: "muted mono", text: r.id })),
      el("td", { text: r.task }),
      el("td", { class: "mono", text: r.model }),
      el("td", {}, el("span", { class: `status ${r.status}`, text: r.status })),
      el("td", { class: "num", text: cellText(r.steps) }),
      el("td", { class: "num", text: cellText(r.val_loss) }),
      el("td", { class: "num", text: r.metric === null ? "—" : `${cellText(r.metric)} ${r.metricName.replace("val_", "")}${r.used ? ` (${r.used})` : ""}` }),
      el("td", { text: r.created_at.replace("T", " ").slice(0, 19) }),
    );
  });
  $("#runs-table tbody").replaceChildren(...body);
  $("#runs-empty").textContent = rows.length ? "" : "No runs yet: train one on the Train page.";
  $("#compare").disabled = selected.size < 2;
}

async function loadRuns() {
  const task = $("#filter-task").value;
  const query = task ? `?task=${encodeURIComponent(task)}` : "";
  const list = await guarded($("#runs-error"), () => api(`/api/runs${query}`));
  if (!list) return;
  runs = list;
  for (const id of [...selected]) if (!runs.some((r) => r.id === id)) selected.delete(id);
  drawRuns();
}

async function compare() {
  const ids = [...selected];
  $("#compare-panel").classList.remove("hidden");
  renderMessage($("#compare-figure"), "loading ...");
  try {
    const figure = await api(`/api/compare?ids=${ids.map(encodeURIComponent).join(",")}`);
    showError($("#compare-error"), null);
    renderFigure($("#compare-figure"), figure);
  } catch (err) {
    renderMessage($("#compare-figure"), "");
    showError($("#compare-error"), err);
  }
}

/** Load one figure of the current run into `host`; errors become a message there. */
async function figure(host, name, params = {}) {
  const query = new URLSearchParams(params).toString();
  renderMessage(host, `loading ${name} ...`);
  try {
    const fig = await api(`/api/runs/${seg(current)}/figures/${name}${query ? `?${query}` : ""}`);
    renderFigure(host, fig);
  } catch (err) {
    renderMessage(host, `${name}: ${err.detail || err.message}`);
  }
}

// the directions of one recurrent stack's states (the page's own choices), which the states
// and gates over a text read; a run's gradient flow may have others (encoder, decoder)
const STACK_DIRECTIONS = ["forward", "backward"];

function option(value, text, disabled = false) {
  const node = el("option", { value, text });
  node.disabled = disabled;
  return node;
}

/** The layer and direction choices: the series the run's gradient-flow probes recorded
 * (GET /api/runs/{id}/gradient-flow/series), else the layers and directions of its config. */
async function flowOptions(run) {
  const m = run.config?.model || {};
  let series = [];
  try {
    series = await api(`/api/runs/${seg(run.id)}/gradient-flow/series`);
  } catch {
    series = []; // the figures below say what is missing
  }
  if (!series.length) {
    series = [];
    for (let l = 0; l < (m.num_layers || 1); l += 1) {
      for (const direction of m.bidirectional ? STACK_DIRECTIONS : STACK_DIRECTIONS.slice(0, 1)) series.push({ layer: l, direction });
    }
  }
  const layers = [...new Set(series.map((s) => s.layer))];
  const directions = [...new Set(series.map((s) => s.direction))];
  $("#flow-layer").replaceChildren(...layers.map((l) => option(l, `layer ${l}`)));
  $("#flow-direction").replaceChildren(...directions.map((d) => option(d, d)));
  $("#flow-direction").dataset.series = JSON.stringify(series);
  markRecorded();
}

/** Directions the chosen layer did not record are disabled (and left when chosen). */
function markRecorded() {
  const series = JSON.parse($("#flow-direction").dataset.series || "[]");
  const layer = Number($("#flow-layer").value || 0);
  const recorded = new Set(series.filter((s) => s.layer === layer).map((s) => s.direction));
  for (const node of $("#flow-direction").options) node.disabled = !recorded.has(node.value);
  if ($("#flow-direction").selectedOptions[0]?.disabled) $("#flow-direction").value = [...recorded][0] ?? "";
}

function drawFlow() {
  const params = { layer: $("#flow-layer").value || 0, direction: $("#flow-direction").value };
  figure($("#fig-gradient-flow"), "gradient-flow", params);
  figure($("#fig-gradient-flow-last"), "gradient-flow-last");
}

function drawInspect(event) {
  event?.preventDefault();
  if (!current) return;
  const chosen = $("#flow-direction").value;
  const direction = STACK_DIRECTIONS.includes(chosen) ? chosen : STACK_DIRECTIONS[0];
  const params = { layer: $("#flow-layer").value || 0, direction };
  const text = $("#inspect-text").value;
  if (text) params.text = text;
  figure($("#fig-states"), "states", params);
  const run = runs.find((r) => r.id === current);
  const name = run?.config?.model?.cell;
  const cell = cellInfo(name);
  if (!cell || cell.gates.length) figure($("#fig-gates"), "gates", params); // unknown: the server says
  else renderMessage($("#fig-gates"), `${cell.display_name} has no gates: its hidden states above are the whole story.`);
}

function detailFacts(run) {
  const s = run.summary || {};
  const facts = [];
  const fact = (k, v) => v !== undefined && v !== null && facts.push(el("div", {}, `${k}: `, el("b", { text: String(v) })));
  fact("data", run.config?.data?.path);
  fact("steps", run.steps);
  fact("vocabulary V", s.vocab_size);
  fact("classes", s.classes ? s.classes.join(", ") : null);
  const gaps = s.missing;  // forecast: data.missing filled or dropped the gaps of the series
  fact("missing values", gaps?.missing ? `${gaps.missing}: ${gaps.filled} filled, ${gaps.dropped} dropped (${gaps.mode})` : null);
  const final = run.final_metrics || {};
  for (const [k, v] of Object.entries(final)) if (k !== "step") fact(k, cellText(v));
  const used = run.checkpoint_used;
  if (used?.tag) {
    const values = Object.entries(used.metrics).filter(([k]) => k !== "step").map(([k, v]) => `${k} ${cellText(v)}`);
    fact("checkpoint used", `${used.label}${values.length ? `: ${values.join("  ")}` : ""}`);
  }
  // forecasters: validation RMSE/MAE of the model beside the naive forecasts (original units)
  for (const r of run.baseline_comparison || []) {
    facts.push(el("div", { "data-testid": "baseline-row" }, `${r.name}: `, el("b", { text: `RMSE ${cellText(r.rmse)}  MAE ${cellText(r.mae)}` })));
  }
  for (const warning of s.warnings || []) facts.push(el("div", { class: "warning", "data-testid": "run-warning", text: `warning: ${warning}` }));
  $("#detail-facts").replaceChildren(...facts);
}

/** A table figure of rows (objects), columns in the first row's key order. */
function rowsTable(title, rows, testid) {
  const columns = Object.keys(rows[0]);
  const table = { kind: "table", title, columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) };
  return renderFigure(el("div", { "data-testid": testid }), table);
}

/** The run's task report (the rows under its task's `report` key of the run's details,
 * GET /api/tasks), and the baselines its summary scored on the same validation split. */
function drawReport(run, report) {
  const rows = report ? run[report] || [] : [];
  const tables = rows.length ? [rowsTable(`${report.replaceAll("_", " ")} (checkpoint in use)`, rows, "task-report-rows")] : [];
  const baselines = Object.entries(run.summary?.baselines || {}).filter(([, b]) => b?.micro && b?.macro);
  if (rows.length && baselines.length) {
    const scored = baselines.map(([kind, b]) => ({ baseline: kind, micro_f1: b.micro.f1, macro_f1: b.macro.f1, accuracy: b.accuracy ?? null }));
    tables.push(rowsTable("baselines on the validation split", scored, "task-report-baselines"));
  }
  $("#task-report").replaceChildren(...tables);
}

async function showRun(id) {
  current = id;
  const params = new URLSearchParams(window.location.search);
  params.set("run", id);
  window.history.replaceState(null, "", `/results?${params}`);
  const run = await guarded($("#runs-error"), () => api(`/api/runs/${seg(id)}`));
  if (!run) return;
  if (!runs.some((r) => r.id === id)) runs.push(run);
  drawRuns();
  $("#detail").classList.remove("hidden");
  $("#detail-heading").textContent = `${run.name || run.id} (${run.task_label || run.task})`;
  $("#detail-status").textContent = run.status;
  $("#detail-status").className = `status ${run.status}`;
  $("#detail-message").textContent = `${run.id} · ${run.message || ""}`;
  $("#detail-predict").href = `/predict?run=${encodeURIComponent(id)}`;
  $("#detail-train").href = `/train?run=${encodeURIComponent(id)}`;
  detailFacts(run);
  await flowOptions(run);
  figure($("#fig-curves"), "curves");
  const task = taskInfo(run.task);
  drawReport(run, task?.report);
  const own = task?.figures[0]; // the figure only this task's runs have (GET /api/tasks)
  if (own) figure($("#fig-task"), own);
  else $("#fig-task").replaceChildren();
  drawFlow();
  $("#inspect-text").placeholder = task?.tokens === false ? "(this run reads its own series)" : "e.g. The little fox";
  drawInspect();
  figure($("#fig-histograms"), "histograms", { which: $("#hist-which").value });
  $("#detail").scrollIntoView({ behavior: "smooth", block: "start" });
}

function init() {
  markNav();
  $("#filter-task").querySelector('option[value="lab"]').before(...taskOptions());
  for (const th of $$("#runs-table th[data-key]")) {
    th.querySelector("button").addEventListener("click", () => {
      sort = th.dataset.key === sort.key ? { key: sort.key, dir: -sort.dir } : { key: th.dataset.key, dir: 1 };
      drawRuns();
    });
  }
  $("#filter-task").addEventListener("change", loadRuns);
  $("#reload").addEventListener("click", loadRuns);
  $("#compare").addEventListener("click", compare);
  $("#flow-layer").addEventListener("change", () => {
    markRecorded();
    drawFlow();
    drawInspect();
  });
  $("#flow-direction").addEventListener("change", () => {
    drawFlow();
    drawInspect();
  });
  $("#inspect-form").addEventListener("submit", drawInspect);
  $("#hist-which").addEventListener("change", () => figure($("#fig-histograms"), "histograms", { which: $("#hist-which").value }));
  const id = new URLSearchParams(window.location.search).get("run");
  loadRuns()
    .then(() => id && showRun(id))
    .finally(markReady);
}

init();
