// Page 1, Build: task, cell and sizes; a live table of every weight matrix
// (POST /api/models/summary) and the unrolled diagram.

import { api, showError } from "./api.js";
import { CELLS, cellInfo } from "./cells.js";
import { drawDiagram } from "./diagram.js";
import { $, debounce, el, fillForm, FIELDS, linkWith, loadHint, markNav, markReady, readForm, readState, writeState } from "./state.js";

const form = $("#build-form");
let state = readState();
let pending = null;
// V and K depend on the data; until the Data page has previewed it, the table assumes these.
const ASSUMED_V = 100;
const ASSUMED_K = 2; // the AbortController of the summary request in flight

const TASK_HINT = {
  "language-model": "predict the next token at every step",
  classify: "one label per sentence (many-to-one)",
  forecast: "the next values of a numeric series",
};
/** The cell choices, labelled with the registry's display names (GET /api/cells). */
function fillCellChoices() {
  const select = $("#model-cell");
  select.replaceChildren(...CELLS.map((cell) => new Option(cell.display_name, cell.name)));
}

/** What the registry says of the chosen cell, shown beside the choice. */
function cellHint(cell) {
  if (!cell) return "";
  const gates = cell.gates.map((g) => g.name).join(" ");
  const parts = [cell.summary, gates ? `gates ${gates}` : "no gates", cell.has_cell_state ? "state h_t, c_t" : "state h_t"];
  return parts.join("; ");
}

/** Hide, disable or reset the model options the chosen cell does not take (its record says). */
function applyCellOptions(cell) {
  const nonlinearities = cell?.nonlinearities || ["tanh"];
  $("#row-nonlinearity").classList.toggle("hidden", nonlinearities.length < 2);
  for (const option of $("#model-nonlinearity").options) option.disabled = !nonlinearities.includes(option.value);
  if (!nonlinearities.includes(state["model.nonlinearity"])) state["model.nonlinearity"] = nonlinearities[0];
  $("#row-forget_bias").classList.toggle("hidden", !cell?.forget_gate);
  if (!cell?.forget_gate) state["model.forget_bias"] = 0;
  const takes = { default: true, orthogonal: Boolean(cell?.recurrent), identity: Boolean(cell?.identity_init) };
  for (const option of $("#model-init").options) option.disabled = takes[option.value] === false;
  if (takes[state["model.init"]] === false) state["model.init"] = "default";
}

/** Enable, disable or hide the controls that depend on the task and the cell. */
function applyConstraints() {
  const cell = cellInfo(state["model.cell"]);
  $("#task-hint").textContent = TASK_HINT[state.task] || "";
  $("#cell-hint").textContent = cellHint(cell);
  const lm = state.task === "language-model";
  const bidir = $("#model-bidirectional");
  bidir.disabled = lm;
  if (lm) state["model.bidirectional"] = false;
  $("#bidirectional-hint").textContent = lm ? "a language model must not see the future" : "reads the sequence both ways; two rows per layer";
  applyCellOptions(cell);
  $("#embedding-fields").classList.toggle("hidden", state.task === "forecast");
  const init = String(state["embedding.init"]);
  $("#row-window").classList.toggle("hidden", !["ppmi-svd", "word2vec"].includes(init));
  $("#embedding-dim").disabled = init === "onehot" || init.startsWith("file:") || init.startsWith("embedding:");
  fillForm(form, state);
}

function summaryBody() {
  const hint = loadHint(state["data.path"]);
  const vocab = Number($("#summary-vocab").value) || null;
  const classes = Number($("#summary-classes").value) || null;
  const config = { model: {}, embedding: {} };
  for (const [key, field] of Object.entries(FIELDS)) {
    const [section, name] = key.split(".");
    if ((section === "model" || section === "embedding") && state[key] !== field.def) config[section][name] = state[key];
  }
  return {
    task: state.task,
    model: config.model,
    embedding: config.embedding,
    vocab_size: state.task === "forecast" ? null : vocab ?? hint?.vocab_size ?? ASSUMED_V,
    num_classes: state.task === "classify" ? classes ?? hint?.classes?.length ?? ASSUMED_K : null,
    horizon: state.task === "forecast" ? state["data.horizon"] : null,
    input_size: state.task === "forecast" ? 1 : null,
  };
}

function shapeText(shape) {
  return Array.isArray(shape) ? shape.join(" × ") : String(shape);
}

