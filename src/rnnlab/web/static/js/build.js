// Page 1, Build: task, cell and sizes; a live table of every weight matrix
// (POST /api/models/summary) and the unrolled diagram.

import { api, showError } from "./api.js";
import { CELLS, cellInfo } from "./cells.js";
import { drawDiagram, drawShape } from "./diagram.js";
import { $, debounce, el, fillForm, FIELDS, linkWith, loadHint, markNav, markReady, readForm, readState, switchTask, writeState } from "./state.js";
import { taskInfo, taskOptions } from "./tasks.js";

const form = $("#build-form");
let state = readState();
let pending = null;
// V and K depend on the data; until the Data page has previewed it, the table assumes these.
const ASSUMED_V = 100;
const ASSUMED_K = 2; // the AbortController of the summary request in flight

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

/** A control for config field `key` (the schema's type and choices), labelled by its name;
 * a cell field without choices (e.g. a decoder's cell) lists the registered cells. */
function fieldControl(key) {
  const field = FIELDS[key];
  const id = `field-${key.replace(".", "-")}`;
  const testid = key.replace(".", "-");
  let control;
  if (!field.choices && key.endsWith("_cell")) {
    const same = field.nullable ? [new Option("(the same as cell)", "")] : [];
    control = el("select", { id, name: key, "data-testid": testid }, same, CELLS.map((cell) => new Option(cell.display_name, cell.name)));
  } else if (field.choices) control = el("select", { id, name: key, "data-testid": testid }, field.choices.map((c) => new Option(c, c)));
  else if (field.type === "bool") control = el("input", { id, name: key, type: "checkbox", "data-testid": testid });
  else if (field.type === "int" || field.type === "float") control = el("input", { id, name: key, type: "number", step: field.type === "int" ? 1 : "any", "data-testid": testid });
  else control = el("input", { id, name: key, type: "text", "data-testid": testid });
  return el("div", { class: `field${field.type === "bool" ? " check" : ""}` }, el("label", { for: id, text: key.split(".")[1].replaceAll("_", " ") }), control);
}

/** The model and training options only the chosen task takes (its `fields`; the data
 * fields are the Data page's), redrawn when the task changes. */
function drawTaskFields(task) {
  const host = $("#task-fields");
  if (host.dataset.task === (task?.name || "")) return;
  host.dataset.task = task?.name || "";
  const keys = (task?.fields || []).filter((key) => !key.startsWith("data.") && key in FIELDS);
  host.replaceChildren(...keys.map(fieldControl));
  host.closest("fieldset").classList.toggle("hidden", keys.length === 0);
}

/** Whether the chosen task's options turn attention on (a field named *attention*). */
function attentionOn(task) {
  const key = (task?.fields || []).find((k) => /attention/.test(k));
  const value = key ? state[key] : null;
  return Boolean(value) && value !== "none";
}

/** The small diagrams of the shapes of RNN the chosen task is (GET /api/tasks). */
function drawTaskShapes(task) {
  const figures = (task?.shapes || []).map((shape) => {
    const host = el("div", { class: "diagram", "data-testid": `shape-${shape.name}` });
    drawShape(host, shape, { attention: attentionOn(task) });
    const when = shape.when === "both" ? "" : ` (${shape.when})`;
    return el("figure", {}, host, el("figcaption", {}, el("b", { text: `${shape.title}${when}` }), `: ${shape.summary}`));
  });
  $("#task-shapes").replaceChildren(...figures);
}

/** Enable, disable or hide the controls that depend on the task and the cell. */
function applyConstraints() {
  const cell = cellInfo(state["model.cell"]);
  const task = taskInfo(state.task);
  $("#task-hint").textContent = task?.hint || "";
  drawTaskFields(task);
  $("#cell-hint").textContent = cellHint(cell);
  const oneWay = task ? !task.bidirectional : false;
  const bidir = $("#model-bidirectional");
  bidir.disabled = oneWay;
  if (oneWay) state["model.bidirectional"] = false;
  $("#bidirectional-hint").textContent = oneWay ? `a ${task.display_name} reads one way only` : "reads the sequence both ways; two rows per layer";
  applyCellOptions(cell);
  $("#embedding-fields").classList.toggle("hidden", task ? !task.tokens : false);
  const init = String(state["embedding.init"]);
  $("#row-window").classList.toggle("hidden", !["ppmi-svd", "word2vec"].includes(init));
  $("#embedding-dim").disabled = init === "onehot" || init.startsWith("file:") || init.startsWith("embedding:");
  fillForm(form, state);
  drawTaskShapes(task);
}

function summaryBody() {
  const task = taskInfo(state.task);
  const tokens = task ? task.tokens : true;
  const values = task?.readout === "values";
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
    vocab_size: tokens ? vocab ?? hint?.vocab_size ?? ASSUMED_V : null,
    num_classes: takesClasses() ? classes ?? hint?.classes?.length ?? ASSUMED_K : null,
    horizon: values ? state["data.horizon"] : null,
    input_size: tokens ? null : 1,
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

/** Whether the chosen task's output layer scores K classes (labels, or tags). */
function takesClasses() {
  return taskInfo(state.task)?.readout === "classes";
}

/** The chosen task's shape while it trains (GET /api/tasks), or null. */
function trainingShape() {
  return taskInfo(state.task)?.shapes[0] || null;
}

/** The diagram from the form alone (used before or without the server's answer). */
function localDiagram() {
  const cell = cellInfo(state["model.cell"]);
  const labels = { x: "x_t", h: "h_t", y: "y_hat", ...(cell?.has_cell_state ? { c: "c_t" } : {}) };
  return {
    steps: 4,
    layers: state["model.num_layers"],
    directions: state["model.bidirectional"] ? 2 : 1,
    readout: trainingShape()?.outputs === "every" ? "every" : "last",
    embedding: taskInfo(state.task)?.tokens ?? true,
    cell: state["model.cell"],
    display_name: cell?.display_name,
    labels,
  };
}

function drawUnrolled(diagram) {
  const d = { ...localDiagram(), ...(diagram || {}) };
  const shape = trainingShape();
  const what = shape ? `${shape.title}: ${shape.summary}` : "";
  if (shape?.encoder_decoder) {
    // two networks, not one stack: the shape's own diagram (encoder h_j, decoder s_t)
    $("#diagram-note").textContent = `${what}.`;
    drawShape($("#diagram"), shape, { attention: attentionOn(taskInfo(state.task)) });
    return;
  }
  const both = d.directions === 2 ? "; with two directions it reads [h→_T ; h←_1], the final state of each" : "";
  $("#diagram-note").textContent = `${d.steps} of T steps shown; ${what}${both}.`;
  drawDiagram($("#diagram"), d);
}

async function refreshSummary() {
  const hint = loadHint(state["data.path"]);
  const typed = $("#summary-vocab").value || $("#summary-classes").value;
  $("#summary-source").textContent = hint ? `V and K from the preview of ${state["data.path"]}` : typed ? "" : `assumed until the Data page previews your data`;
  $("#summary-vocab").closest(".row").classList.toggle("hidden", taskInfo(state.task)?.tokens === false);
  $("#summary-classes").disabled = !takesClasses();
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

/** A new task: the fields the old task defaulted go back to their own default, and the
 * fields the new task defaults take its value (GET /api/tasks: `defaults`). */
function update() {
  $("#summary-table").dataset.state = "loading";
  const before = state.task;
  readForm(form, state);
  if (state.task !== before) {
    const chosen = state.task;
    state.task = before;
    switchTask(state, chosen);
  }
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
  $("#task").replaceChildren(...taskOptions());
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
