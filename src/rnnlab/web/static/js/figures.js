// One renderer for every figure-data dict of rnnlab.viz (kind lines | heatmap | heatmaps |
// matrix | histograms | scatter | table): titles as HTML, plots with Plotly.js (the global
// `Plotly` from /static/vendor/plotly.min.js), tables as HTML tables.

import { el } from "./state.js";

const PALETTE = ["#2456c7", "#d1495b", "#1d7a46", "#c07a12", "#6a4c93", "#00798c", "#8c564b", "#e377c2"];
const DASH = { solid: "solid", dotted: "dot", dashed: "dash" };
const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size: 12, color: "#1d2330" };

function baseLayout(fig, extra = {}) {
  return {
    font: FONT,
    margin: { l: 60, r: 20, t: 10, b: 50 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    xaxis: { title: { text: fig.xlabel || "" }, gridcolor: "#e6e9ef", zeroline: false, automargin: true },
    yaxis: { title: { text: fig.ylabel || "" }, gridcolor: "#e6e9ef", zeroline: false, automargin: true },
    legend: { orientation: "h", y: -0.22 },
    ...extra,
  };
}

function plotDiv(className = "plot") {
  return el("div", { class: className });
}

/** A figure's heading: title and subtitle. */
function heading(fig) {
  return [
    fig.title ? el("h3", { text: fig.title }) : null,
    fig.subtitle ? el("p", { class: "subtitle", text: fig.subtitle }) : null,
  ];
}

// ---- lines -------------------------------------------------------------

/** Plotly traces of a lines figure: colour per group (run), dash per style (split). */
export function lineTraces(fig) {
  const groups = [];
  return (fig.series || []).map((s) => {
    const group = s.group ?? s.name;
    if (!groups.includes(group)) groups.push(group);
    const color = PALETTE[groups.indexOf(group) % PALETTE.length];
    const single = (s.x || []).length === 1;
    return {
      type: "scatter",
      mode: single ? "markers" : "lines",
      name: s.name,
      x: [...(s.x || [])],
      y: [...(s.y || [])],
      legendgroup: String(group),
      line: { color, dash: DASH[s.style] || "solid", width: 2 },
      marker: { color, size: 6 },
      connectgaps: false,
    };
  });
}

function drawLines(host, fig) {
  const div = plotDiv();
  host.append(div);
  const layout = baseLayout(fig);
  if (fig.logy) Object.assign(layout.yaxis, { type: "log", dtick: 1, exponentformat: "power" });
  if (fig.vline !== undefined && fig.vline !== null) {
    layout.shapes = [{ type: "line", x0: fig.vline, x1: fig.vline, yref: "paper", y0: 0, y1: 1, line: { color: "#7d8798", dash: "dot" } }];
    layout.annotations = [{ x: fig.vline, yref: "paper", y: 1, text: fig.vline_label || "", showarrow: false, xanchor: "left", font: { size: 11, color: "#5b6475" } }];
  }
  Plotly.newPlot(div, lineTraces(fig), layout, CONFIG);
  if (fig.table) host.append(renderFigure(el("div"), fig.table));
  return div;
}

// ---- heatmaps ----------------------------------------------------------

function heatmapTrace(panel, colorbar) {
  const trace = {
    type: "heatmap",
    x: panel.x,
    y: panel.y,
    z: panel.z,
    colorscale: "RdBu", // Plotly's RdBu: low (negative) blue, high (positive) red
    reversescale: false,
    hoverongaps: false,
    colorbar: { title: { text: colorbar || "", side: "right" }, thickness: 12 },
  };
  if (panel.zmin !== undefined && panel.zmin !== null) trace.zmin = panel.zmin;
  if (panel.zmax !== undefined && panel.zmax !== null) trace.zmax = panel.zmax;
  if (trace.zmin === undefined || trace.zmin >= 0) {
    trace.colorscale = "Viridis";
    trace.reversescale = false;
  }
  return trace;
}

function heatmapLayout(fig, panel, small = false) {
  const layout = baseLayout(fig, { margin: { l: 60, r: 20, t: 10, b: 55 } });
  if (panel.xticklabels) {
    // at most ~12 (small panels) or ~40 token labels, evenly spaced, so they stay readable
    const every = Math.ceil(panel.xticklabels.length / (small ? 12 : 40));
    const keep = (_, k) => k % every === 0;
    layout.xaxis.tickmode = "array";
    layout.xaxis.tickvals = panel.x.filter(keep);
    layout.xaxis.ticktext = panel.xticklabels.filter(keep);
    layout.xaxis.tickangle = small || panel.xticklabels.length > 12 ? -45 : 0;
  }
  const ys = panel.y || [];
  if (panel.yticklabels) {
    // token rows (e.g. the target tokens of an attention map): one label per row
    layout.yaxis.tickmode = "array";
    layout.yaxis.tickvals = ys;
    layout.yaxis.ticktext = panel.yticklabels;
  } else if (ys.length && ys.length <= 12 && ys.every((v) => typeof v === "number")) {
    layout.yaxis.tickmode = "array"; // a few rows (e.g. probes at training steps): one tick each
    layout.yaxis.tickvals = ys;
  }
  return layout;
}

function drawHeatmap(host, fig) {
  const div = plotDiv();
  host.append(div);
  Plotly.newPlot(div, [heatmapTrace(fig, fig.colorbar)], heatmapLayout(fig, fig), CONFIG);
  return div;
}

function drawHeatmaps(host, fig) {
  const wrap = el("div", { class: "panels" });
  host.append(wrap);
  for (const panel of fig.panels || []) {
    const div = plotDiv("plot small");
    wrap.append(el("div", {}, el("h3", { text: panel.title || "" }), div));
    Plotly.newPlot(div, [heatmapTrace(panel, panel.title)], heatmapLayout(fig, panel, true), CONFIG);
  }
  return wrap;
}

function drawMatrix(host, fig) {
  const div = plotDiv();
  host.append(div);
  const z = fig.normalized || fig.z;
  const annotations = [];
  fig.y.forEach((yv, i) =>
    fig.x.forEach((xv, j) => {
      const share = fig.normalized?.[i]?.[j];
      annotations.push({
        x: xv,
        y: yv,
        text: `${fig.z[i][j]}${share === null || share === undefined ? "" : ` (${(100 * share).toFixed(0)}%)`}`,
        showarrow: false,
        font: { color: share > 0.5 ? "#ffffff" : "#1d2330" },
      });
    }),
  );
  const trace = { type: "heatmap", x: fig.x, y: fig.y, z, zmin: 0, zmax: fig.normalized ? 1 : undefined, colorscale: "Blues", reversescale: true, colorbar: { title: { text: "share of row" }, thickness: 12 } };
  const layout = baseLayout(fig, { annotations });
  layout.xaxis.type = "category";
  layout.yaxis.type = "category";
  layout.yaxis.autorange = "reversed";
  Plotly.newPlot(div, [trace], layout, CONFIG);
  return div;
}

// ---- histograms, scatter, table ------------------------------------------

function drawHistograms(host, fig) {
  const wrap = el("div", { class: "panels" });
  host.append(wrap);
  for (const panel of fig.panels || []) {
    const edges = panel.edges || [];
    const centers = [];
    const widths = [];
    for (let k = 0; k + 1 < edges.length; k += 1) {
      centers.push((edges[k] + edges[k + 1]) / 2);
      widths.push(edges[k + 1] - edges[k]);
    }
    const div = plotDiv("plot small");
    wrap.append(el("div", {}, el("h3", { class: "mono", text: panel.title || "" }), div));
    const trace = { type: "bar", x: centers, y: panel.counts, width: widths, marker: { color: PALETTE[0] }, name: panel.title };
    Plotly.newPlot(div, [trace], baseLayout(fig, { bargap: 0.02, showlegend: false }), CONFIG);
  }
  return wrap;
}

function drawScatter(host, fig) {
  const div = plotDiv();
  div.style.minHeight = "440px";
  host.append(div);
  const trace = {
    type: "scatter",
    mode: (fig.labels || []).length <= 120 ? "markers+text" : "markers",
    x: fig.x,
    y: fig.y,
    text: fig.labels,
    textposition: "top center",
    textfont: { size: 10 },
    hovertext: fig.labels,
    hoverinfo: "text",
    marker: { color: PALETTE[0], size: 6, opacity: 0.8 },
  };
  Plotly.newPlot(div, [trace], baseLayout(fig, { showlegend: false }), CONFIG);
  return div;
}

/** A cell value for display: numbers rounded to 4 significant decimals. */
export function cellText(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function drawTable(host, fig) {
  const rowsIn = fig.rows || [];
  // a column is right-aligned only when all its values are numbers (or missing)
  const numeric = (fig.columns || []).map((_, j) => rowsIn.some((r) => typeof r[j] === "number") && rowsIn.every((r) => r[j] === null || typeof r[j] === "number"));
  const head = el("tr", {}, (fig.columns || []).map((c, j) => el("th", { scope: "col", class: numeric[j] ? "num" : null, text: c })));
  const rows = rowsIn.map((row) => el("tr", {}, row.map((v, j) => el("td", { class: numeric[j] ? "num" : null, text: cellText(v) }))));
  const table = el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, rows));
  host.append(el("div", { class: "table-scroll" }, table));
  return table;
}

const DRAW = {
  lines: drawLines,
  heatmap: drawHeatmap,
  heatmaps: drawHeatmaps,
  matrix: drawMatrix,
  histograms: drawHistograms,
  scatter: drawScatter,
  table: drawTable,
};

/**
 * Draw figure data into `container` (its content is replaced). Returns the container;
 * `container.plot` is the main Plotly div (for live updates) when there is one.
 */
export function renderFigure(container, fig) {
  for (const div of container.querySelectorAll(".js-plotly-plot")) Plotly.purge(div);
  container.replaceChildren();
  container.classList.add("figure");
  container.dataset.kind = fig?.kind || "";
  const draw = DRAW[fig?.kind];
  if (!draw) {
    container.append(el("p", { class: "figure-empty", text: `cannot draw a figure of kind ${JSON.stringify(fig?.kind)}` }));
    return container;
  }
  container.append(...heading(fig).filter(Boolean));
  container.plot = draw(container, fig);
  return container;
}

/** An empty-state message in a figure container. */
export function renderMessage(container, text) {
  for (const div of container.querySelectorAll(".js-plotly-plot")) Plotly.purge(div);
  container.replaceChildren(el("p", { class: "figure-empty", text }));
  return container;
}