function drawSummary(summary) {
  const rows = (summary.parameters || []).map((p) =>
    el(
      "tr",
      { "data-testid": "param-row" },
      el("td", { class: "mono", text: p.symbol }),
      el("td", { class: "mono", text: p.name }),
      el("td", { class: "mono", text: shapeText(p.shape) }),
      el("td", { class: "mono", text: p.gates || "" }),
      el("td", { class: "num", text: Number(p.count).toLocaleString("en") }),
    ),
  );
  $("#summary-table tbody").replaceChildren(...rows);
  const total = Number(summary.total).toLocaleString("en");
  const trainable = Number(summary.trainable ?? summary.total).toLocaleString("en");
  $("#summary-total").textContent = total === trainable ? total : `${total} (${trainable} trainable)`;
}

/** The diagram from the form alone (used before or without the server's answer). */
function localDiagram() {
  const cell = cellInfo(state["model.cell"]);
  const labels = { x: "x_t", h: "h_t", y: "y_hat", ...(cell?.has_cell_state ? { c: "c_t" } : {}) };
  return {
    steps: 4,
    layers: state["model.num_layers"],
    directions: state["model.bidirectional"] ? 2 : 1,
    readout: state.task === "language-model" ? "every" : "last",
    embedding: state.task !== "forecast",
    cell: state["model.cell"],
    display_name: cell?.display_name,
    labels,
  };
}

function drawUnrolled(diagram) {
  const d = { ...localDiagram(), ...(diagram || {}) };
  const what = {
    "language-model": "every step predicts the next token (many-to-many)",
    classify: "the readout sees the last step only (many-to-one)",
    forecast: `the readout sees the last step and predicts the next ${state["data.horizon"]} value(s)`,
  }[state.task];
  const both = d.directions === 2 ? "; with two directions it reads [h→_T ; h←_1], the final state of each" : "";
  $("#diagram-note").textContent = `${d.steps} of T steps shown; ${what}${both}.`;
  drawDiagram($("#diagram"), d);
}

async function refreshSummary() {
  const hint = loadHint(state["data.path"]);
  const typed = $("#summary-vocab").value || $("#summary-classes").value;
  $("#summary-source").textContent = hint ? `V and K from the preview of ${state["data.path"]}` : typed ? "" : `assumed until the Data page previews your data`;
  $("#summary-vocab").closest(".row").classList.toggle("hidden", state.task === "forecast");
  $("#summary-classes").disabled = state.task !== "classify";
  pending?.abort();
  pending = new AbortController();
  const { signal } = pending;
  const table = $("#summary-table");
  table.dataset.state = "loading";
  try {
    const summary = await api("/api/models/summary", { body: summaryBody(), signal });
    showError($("#summary-error"), null);
    drawSummary(summary);
    drawUnrolled(summary.diagram);
    table.dataset.state = "ready";
  } catch (err) {
    if (err.name === "AbortError") return;
    table.dataset.state = "error";
    showError($("#summary-error"), err);
    $("#summary-table tbody").replaceChildren();
    $("#summary-total").textContent = "—";
    drawUnrolled(null);
  }
}

const refreshLater = debounce(refreshSummary, 200);

function update() {
  $("#summary-table").dataset.state = "loading";
  readForm(form, state);
  applyConstraints();
  writeState(state);
  $("#next-data").setAttribute("href", linkWith("/data", state));
  drawUnrolled(null);
  refreshLater();
}

function init() {
  markNav();
  const hint = loadHint(state["data.path"]);
  if (hint?.vocab_size) $("#summary-vocab").value = hint.vocab_size;
  if (hint?.classes?.length) $("#summary-classes").value = hint.classes.length;
  $("#summary-vocab").placeholder = String(ASSUMED_V);
  $("#summary-classes").placeholder = String(ASSUMED_K);
  fillCellChoices();
  fillForm(form, state);
  applyConstraints();
  writeState(state);
  $("#next-data").setAttribute("href", linkWith("/data", state));
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  $("#summary-vocab").addEventListener("input", refreshLater);
  $("#summary-classes").addEventListener("input", refreshLater);
  $("#reset").addEventListener("click", () => {
    const defaults = readState("");
    for (const key of Object.keys(FIELDS)) {
      if (key === "task" || key.startsWith("model.") || key.startsWith("embedding.")) state[key] = defaults[key];
    }
    fillForm(form, state);
    update();
  });
  drawUnrolled(null);
  refreshSummary().finally(markReady);
}

init();
