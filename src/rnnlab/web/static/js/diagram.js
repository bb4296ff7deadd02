// The unrolled network as an SVG: T boxes per layer (two rows per layer when
// bidirectional), arrows x_t -> h_t -> h_{t+1}, and the readout y_hat at the last
// step (many-to-one) or at every step (many-to-many).

const NS = "http://www.w3.org/2000/svg";
const COL = 118; // column width per time step
const ROW = 78; // row height
const BOX_W = 66;
const BOX_H = 36;
const LEFT = 150; // room for the row labels

function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function arrow(svg, d, cls = "arrow", marker = "arrowhead") {
  svg.append(svgEl("path", { d, class: cls, "marker-end": `url(#${marker})` }));
}

function box(svg, cx, cy, cls, lines, title, w = BOX_W, h = BOX_H) {
  const g = svgEl("g");
  g.append(svgEl("title", {}, title));
  g.append(svgEl("rect", { x: cx - w / 2, y: cy - h / 2, width: w, height: h, rx: 6, class: cls }));
  const first = lines.length === 1 ? cy + 4 : cy - 3;
  lines.forEach((line, k) => g.append(svgEl("text", { x: cx, y: first + 14 * k, "text-anchor": "middle" }, line)));
  svg.append(g);
}

/** The <defs> of an arrowhead marker named `id`. */
function arrowhead(id) {
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#3b4456" }));
  defs.append(marker);
  return defs;
}

/** Rows bottom-up: [{layer, direction}], forward below backward within a layer. */
function rowsOf(layers, directions) {
  const rows = [];
  for (let l = 0; l < layers; l += 1) {
    rows.push({ layer: l, direction: "forward" });
    if (directions === 2) rows.push({ layer: l, direction: "backward" });
  }
  return rows;
}

/**
 * Draw the diagram into `host`. `d`: {steps, layers, directions, readout, cell,
 * display_name, labels} (the `diagram` of POST /api/models/summary, or the same computed
 * from the form); `labels.c` is present for a cell with a cell state.
 */
export function drawDiagram(host, d) {
  const T = Math.max(1, Math.min(d.steps || 4, 8));
  const rows = rowsOf(Math.max(1, d.layers || 1), d.directions === 2 ? 2 : 1);
  const labels = { x: "x_t", h: "h_t", y: "y_hat", ...(d.labels || {}) };
  const sub = (name, t) => name.replace(/_t$/, `_${t}`).replace(/_\{t\}$/, `_${t}`);
  const cellName = String(d.display_name || d.cell || "");
  const height = ROW * (rows.length + 2) + 30;
  const width = LEFT + COL * T + 40;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": "diagram-title" });
  svg.append(svgEl("title", { id: "diagram-title" }, `Unrolled ${cellName}: ${T} time steps, ${rows.length} row(s), readout ${d.readout}`));
  svg.append(arrowhead("arrowhead"));

  const cx = (t) => LEFT + COL * (t - 0.5); // t = 1..T
  const yInput = height - ROW / 2 - 10;
  const yRow = (r) => yInput - ROW * (r + 1);
  const yOut = yRow(rows.length - 1) - ROW;
  const top = rows.length - 1;

  // arrows first, so the boxes sit on top of them
  for (let t = 1; t <= T; t += 1) {
    rows.forEach((row, r) => {
      const y = yRow(r);
      const fromLayerBelow = r === 0 ? yInput : yRow(r - 1);
      if (row.direction === "forward") {
        arrow(svg, `M${cx(t)},${fromLayerBelow - BOX_H / 2} L${cx(t)},${y + BOX_H / 2 + 2}`);
        if (t < T) arrow(svg, `M${cx(t) + BOX_W / 2},${y} L${cx(t + 1) - BOX_W / 2 - 2},${y}`, "arrow rec");
      } else {
        // the backward row reads the same inputs (drawn beside the forward box) ...
        const source = r === 1 ? yInput : yRow(r - 2);
        arrow(svg, `M${cx(t) + 14},${source - BOX_H / 2} L${cx(t) + 14},${y + BOX_H / 2 + 2}`, "arrow back");
        // ... and runs from t+1 to t
        if (t < T) arrow(svg, `M${cx(t + 1) - BOX_W / 2},${y} L${cx(t) + BOX_W / 2 + 2},${y}`, "arrow back");
      }
    });
    const bidirectional = rows[top].direction === "backward";
    if (d.readout === "every" || (t === T && !bidirectional)) arrow(svg, `M${cx(t)},${yRow(top) - BOX_H / 2} L${cx(t)},${yOut + BOX_H / 2 + 2}`);
    // bidirectional, many-to-one: y_hat reads [h→_T ; h←_1], the final state of each direction
    else if (t === T) arrow(svg, `M${cx(t) - 14},${yRow(top - 1) - BOX_H / 2} L${cx(t) - 14},${yOut + BOX_H / 2 + 2}`, "arrow rec");
  }
  if (d.readout !== "every" && rows[top].direction === "backward" && T > 1) {
    const yb = yRow(top) - BOX_H / 2;
    arrow(svg, `M${cx(1) - 10},${yb} L${cx(1) - 10},${yOut} L${cx(T) - BOX_W / 2 - 2},${yOut}`, "arrow back");
  }

  // boxes and labels
  for (let t = 1; t <= T; t += 1) {
    box(svg, cx(t), yInput, "io", [sub(labels.x, t)], `input x_${t}`);
    rows.forEach((row, r) => {
      const lines = [sub(labels.h, t)];
      if (labels.c) lines.push(sub(labels.c, t));
      const what = `layer ${row.layer}, ${row.direction}, step ${t}`;
      box(svg, cx(t), yRow(r), row.direction === "forward" ? "cell" : "cell backward", lines, what);
    });
    if (d.readout === "every") box(svg, cx(t), yOut, "out", [`${labels.y}_${t}`], `prediction at step ${t}`);
  }
  if (d.readout !== "every") box(svg, cx(T), yOut, "out", [labels.y], "one prediction after the last step");

  const rowLabel = (y, text) => svg.append(svgEl("text", { x: 8, y: y + 4 }, text));
  rowLabel(yInput, d.embedding ? "input x_t = E[w_t]" : "input x_t");
  rows.forEach((row, r) => rowLabel(yRow(r), `layer ${row.layer} ${row.direction === "forward" ? "→" : "←"} ${cellName}`));
  rowLabel(yOut, d.readout === "every" ? "readout (every t)" : "readout (last t)");
  host.replaceChildren(svg);
  return svg;
}

