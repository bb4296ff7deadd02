// The calculator's frames: from the JSON of POST /api/trace (rnnlab trace --format json),
// one frame per forward time step, the output and loss, one per backward time step and the
// summed gradients; each frame a list of equations with the numbers filled in.
// Nothing is computed here except display slices of the server's vectors.

/** A number as the Markdown export writes it: at most 4 decimals, no trailing zeros. */
export function num(x) {
  if (x === null || x === undefined) return "—";
  const v = Number(Number(x).toFixed(4));
  return Object.is(v, -0) ? "0" : String(v);
}
export const vec = (v) => `[${(v || []).map(num).join(", ")}]`;
export const mat = (m) => (Array.isArray(m?.[0]) ? `[${m.map(vec).join(", ")}]` : vec(m));

const part = (v, k, H) => v.slice(k * H, (k + 1) * H);
const ones = (v) => v.map(() => 1);
const FN = { sigmoid: "σ", softmax: "softmax", linear: "" };

/** An equation: a name (for tests and styling), the symbolic left part and the numbers. */
const eq = (id, symbolic, ...values) => ({ id, symbolic, values });

function yhatLine(kind, o, y, t = "") {
  if (kind === "linear") return eq(`yhat${t}`, `ŷ${t} = o${t}`, `= ${vec(y)}`);
  return eq(`yhat${t}`, `ŷ${t} = ${FN[kind]}(o${t})`, `= ${FN[kind]}(${vec(o)})`, `= ${vec(y)}`);
}

function outputLines(r, t) {
  const out = r.output;
  if (!out) return [];
  const every = r.readout === "every";
  const i = every ? t - 1 : null;
  const o = every ? out.o[i] : out.o;
  const y = every ? out.y[i] : out.y;
  const s = every ? `_${t}` : "";
  const lines = [eq(`o${s}`, `o${s} = W_hy h_${t} + b_y`, `= ${vec(o)}`), yhatLine(r.output_kind, o, y, s)];
  if (out.target) lines.push(eq(`y${s}`, `y${s} = target`, `= ${vec(every ? out.target[i] : out.target)}`));
  return lines;
}

// ---- forward -------------------------------------------------------------

function zLine(r, f, t) {
  const left = r.combined_bias ? `z_${t} = (W_xh x_${t} + b_h) + W_hh h_${t - 1}` : `z_${t} = (W_xh x_${t} + b_ih) + (W_hh h_${t - 1} + b_hh)`;
  return eq("z", left, `= ${vec(f.zx)} + ${vec(f.zh)}`, `= ${vec(f.z)}`);
}

function forwardRnn(r, f, t) {
  const relu = r.nonlinearity === "relu";
  const h = relu ? eq("h", `h_${t} = relu(z_${t})`, `= max(0, ${vec(f.z)})`, `= ${vec(f.h)}`) : eq("h", `h_${t} = tanh(z_${t})`, `= tanh(${vec(f.z)})`, `= ${vec(f.h)}`);
  return [zLine(r, f, t), h];
}

function forwardLstm(r, f, t, prev) {
  const H = r.sizes.H;
  const gate = (g, k, fn) => eq(g, `${g}_${t} = ${fn}(z^${g}_${t})`, `= ${fn}(${vec(part(f.z, k, H))})`, `= ${vec(f[g])}`);
  const cPrev = prev ? prev.c : r.c0 || f.c.map(() => 0);
  return [
    zLine(r, f, t),
    gate("i", 0, "σ"),
    gate("f", 1, "σ"),
    gate("g", 2, "tanh"),
    gate("o", 3, "σ"),
    eq("c", `c_${t} = f_${t} ⊙ c_${t - 1} + i_${t} ⊙ g_${t}`, `= ${vec(f.f)} ⊙ ${vec(cPrev)} + ${vec(f.i)} ⊙ ${vec(f.g)}`, `= ${vec(f.c)}`),
    eq("h", `h_${t} = o_${t} ⊙ tanh(c_${t})`, `= ${vec(f.o)} ⊙ tanh(${vec(f.c)})`, `= ${vec(f.h)}`),
  ];
}

