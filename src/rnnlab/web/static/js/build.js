// Page 1, Build: task, cell and sizes; a live table of every weight matrix
// (POST /api/models/summary) and the unrolled diagram.

import { api, showError } from "./api.js";
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
const CELL_HINT = {
  rnn: "h_t = f(W_xh x_t + W_hh h_{t-1} + b_h)",
  lstm: "gates i f g o and a cell state c_t",
  gru: "gates r z n",
};

/** Enable, disable or hide the controls that depend on the task and the cell. */
function applyConstraints() {
  const cell = state["model.cell"];
  $("#task-hint").textContent = TASK_HINT[state.task] || "";
  $("#cell-hint").textContent = CELL_HINT[cell] || "";
  const lm = state.task === "language-model";
  const bidir = $("#model-bidirectional");
  bidir.disabled = lm;
  if (lm) state["model.bidirectional"] = false;
  $("#bidirectional-hint").textContent = lm ? "a language model must not see the future" : "reads the sequence both ways; two rows per layer";
  $("#row-nonlinearity").classList.toggle("hidden", cell !== "rnn");
  if (cell !== "rnn") state["model.nonlinearity"] = "tanh";
  $("#row-forget_bias").classList.toggle("hidden", cell !== "lstm");
  if (cell !== "lstm") state["model.forget_bias"] = 0;
  const identity = $('#model-init option[value="identity"]');
  identity.disabled = cell !== "rnn";
  if (cell !== "rnn" && state["model.init"] === "identity") state["model.init"] = "default";
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
  return {
    steps: 4,
    layers: state["model.num_layers"],
    directions: state["model.bidirectional"] ? 2 : 1,
    readout: state.task === "language-model" ? "every" : "last",
    embedding: state.task !== "forecast",
    cell: state["model.cell"],
    labels: { x: "x_t", h: "h_t", y: "y_hat" },
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
