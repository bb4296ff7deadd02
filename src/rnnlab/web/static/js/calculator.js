// The calculator page: load an example (GET /api/trace/examples) or a random network
// (POST /api/trace/random), edit it, Compute (POST /api/trace), then step through the
// forward and backward passes one time step at a time, the server's equations typeset
// with KaTeX; export Markdown or LaTeX. What a cell is comes from GET /api/trace/cells.

import { api, guarded, showError } from "./api.js";
import { changeSteps, drawEditor, readSettings } from "./calc-grid.js";
import { buildFrames, equationTex, plainText, typeset } from "./calc-steps.js";
import { $, el, markNav, markReady } from "./state.js";

let examples = [];
let cells = {}; // name -> the calculator's view of a cell (gates, weight names ...)
let spec = null; // the trace mapping being edited
let computed = null; // {result, markdown, latex, equations} of the last Compute
let frames = [];
let position = 0;

function edited() {
  if (computed) $("#compute-status").textContent = "edited since the last Compute: press Compute to update the steps";
}

function load(mapping) {
  if (!cells[mapping.cell]) {
    showError($("#calc-error"), new Error(`cell: the calculator traces ${Object.keys(cells).join(" | ")}, received ${mapping.cell}`));
    return;
  }
  spec = structuredClone(mapping);
  computed = null;
  frames = [];
  drawEditor(spec, cells[spec.cell], edited);
  $("#steps-panel").classList.add("hidden");
  $("#compute-status").textContent = "";
  showError($("#calc-error"), null);
}

async function loadCells() {
  const list = await guarded($("#calc-error"), () => api("/api/trace/cells"));
  if (!list) return false;
  cells = Object.fromEntries(list.map((cell) => [cell.name, cell]));
  $("#rnd-cell").replaceChildren(...list.map((cell) => el("option", { value: cell.name, text: cell.name, title: cell.display_name })));
  return true;
}

async function loadExamples() {
  if (!(await loadCells())) return;
  const list = await guarded($("#calc-error"), () => api("/api/trace/examples"));
  if (!list) return;
  examples = list;
  $("#calc-example").replaceChildren(...list.map((e) => el("option", { value: e.name, text: `${e.title || e.name} (${e.name})` })));
  const wanted = new URLSearchParams(window.location.search).get("example");
  const first = list.find((e) => e.name === wanted) || list.find((e) => e.name === "rnn_many_to_one") || list[0];
  if (first) {
    $("#calc-example").value = first.name;
    load(first.spec);
  }
}

function loadExample() {
  const example = examples.find((e) => e.name === $("#calc-example").value);
  if (!example) return;
  const params = new URLSearchParams(window.location.search);
  params.set("example", example.name);
  window.history.replaceState(null, "", `/calculator?${params}`);
  load(example.spec);
}

async function loadRandom(event) {
  event.preventDefault();
  const body = {
    cell: $("#rnd-cell").value,
    input_size: Number($("#rnd-input").value),
    hidden_size: Number($("#rnd-hidden").value),
    steps: Number($("#rnd-steps").value),
    seed: Number($("#rnd-seed").value),
    output: $("#rnd-output").value,
    readout: $("#rnd-readout").value,
  };
  const mapping = await guarded($("#calc-error"), () => api("/api/trace/random", { body }));
  if (mapping) load(mapping);
}

function cleanSpec() {
  return JSON.parse(JSON.stringify(spec));
}

async function compute() {
  if (!spec) return;
  const problem = readSettings(spec, cells[spec.cell]);
  if (problem) {
    showError($("#calc-error"), new Error(problem));
    return;
  }
  if ($("#editor .invalid")) {
    showError($("#calc-error"), new Error("some cells are not numbers (marked in red)"));
    return;
  }
  $("#compute-status").textContent = "computing ...";
  const answer = await guarded($("#calc-error"), () => api("/api/trace", { body: { spec: cleanSpec() } }));
  $("#compute-status").textContent = answer ? "" : "not computed";
  if (!answer) return;
  computed = answer;
  frames = buildFrames(answer.equations);
  $("#markdown-view").textContent = answer.markdown || "";
  $("#steps-panel").classList.remove("hidden");
  drawTimeline();
  show(0);
  $("#steps-panel").scrollIntoView({ behavior: "smooth", block: "start" });
}

function drawTimeline() {
  const buttons = frames.map((frame, k) => {
    const b = el("button", { type: "button", class: frame.phase === "backward" ? "bwd" : null, "data-testid": `frame-${frame.key}`, title: frame.title, text: frame.phase === "backward" ? `∂ ${frame.short}` : frame.short });
    b.addEventListener("click", () => show(k));
    return b;
  });
  $("#timeline").replaceChildren(el("span", { class: "muted", text: "jump to:" }), ...buttons);
}

function equationItem(eq, phase) {
  const plain = plainText(eq);
  const math = typeset(el("div", { class: "math" }), equationTex(eq.tex), plain);
  const back = phase === "backward" || phase === "gradients";
  return el("li", { class: back ? "bwd" : null, "data-testid": "equation", "data-lhs": eq.lhs, "data-plain": plain, title: plain }, math);
}

function noteItem(pieces) {
  return pieces.map((piece) => (piece.tex === undefined ? piece.text : typeset(el("span"), piece.tex, piece.tex, false)));
}

function show(k) {
  position = Math.max(0, Math.min(frames.length - 1, k));
  const frame = frames[position];
  $("#step-where").textContent = frame.title;
  $("#step-where").dataset.frame = frame.key;
  $("#step-note").replaceChildren(...noteItem(frame.note));
  $("#equations").replaceChildren(...frame.equations.map((eq) => equationItem(eq, frame.phase)));
  $("#prev").disabled = position === 0;
  $("#next").disabled = position === frames.length - 1;
  $$timeline().forEach((b, i) => (i === position ? b.setAttribute("aria-current", "step") : b.removeAttribute("aria-current")));
}

const $$timeline = () => [...$("#timeline").querySelectorAll("button")];

function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function slug() {
  const title = computed?.result?.title || spec?.title || "trace";
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 50) || "trace";
}

function init() {
  markNav();
  $("#load-example").addEventListener("click", loadExample);
  $("#random-form").addEventListener("submit", loadRandom);
  $("#compute").addEventListener("click", compute);
  $("#prev").addEventListener("click", () => show(position - 1));
  $("#next").addEventListener("click", () => show(position + 1));
  for (const id of ["#calc-title", "#calc-nonlinearity", "#calc-output", "#calc-readout", "#calc-target"]) $(id).addEventListener("change", edited);
  $("#add-step").addEventListener("click", () => {
    readSettings(spec, cells[spec.cell]);
    if (!changeSteps(spec, +1)) return;
    drawEditor(spec, cells[spec.cell], edited);
    edited();
  });
  $("#remove-step").addEventListener("click", () => {
    readSettings(spec, cells[spec.cell]);
    if (!changeSteps(spec, -1)) return;
    drawEditor(spec, cells[spec.cell], edited);
    edited();
  });
  $("#export-md").addEventListener("click", () => computed && download(computed.markdown, `${slug()}.md`, "text/markdown"));
  $("#export-tex").addEventListener("click", () => computed && download(computed.latex, `${slug()}.tex`, "application/x-tex"));
  document.addEventListener("keydown", (event) => {
    if (!frames.length || ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) return;
    if (event.key === "ArrowRight") show(position + 1);
    if (event.key === "ArrowLeft") show(position - 1);
  });
  loadExamples().finally(markReady);
}

init();