function forwardGru(r, f, t, prev) {
  const H = r.sizes.H;
  const hPrev = prev ? prev.h : r.h0;
  const [xr, xz, xn] = [0, 1, 2].map((k) => part(f.zx, k, H));
  const [hr, hz, hn] = [0, 1, 2].map((k) => part(f.zh, k, H));
  return [
    eq("zx", `zx_${t} = W_xh x_${t} + b_ih`, `= ${vec(f.zx)}`),
    eq("zh", `zh_${t} = W_hh h_${t - 1} + b_hh`, `= ${vec(f.zh)}`),
    eq("r", `r_${t} = σ(zx^r_${t} + zh^r_${t})`, `= σ(${vec(xr)} + ${vec(hr)})`, `= ${vec(f.r)}`),
    eq("zgate", `z_${t} = σ(zx^z_${t} + zh^z_${t})`, `= σ(${vec(xz)} + ${vec(hz)})`, `= ${vec(f.z)}`),
    eq("n", `n_${t} = tanh(zx^n_${t} + r_${t} ⊙ zh^n_${t})`, `= tanh(${vec(xn)} + ${vec(f.r)} ⊙ ${vec(hn)})`, `= ${vec(f.n)}`),
    eq("h", `h_${t} = (1 - z_${t}) ⊙ n_${t} + z_${t} ⊙ h_${t - 1}`, `= (1 - ${vec(f.z)}) ⊙ ${vec(f.n)} + ${vec(f.z)} ⊙ ${vec(hPrev)}`, `= ${vec(f.h)}`),
  ];
}

function forwardFrame(r, k) {
  const f = r.forward[k];
  const t = f.t;
  const label = r.input_labels ? ` (“${r.input_labels[k]}”)` : "";
  const lines = [eq("x", `x_${t}${label}`, `= ${vec(f.x)}`)];
  const prev = k > 0 ? r.forward[k - 1] : null;
  if (r.cell === "lstm") lines.push(...forwardLstm(r, f, t, prev));
  else if (r.cell === "gru") lines.push(...forwardGru(r, f, t, prev));
  else lines.push(...forwardRnn(r, f, t));
  if (r.readout === "every") lines.push(...outputLines(r, t));
  return { key: `f${t}`, short: `t=${t}`, title: `Forward, t = ${t}`, phase: "forward", lines };
}

// ---- output, loss -----------------------------------------------------------

function outputFrame(r) {
  const T = r.sizes.T;
  const lines = r.readout === "every" ? [] : outputLines(r, T);
  const out = r.output;
  if (out?.target && r.loss !== undefined && r.loss !== null) {
    const rule = r.loss_rule || "L";
    lines.push(eq("loss", `L = ${r.readout === "every" ? `Σ_t ${rule}` : rule}`, `= ${num(r.loss)}`, `(${r.loss_name || "loss"})`));
    if (r.readout === "every") {
      out.do.forEach((d, i) => lines.push(eq(`do_${i + 1}`, `∂L/∂o_${i + 1} = ŷ_${i + 1} - y_${i + 1}`, `= ${vec(out.y[i])} - ${vec(out.target[i])}`, `= ${vec(d)}`)));
    } else lines.push(eq("do", "∂L/∂o = ŷ - y", `= ${vec(out.y)} - ${vec(out.target)}`, `= ${vec(out.do)}`));
  }
  const names = r.output_labels ? ` (outputs: ${r.output_labels.join(", ")})` : "";
  return { key: "out", short: "out", title: `Output and loss${names}`, phase: "output", lines };
}

// ---- backward ---------------------------------------------------------------

function dhLine(r, s) {
  const t = s.t;
  const T = r.sizes.T;
  const every = r.readout === "every";
  const fromOut = every ? `W_hyᵀ ∂L/∂o_${t}` : t === T ? "W_hyᵀ ∂L/∂o" : "0";
  let fromNext = t === T ? "0" : `W_hhᵀ δ_${t + 1}`;
  if (r.cell === "gru" && t < T) fromNext = `z_${t + 1} ⊙ ∂L/∂h_${t + 1} + W_hhᵀ δʰ_${t + 1}`;
  return eq("dh", `∂L/∂h_${t} = ${fromOut} + ${fromNext}`, `= ${vec(s.dh_out)} + ${vec(s.dh_next)}`, `= ${vec(s.dh)}`);
}

