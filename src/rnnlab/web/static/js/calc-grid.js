// The calculator's editor: the trace mapping (weights, inputs, h_0, target, output and
// readout) as editable grids of numbers. Edits write straight into the mapping. What a
// cell is (its gates, cell state, nonlinearities, the weight names a trace takes and what
// each means) comes from the server (GET /api/trace/cells): no copy of it lives here.

import { $, el } from "./state.js";

const STATES = { h0: ["h_0", "initial hidden state"], c0: ["c_0", "initial cell state"] };

/** Weights in the server's reading order (input side, hidden side, biases, readout). */
function weightOrder(keys, info) {
  const order = info.weights.map((w) => w.name);
  return [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k)).sort()];
}

const entry = (info, name) => info.weights.find((w) => w.name === name);

/** Row names of a stacked gate block: i1 i2 f1 f2 ... (or 1 2 ...). */
function rowNames(info, key, rows) {
  const gates = info.gates;
  if (entry(info, key)?.gate_blocks && rows % gates.length === 0) {
    const H = rows / gates.length;
    return gates.flatMap((g) => Array.from({ length: H }, (_, k) => `${g}${k + 1}`));
  }
  return Array.from({ length: rows }, (_, k) => String(k + 1));
}

function numberInput(value, label, onValue) {
  const input = el("input", { type: "text", inputmode: "decimal", value: String(value), "aria-label": label, spellcheck: "false" });
  input.addEventListener("input", () => {
    const n = Number(input.value.trim());
    const ok = input.value.trim() !== "" && Number.isFinite(n);
    input.classList.toggle("invalid", !ok);
    if (ok) onValue(n);
  });
  return input;
}

/** A matrix (list of rows) or a vector (list of numbers) as a table of inputs. */
function grid(name, value, info, onChange) {
  const isMatrix = Array.isArray(value[0]);
  const rows = isMatrix ? value : [value];
  const names = isMatrix ? rowNames(info, name, rows.length) : [""];
  const cols = rows[0]?.length || 0;
  const colNames = isMatrix ? Array.from({ length: cols }, (_, j) => String(j + 1)) : rowNames(info, name, cols);
  const head = el("tr", {}, el("th", {}), colNames.map((c) => el("th", { text: c })));
  const body = rows.map((r, i) =>
    el("tr", {}, el("th", { scope: "row", text: names[i] }), r.map((v, j) =>
      el("td", {}, numberInput(v, `${name} row ${i + 1} column ${j + 1}`, (n) => {
        if (isMatrix) value[i][j] = n;
        else value[j] = n;
        onChange();
      })),
    )),
  );
  const shape = isMatrix ? `${rows.length} × ${cols}` : `${cols}`;
  return el(
    "div",
    { class: "matrix-box", "data-testid": `grid-${name}` },
    el("span", { class: "mname", text: STATES[name]?.[0] || name }),
    el("span", { class: "mshape", text: `(${shape}) ${STATES[name]?.[1] || entry(info, name)?.meaning || ""}` }),
    el("table", { class: "numgrid" }, el("thead", {}, head), el("tbody", {}, body)),
  );
}

/** The inputs x_1 .. x_T, one row each, with an optional label per step. */
function inputsGrid(spec, onChange) {
  const D = spec.inputs[0]?.length || 0;
  const labels = spec.input_labels || [];
  const head = el("tr", {}, el("th", { text: "t" }), el("th", { text: "label" }), Array.from({ length: D }, (_, j) => el("th", { text: `x[${j + 1}]` })));
  const body = spec.inputs.map((row, t) =>
    el(
      "tr",
      {},
      el("th", { scope: "row", text: String(t + 1) }),
      el("td", {}, labelInput(spec, t, labels[t] || "", onChange)),
      row.map((v, j) => el("td", {}, numberInput(v, `x_${t + 1} component ${j + 1}`, (n) => {
        spec.inputs[t][j] = n;
        onChange();
      }))),
    ),
  );
  return el(
    "div",
    { class: "matrix-box", "data-testid": "grid-inputs" },
    el("span", { class: "mname", text: "inputs x_t" }),
    el("span", { class: "mshape", text: `(T = ${spec.inputs.length} steps × D = ${D})` }),
    el("table", { class: "numgrid" }, el("thead", {}, head), el("tbody", {}, body)),
  );
}

