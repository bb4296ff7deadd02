// The calculator's editor: the trace mapping (weights, inputs, h_0, target, output and
// readout) as editable grids of numbers. Edits write straight into the mapping.

import { $, el } from "./state.js";

const GATES = { rnn: [], lstm: ["i", "f", "g", "o"], gru: ["r", "z", "n"] };

const MEANING = {
  W_xh: "input → hidden", W_hh: "hidden → hidden", b_h: "hidden bias", b_ih: "input-side bias",
  b_hh: "hidden-side bias", W_hy: "hidden → output (readout)", b_y: "output bias",
  h0: "initial hidden state", c0: "initial cell state",
};

/** Weights in reading order: input side, hidden side, biases (stacked or per gate), readout. */
function weightOrder(keys, cell) {
  const g = GATES[cell] || [];
  const order = [
    "W_xh", ...g.map((x) => `W_x${x}`), "W_hh", ...g.map((x) => `W_h${x}`),
    "b_h", "b_ih", "b_hh", ...g.map((x) => `b_${x}`), ...g.map((x) => `b_x${x}`), ...g.map((x) => `b_h${x}`),
    "W_hy", "b_y",
  ];
  return [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k)).sort()];
}

function meaning(name) {
  if (MEANING[name]) return MEANING[name];
  const [, kind, gate] = name.match(/^(W_x|W_h|b_x|b_h|b_)([a-z])$/) || [];
  const what = { W_x: "input →", W_h: "hidden →", b_x: "input-side bias of", b_h: "hidden-side bias of", b_: "bias of" }[kind];
  return what ? `${what} gate ${gate}` : "";
}

/** Row names of a stacked gate block: i1 i2 f1 f2 ... (or 1 2 ... for an RNN). */
function rowNames(cell, key, rows) {
  const gates = GATES[cell] || [];
  const stacked = ["W_xh", "W_hh", "b_h", "b_ih", "b_hh"].includes(key);
  if (stacked && gates.length && rows % gates.length === 0) {
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
function grid(name, value, cell, onChange) {
  const isMatrix = Array.isArray(value[0]);
  const rows = isMatrix ? value : [value];
  const names = isMatrix ? rowNames(cell, name, rows.length) : [""];
  const cols = rows[0]?.length || 0;
  const colNames = isMatrix ? Array.from({ length: cols }, (_, j) => String(j + 1)) : rowNames(cell, name, cols);
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
    el("span", { class: "mname", text: { h0: "h_0", c0: "c_0" }[name] || name }),
    el("span", { class: "mshape", text: `(${shape}) ${meaning(name)}` }),
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

/** Hidden size H of a spec (from W_hh, or the first per-gate hidden matrix). */
export function hiddenSize(spec) {
  const w = spec.weights || {};
  const gates = GATES[spec.cell] || [];
  if (w.W_hh) return w.W_hh.length / Math.max(1, gates.length);
  const first = gates.length ? w[`W_h${gates[0]}`] : null;
  return first ? first.length : 0;
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

/** Draw the whole editor into the page; `onChange` runs after every edit. */
export function drawEditor(spec, onChange) {
  $("#calc-title").value = spec.title || "";
  $("#calc-cell-name").textContent = `${String(spec.cell).toUpperCase()}${spec.cell === "lstm" ? " (gates i f g o)" : spec.cell === "gru" ? " (gates r z n)" : ""}`;
  $("#calc-nonlinearity").value = spec.nonlinearity || "tanh";
  $("#calc-nonlinearity").disabled = spec.cell !== "rnn";
  $("#calc-output").value = spec.output;
  $("#calc-readout").value = spec.readout || "last";
  $("#calc-target").value = spec.target === undefined || spec.target === null ? "" : JSON.stringify(spec.target);
  const w = spec.weights;
  const boxes = weightOrder(Object.keys(w), spec.cell).map((key) => grid(key, w[key], spec.cell, onChange));
  $("#weights-grids").replaceChildren(...boxes);
  const H = hiddenSize(spec);
  if (!spec.h0) spec.h0 = Array.from({ length: H }, () => 0);
  const states = [grid("h0", spec.h0, spec.cell, onChange)];
  if (spec.cell === "lstm") {
    if (!spec.c0) spec.c0 = Array.from({ length: H }, () => 0);
    states.push(grid("c0", spec.c0, spec.cell, onChange));
  } else delete spec.c0;
  $("#state-grids").replaceChildren(inputsGrid(spec, onChange), ...states);
}

/** Read the settings fields (title, nonlinearity, output, readout, target) into the spec. */
export function readSettings(spec) {
  spec.title = $("#calc-title").value.trim() || undefined;
  if (spec.cell === "rnn") spec.nonlinearity = $("#calc-nonlinearity").value;
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