function backwardRnn(r, s, f) {
  const t = s.t;
  if (r.nonlinearity === "relu") return [eq("delta", `δ_${t} = ∂L/∂h_${t} ⊙ 1[z_${t} > 0]`, `= ${vec(s.dh)} ⊙ ${vec(s.fprime || ones(s.dh))}`, `= ${vec(s.delta)}`)];
  return [eq("delta", `δ_${t} = ∂L/∂h_${t} ⊙ (1 - h_${t}²)`, `= ${vec(s.dh)} ⊙ ${vec(s.fprime || f.h.map((h) => 1 - h * h))}`, `= ${vec(s.delta)}`)];
}

function backwardLstm(r, s, f, prev) {
  const t = s.t;
  const H = r.sizes.H;
  const cPrev = prev ? prev.c : r.c0 || f.c.map(() => 0);
  const d = [0, 1, 2, 3].map((k) => part(s.delta, k, H));
  return [
    eq("dc", `∂L/∂c_${t} = ∂L/∂c_${t + 1} ⊙ f_${t + 1} + ∂L/∂h_${t} ⊙ o_${t} ⊙ (1 - tanh²(c_${t}))`, `= ${vec(s.dc_next)} + ${vec(s.dh)} ⊙ ${vec(f.o)} ⊙ (1 - tanh²(${vec(f.c)}))`, `= ${vec(s.dc)}`),
    eq("delta-i", `δ^i_${t} = ∂L/∂c_${t} ⊙ g_${t} ⊙ i_${t} ⊙ (1 - i_${t})`, `= ${vec(s.dc)} ⊙ ${vec(f.g)} ⊙ ${vec(f.i)} ⊙ (1 - ${vec(f.i)})`, `= ${vec(d[0])}`),
    eq("delta-f", `δ^f_${t} = ∂L/∂c_${t} ⊙ c_${t - 1} ⊙ f_${t} ⊙ (1 - f_${t})`, `= ${vec(s.dc)} ⊙ ${vec(cPrev)} ⊙ ${vec(f.f)} ⊙ (1 - ${vec(f.f)})`, `= ${vec(d[1])}`),
    eq("delta-g", `δ^g_${t} = ∂L/∂c_${t} ⊙ i_${t} ⊙ (1 - g_${t}²)`, `= ${vec(s.dc)} ⊙ ${vec(f.i)} ⊙ (1 - ${vec(f.g)}²)`, `= ${vec(d[2])}`),
    eq("delta-o", `δ^o_${t} = ∂L/∂h_${t} ⊙ tanh(c_${t}) ⊙ o_${t} ⊙ (1 - o_${t})`, `= ${vec(s.dh)} ⊙ ${vec(f.tanh_c)} ⊙ ${vec(f.o)} ⊙ (1 - ${vec(f.o)})`, `= ${vec(d[3])}`),
    eq("delta", `δ_${t} = [δ^i_${t}; δ^f_${t}; δ^g_${t}; δ^o_${t}]`, `= ${vec(s.delta)}`),
  ];
}

function backwardGru(r, s, f, prev) {
  const t = s.t;
  const H = r.sizes.H;
  const hPrev = prev ? prev.h : r.h0;
  const [dr, dz, dn] = [0, 1, 2].map((k) => part(s.delta, k, H));
  const hn = part(f.zh, 2, H);
  const lines = [
    eq("delta-n", `δ^n_${t} = ∂L/∂h_${t} ⊙ (1 - z_${t}) ⊙ (1 - n_${t}²)`, `= ${vec(s.dh)} ⊙ (1 - ${vec(f.z)}) ⊙ (1 - ${vec(f.n)}²)`, `= ${vec(dn)}`),
    eq("delta-z", `δ^z_${t} = ∂L/∂h_${t} ⊙ (h_${t - 1} - n_${t}) ⊙ z_${t} ⊙ (1 - z_${t})`, `= ${vec(s.dh)} ⊙ (${vec(hPrev)} - ${vec(f.n)}) ⊙ ${vec(f.z)} ⊙ (1 - ${vec(f.z)})`, `= ${vec(dz)}`),
    eq("delta-r", `δ^r_${t} = δ^n_${t} ⊙ zh^n_${t} ⊙ r_${t} ⊙ (1 - r_${t})`, `= ${vec(dn)} ⊙ ${vec(hn)} ⊙ ${vec(f.r)} ⊙ (1 - ${vec(f.r)})`, `= ${vec(dr)}`),
    eq("delta", `δ_${t} = [δ^r_${t}; δ^z_${t}; δ^n_${t}] (input side)`, `= ${vec(s.delta)}`),
  ];
  if (s.delta_h) lines.push(eq("delta-h", `δʰ_${t} = [δ^r_${t}; δ^z_${t}; r_${t} ⊙ δ^n_${t}] (hidden side)`, `= ${vec(s.delta_h)}`));
  return lines;
}