// ---- the shapes of RNN (GET /api/tasks: a task's `shapes`) -------------------------------

const S_COL = 62; // column width per step
const S_ROW = 58; // row height
const S_W = 44; // box size
const S_H = 26;
let shapeCount = 0; // each small diagram has its own arrowhead id

/** Steps of the small diagram: [{col, row, kind: x | h | s | y, label}] and its arrows. */
function shapeLayout(shape) {
  const boxes = [];
  const links = []; // [from, to, class]
  const at = (col, row, kind, label) => boxes.push({ col, row, kind, label }) - 1;
  if (!shape.encoder_decoder) {
    const T = 4;
    const top = 2;
    let previous = null;
    let output = null;
    for (let t = 1; t <= T; t += 1) {
      const h = at(t, 1, "h", `h_${t}`);
      if (previous !== null) links.push([previous, h, "arrow rec"]);
      if (shape.inputs === "every" || t === 1) links.push([at(t, 0, "x", `x_${t}`), h, "arrow"]);
      else if (output !== null) links.push([output, h, "arrow feed"]); // y_{t-1} is x_t
      output = shape.outputs === "every" || t === T ? at(t, top, "y", shape.outputs === "every" ? `y_${t}` : "y") : null;
      if (output !== null) links.push([h, output, "arrow"]);
      previous = h;
    }
    return { boxes, links, cols: T, rows: 3, attention: [] };
  }
  const S = 3; // source steps
  const N = 3; // target steps
  const encoder = [];
  for (let j = 1; j <= S; j += 1) {
    encoder.push(at(j, 1, "h", `h_${j}`));
    links.push([at(j, 0, "x", `x_${j}`), encoder[j - 1], "arrow"]);
    if (j > 1) links.push([encoder[j - 2], encoder[j - 1], "arrow rec"]);
  }
  let previous = encoder[S - 1];
  let decoder = null;
  for (let t = 1; t <= N; t += 1) {
    decoder = at(S + t, 2, "s", `s_${t}`);
    links.push([previous, decoder, t === 1 ? "arrow bridge" : "arrow rec"]);
    links.push([at(S + t, 0, "x", t === 1 ? "<bos>" : `y_${t - 1}`), decoder, "arrow feed"]);
    links.push([decoder, at(S + t, 3, "y", `y_${t}`), "arrow"]);
    previous = decoder;
  }
  return { boxes, links, cols: S + N, rows: 4, attention: encoder.map((h) => [h, decoder]) };
}

const SHAPE_CLASS = { x: "io", h: "cell", s: "cell decoder", y: "out" };
const SHAPE_WHAT = { x: "input", h: "hidden state", s: "decoder state", y: "output" };

/**
 * Draw a small diagram of one shape of RNN into `host` (replacing its content): x boxes at
 * the bottom, h_t boxes, output boxes on top and the arrows between them, from the shape's
 * `inputs` (every | first: later inputs are the previous outputs), `outputs` (every |
 * last) and `encoder_decoder` (an encoder row, a decoder row s_t to its right; with
 * `attention`, a fan of lines from every encoder state to the last decoder step).
 */
export function drawShape(host, shape, { attention = false } = {}) {
  shapeCount += 1;
  const marker = `shape-arrowhead-${shapeCount}`;
  const layout = shapeLayout(shape);
  const width = S_COL * layout.cols + 20;
  const height = S_ROW * layout.rows + 6;
  const x = (b) => 10 + S_COL * (b.col - 0.5);
  const y = (b) => height - 3 - S_ROW * (b.row + 0.5);
  const fan = attention && layout.attention.length > 0;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "data-shape": shape.name, "data-attention": String(fan) });
  svg.append(svgEl("title", {}, `${shape.title}: ${shape.summary}${fan ? "; with attention" : ""}`), arrowhead(marker));
  const edge = (a, b) => {
    const [ax, ay, bx, by] = [x(a), y(a), x(b), y(b)];
    if (ay === by) return `M${ax + S_W / 2},${ay} L${bx - S_W / 2 - 2},${by}`;
    const up = by < ay ? 1 : -1; // b above a: leave a's top edge, reach b's bottom edge
    const slope = (bx - ax) / Math.abs(by - ay);
    const dx = Math.max(-S_W / 2, Math.min(S_W / 2, slope * (S_H / 2)));
    return `M${ax + dx},${ay - (up * S_H) / 2} L${bx - dx},${by + up * (S_H / 2 + 2)}`;
  };
  for (const [a, b, cls] of layout.links) arrow(svg, edge(layout.boxes[a], layout.boxes[b]), cls, marker);
  if (fan) for (const [a, b] of layout.attention) arrow(svg, edge(layout.boxes[a], layout.boxes[b]), "arrow attention", marker);
  for (const b of layout.boxes) box(svg, x(b), y(b), SHAPE_CLASS[b.kind], [b.label], `${SHAPE_WHAT[b.kind]} ${b.label}`, S_W, S_H);
  host.replaceChildren(svg);
  return svg;
}