function labelInput(spec, t, value, onChange) {
  const input = el("input", { type: "text", class: "label-cell", value, "aria-label": `label of step ${t + 1}`, placeholder: `x_${t + 1}` });
  input.addEventListener("input", () => {
    const labels = spec.input_labels ? [...spec.input_labels] : spec.inputs.map(() => "");
    labels[t] = input.value;
    spec.input_labels = labels.some((l) => l.trim()) ? labels.map((l, k) => l.trim() || `x${k + 1}`) : null;
    if (!spec.input_labels) delete spec.input_labels;
    onChange();
  });
  return input;
}

/** Hidden size H of a spec: the columns of the readout W_hy (O x H), which every cell has. */
export function hiddenSize(spec) {
  return spec.weights?.W_hy?.[0]?.length || 0;
}

/** Add (+1) or remove (-1) a time step; a many-to-many target follows along. */
export function changeSteps(spec, delta) {
  const T = spec.inputs.length;
  if (delta < 0 && T <= 1) return false;
  if (delta > 0) spec.inputs.push(spec.inputs[T - 1].map(() => 0));
  else spec.inputs.pop();
  if (spec.input_labels) {
    if (delta > 0) spec.input_labels.push(`x${T + 1}`);
    else spec.input_labels.pop();
  }
  if (spec.readout === "every" && Array.isArray(spec.target) && spec.target.length === T) {
    if (delta > 0) spec.target.push(structuredClone(spec.target[T - 1]));
    else spec.target.pop();
  }
  return true;
}

/** Draw the whole editor into the page for a cell described by `info`; `onChange` runs
 *  after every edit. */
export function drawEditor(spec, info, onChange) {
  $("#calc-title").value = spec.title || "";
  const gates = info.gates.length ? ` (gates ${info.gates.join(" ")})` : "";
  $("#calc-cell-name").textContent = `${info.display_name}${gates}`;
  const choices = info.nonlinearities;
  $("#calc-nonlinearity").replaceChildren(...choices.map((f) => el("option", { text: f })));
  $("#calc-nonlinearity").value = spec.nonlinearity || choices[0];
  $("#calc-nonlinearity").disabled = choices.length < 2;
  $("#calc-output").value = spec.output;
  $("#calc-readout").value = spec.readout || "last";
  $("#calc-target").value = spec.target === undefined || spec.target === null ? "" : JSON.stringify(spec.target);
  const w = spec.weights;
  const boxes = weightOrder(Object.keys(w), info).map((key) => grid(key, w[key], info, onChange));
  $("#weights-grids").replaceChildren(...boxes);
  const H = hiddenSize(spec);
  if (!spec.h0) spec.h0 = Array.from({ length: H }, () => 0);
  const states = [grid("h0", spec.h0, info, onChange)];
  if (info.has_cell_state) {
    if (!spec.c0) spec.c0 = Array.from({ length: H }, () => 0);
    states.push(grid("c0", spec.c0, info, onChange));
  } else delete spec.c0;
  $("#state-grids").replaceChildren(inputsGrid(spec, onChange), ...states);
}

/** Read the settings fields (title, nonlinearity, output, readout, target) into the spec. */
export function readSettings(spec, info) {
  spec.title = $("#calc-title").value.trim() || undefined;
  if (info.nonlinearities.length > 1) spec.nonlinearity = $("#calc-nonlinearity").value;
  spec.output = $("#calc-output").value;
  spec.readout = $("#calc-readout").value;
  const raw = $("#calc-target").value.trim();
  if (raw === "") {
    delete spec.target;
    return null;
  }
  try {
    spec.target = JSON.parse(raw);
    return null;
  } catch {
    return `target: expected a number, a list of numbers or a list of lists (JSON), received ${raw}`;
  }
}
