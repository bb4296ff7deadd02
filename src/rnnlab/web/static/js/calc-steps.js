// The calculator's frames: the server's worked example (POST /api/trace, its `equations`:
// sections of equations, each in plain text and in LaTeX math) one section per frame,
// typeset with the vendored KaTeX (/static/vendor/katex/). No formula is written here:
// every symbol, rule and number comes from the server (rnnlab.trace.render.structured).

const PHASE_LABEL = { start: "start", output: "out", gradients: "Σ ∇" };

/** The timeline label of a section: its time step, or its phase (the page marks the
 *  backward ones with ∂). */
function shortLabel(section) {
  const step = section.key.match(/^[fb](\d+)$/);
  if (step) return `t=${step[1]}`;
  if (section.key === "dout") return "out";
  return PHASE_LABEL[section.phase] || section.key;
}

/** Every frame of a trace's equations, in stepping order. */
export function buildFrames(equations) {
  return equations.sections.map((section) => ({ ...section, short: shortLabel(section) }));
}

/** One equation as the Markdown writes it (for the title tooltip and for copying). */
export function plainText(eq) {
  return [eq.lhs, eq.rule, eq.numbers, eq.result].filter((part) => part).join(" = ");
}

/** The LaTeX of an equation: the server's aligned rows (lhs = rule, = the numbers
 *  substituted, = the result), in KaTeX's aligned environment. */
export const equationTex = (tex) => `\\begin{aligned}${tex.aligned}\\end{aligned}`;

/** Typeset `tex` into `element` (display or inline); plain text if KaTeX is missing. */
export function typeset(element, tex, fallback, displayMode = true) {
  if (window.katex) {
    window.katex.render(tex, element, { displayMode, throwOnError: false, strict: "ignore", output: "htmlAndMathml" });
  } else {
    element.textContent = fallback;
  }
  return element;
}
