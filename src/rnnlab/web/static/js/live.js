// A training run followed live: the event stream of GET /api/runs/{id}/events drawn as
// a loss curve that grows on every step event (Plotly.extendTraces), with the counters.

import { api, seg } from "./api.js";
import { renderFigure } from "./figures.js";
import { $, el } from "./state.js";

const TRAIN = 0; // trace indices in the live figure
const VAL = 1;

export function fmtSeconds(s) {
  if (s === null || s === undefined || !Number.isFinite(Number(s))) return "—";
  const total = Math.round(Number(s));
  const m = Math.floor(total / 60);
  return `${m}:${String(total % 60).padStart(2, "0")}`;
}

const fmt = (v, digits = 4) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? "—" : String(Number(Number(v).toPrecision(digits))));

export class LiveRun {
  /** `onEnd(status, message)` is called once the stream says the run ended. */
  constructor(id, { onEnd } = {}) {
    this.id = id;
    this.onEnd = onEnd;
    this.source = null;
    this.lastStep = 0;
    this.lastEvalStep = 0;
    this.queue = { x: [], y: [], vx: [], vy: [] };
    this.frame = null;
    this.points = 0;
    this.evals = [];
    this.chart = $("#live-curve");
  }

  /** Draw what the store already has, then listen to the stream. */
  async start() {
    this.drawEmpty();
    try {
      const metrics = await api(`/api/runs/${seg(this.id)}/metrics`);
      this.addHistory(metrics);
    } catch {
      /* a run that has not written a metric yet: the stream fills the curve */
    }
    this.connect();
  }

  drawEmpty() {
    renderFigure(this.chart, {
      kind: "lines",
      title: "Loss",
      subtitle: "training loss at every step; validation loss at each evaluation",
      xlabel: "step",
      ylabel: "loss",
      series: [
        { name: "train loss", x: [], y: [], style: "solid", group: "train" },
        { name: "validation loss", x: [], y: [], style: "solid", group: "val" },
      ],
    });
    Plotly.restyle(this.chart.plot, { mode: "lines+markers", "marker.size": 7 }, [VAL]);
    this.points = 0;
    this.chart.dataset.points = "0";
  }

  addHistory(metrics) {
    const loss = metrics?.train?.loss;
    if (loss?.step?.length) this.push(loss.step, loss.value, [], []);
    const val = metrics?.val?.val_loss || metrics?.val?.loss;
    if (val?.step?.length) this.push([], [], val.step, val.value);
    this.flush();
  }

  push(x, y, vx, vy) {
    for (let k = 0; k < x.length; k += 1) {
      if (x[k] <= this.lastStep) continue;
      this.queue.x.push(x[k]);
      this.queue.y.push(y[k]);
      this.lastStep = x[k];
    }
    for (let k = 0; k < vx.length; k += 1) {
      if (vx[k] <= this.lastEvalStep) continue;
      this.queue.vx.push(vx[k]);
      this.queue.vy.push(vy[k]);
      this.lastEvalStep = vx[k];
    }
  }

  /** Extend the traces with what has queued up (at most once per animation frame). */
  flush() {
    this.frame = null;
    const q = this.queue;
    if (!q.x.length && !q.vx.length) return;
    Plotly.extendTraces(this.chart.plot, { x: [q.x, q.vx], y: [q.y, q.vy] }, [TRAIN, VAL]);
    this.points += q.x.length;
    this.chart.dataset.points = String(this.points);
    this.queue = { x: [], y: [], vx: [], vy: [] };
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.flush());
  }

  connect() {
    this.close();
    const source = new EventSource(`/api/runs/${seg(this.id)}/events`);
    this.source = source;
    const on = (type, handler) =>
      source.addEventListener(type, (event) => {
        let data = {};
        try {
          data = JSON.parse(event.data || "{}");
        } catch {
          return;
        }
        handler(data);
      });
    on("started", (d) => this.started(d));
    on("step", (d) => this.step(d));
    on("eval", (d) => this.evaluated(d));
    on("probe", (d) => this.probed(d));
    on("end", (d) => this.ended(d));
    // a server that sends unnamed events with the type inside the data
    source.onmessage = (event) => {
      let data = {};
      try {
        data = JSON.parse(event.data || "{}");
      } catch {
        return;
      }
      const type = data.type || data.event || data.kind;
      const payload = data.data || data;
      if (type === "started") this.started(payload);
      else if (type === "step") this.step(payload);
      else if (type === "eval") this.evaluated(payload);
      else if (type === "probe") this.probed(payload);
      else if (type === "end") this.ended(payload);
    };
    setStatus("running");
  }

  started(d) {
    setStatus("running");
    if (d.total_steps) $("#stat-step").textContent = `${d.step ?? 0} / ${d.total_steps}`;
  }

  step(d) {
    this.push([d.step], [d.loss], [], []);
    this.schedule();
    $("#stat-step").textContent = d.total_steps ? `${d.step} / ${d.total_steps}` : String(d.step);
    $("#stat-epoch").textContent = d.epoch === null || d.epoch === undefined ? "—" : String(d.epoch + 1); // 0-based in events
    $("#stat-loss").textContent = fmt(d.loss);
    $("#stat-grad").textContent = `${fmt(d.grad_norm, 3)}${d.clipped ? " (clipped)" : ""}`;
    $("#stat-rate").textContent = d.tokens_per_s ? Math.round(d.tokens_per_s).toLocaleString("en") : "—";
    $("#stat-eta").textContent = `${fmtSeconds(d.elapsed_s)} / ${fmtSeconds(d.eta_s)}`;
    $("#stat-lr").textContent = fmt(d.lr, 3);
    setStatus("running");
  }

  evaluated(d) {
    const metrics = d.metrics || {};
    const loss = metrics.val_loss ?? metrics.loss;
    if (loss !== undefined) {
      this.push([], [], [d.step], [loss]);
      this.schedule();
    }
    if (this.evals.some((e) => e.step === d.step)) return; // a replayed event
    this.evals.push({ step: d.step, best: d.best, ...metrics });
    this.drawEvals();
  }

  probed(d) {
    $("#run-message").textContent = `probe (${d.kind}) recorded at step ${d.step}`;
  }

  ended(d) {
    this.close();
    this.flush();
    setStatus(d.status || "ended");
    $("#run-message").textContent = d.message || "";
    this.onEnd?.(d.status, d.message);
  }

  drawEvals() {
    const names = [...new Set(this.evals.flatMap((e) => Object.keys(e)))].filter((k) => !["step", "best"].includes(k));
    const head = el("tr", {}, el("th", { scope: "col", text: "step" }), names.map((n) => el("th", { scope: "col", class: "num", text: n })), el("th", { scope: "col", text: "best" }));
    const rows = this.evals.slice(-8).map((e) =>
      el("tr", {}, el("td", { text: e.step }), names.map((n) => el("td", { class: "num", text: fmt(e[n]) })), el("td", { text: e.best ? "✓" : "" })),
    );
    $("#eval-table").replaceChildren(el("h3", { text: "Evaluations" }), el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, rows)));
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
  }
}

export function setStatus(status) {
  const node = $("#run-status");
  node.textContent = status;
  node.className = `v status ${status}`;
  node.dataset.status = status;
}