function backwardFrame(r, s) {
  const k = s.t - 1;
  const f = r.forward[k];
  const prev = k > 0 ? r.forward[k - 1] : null;
  const lines = [dhLine(r, s)];
  if (r.cell === "lstm") lines.push(...backwardLstm(r, s, f, prev));
  else if (r.cell === "gru") lines.push(...backwardGru(r, s, f, prev));
  else lines.push(...backwardRnn(r, s, f));
  return { key: `b${s.t}`, short: `t=${s.t}`, title: `Backward, t = ${s.t}`, phase: "backward", lines };
}

const GRAD_RULE = {
  W_xh: "Σ_t δ_t x_tᵀ",
  W_hh: "Σ_t δ_t h_{t-1}ᵀ",
  b_h: "Σ_t δ_t",
  b_ih: "Σ_t δ_t",
  b_hh: "Σ_t δ_t",
  W_hy: "Σ_t ∂L/∂o_t h_tᵀ",
  b_y: "Σ_t ∂L/∂o_t",
};

function gradientFrame(r) {
  const b = r.backward;
  const lines = [];
  for (const [key, value] of Object.entries(b.grads || {})) {
    if (r.combined_bias && (key === "b_ih" || key === "b_hh") && b.grads.b_h) continue;
    let rule = GRAD_RULE[key] || "";
    if (r.cell === "gru" && (key === "W_hh" || key === "b_hh")) rule = rule.replace("δ_t", "δʰ_t");
    if (r.readout !== "every" && key === "W_hy") rule = `∂L/∂o h_${r.sizes.T}ᵀ`;
    if (r.readout !== "every" && key === "b_y") rule = "∂L/∂o";
    lines.push(eq(`grad-${key}`, `∂L/∂${key} = ${rule}`, `= ${mat(value)}`));
  }
  if (b.dh0) lines.push(eq("grad-h0", "∂L/∂h_0", `= ${vec(b.dh0)}`));
  if (b.dc0) lines.push(eq("grad-c0", "∂L/∂c_0", `= ${vec(b.dc0)}`));
  if (b.dx) b.dx.forEach((d, i) => lines.push(eq(`grad-x${i + 1}`, `∂L/∂x_${i + 1}`, `= ${vec(d)}`)));
  return { key: "grads", short: "Σ ∇", title: "Gradients (sums over time)", phase: "gradients", lines };
}

function startFrame(r) {
  const s = r.sizes;
  const lines = [];
  for (const [key, value] of Object.entries(r.weights || {})) {
    if (r.combined_bias && (key === "b_ih" || key === "b_hh")) continue;
    if (!r.combined_bias && key === "b_h") continue;
    lines.push(eq(`w-${key}`, key, `= ${mat(value)}`));
  }
  lines.push(eq("h0", "h_0", `= ${vec(r.h0)}`));
  if (r.c0) lines.push(eq("c0", "c_0", `= ${vec(r.c0)}`));
  const gates = r.gate_order?.length ? `; gate order ${r.gate_order.join(" ")}` : "";
  const title = `Weights and initial state: D = ${s.D}, H = ${s.H}, O = ${s.O}, T = ${s.T}${gates}`;
  return { key: "start", short: "start", title, phase: "start", lines };
}

/** Every frame of a trace result, in stepping order. */
export function buildFrames(r) {
  const frames = [startFrame(r)];
  r.forward.forEach((_, k) => frames.push(forwardFrame(r, k)));
  frames.push(outputFrame(r));
  if (r.backward) {
    for (const s of r.backward.steps) frames.push(backwardFrame(r, s));
    frames.push(gradientFrame(r));
  }
  return frames;
}
