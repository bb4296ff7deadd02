// The Data page's embedding panel: build (POST /api/embeddings/build) or upload one,
// look at it (nearest neighbours, 2-D map) and choose it for the run
// (embedding.init = "embedding:<id>").

import { api, guarded, seg, showError } from "./api.js";
import { renderFigure, renderMessage } from "./figures.js";
import { $, el } from "./state.js";
import { taskInfo } from "./tasks.js";

const EMBEDDING_PREFIX = "embedding:";

export function initEmbeddings(state, save) {
  let list = [];
  // a build starts from the run's own d and window (RunConfig's defaults unless changed)
  $("#embed-dim").value = String(state["embedding.dim"]);
  $("#embed-window").value = String(state["embedding.window"]);

  function showCurrent() {
    const init = String(state["embedding.init"]);
    const entry = init.startsWith(EMBEDDING_PREFIX) ? list.find((e) => e.id === init.slice(EMBEDDING_PREFIX.length)) : null;
    $("#embedding-current").textContent = entry ? `${init} (${entry.label}, ${entry.V} × ${entry.d})` : init;
  }

  function selected() {
    return $("#embed-select").value || null;
  }

  function drawList(chosen) {
    const options = list.map((e) => el("option", { value: e.id, text: `${e.label} — ${e.method}, ${e.V} words × d ${e.d}` }));
    if (!options.length) options.push(el("option", { value: "", text: "none yet: build or upload one" }));
    $("#embed-select").replaceChildren(...options);
    if (chosen) $("#embed-select").value = chosen;
    const none = !list.length;
    for (const id of ["#embed-use", "#neighbours-form button", "#neighbour-word"]) $(id).disabled = none;
    showCurrent();
  }

  async function refresh(chosen = null) {
    await guarded($("#embed-error"), async () => {
      list = await api("/api/embeddings");
      const init = String(state["embedding.init"]);
      const current = init.startsWith(EMBEDDING_PREFIX) ? init.slice(EMBEDDING_PREFIX.length) : null;
      drawList(chosen || current || list[0]?.id);
    });
  }

  async function drawMap() {
    const id = selected();
    const host = $("#embed-map");
    if (!id) {
      host.replaceChildren();
      return;
    }
    renderMessage(host, "drawing the map ...");
    try {
      const figure = await api(`/api/embeddings/${seg(id)}/map?method=pca&max_words=150`);
      renderFigure(host, figure);
    } catch (err) {
      renderMessage(host, "");
      showError($("#embed-error"), err);
    }
  }

  async function build(event) {
    event.preventDefault();
    if (!state["data.path"]) {
      showError($("#embed-error"), new Error("choose a dataset first: the embedding learns from its text"));
      return;
    }
    const body = {
      method: $("#embed-method").value,
      dataset: state["data.path"],
      dim: Number($("#embed-dim").value),
      window: Number($("#embed-window").value),
      min_count: Number($("#embed-min_count").value),
      seed: Number(state["data.seed"]) || 0,
      tokenizer: state["data.tokenizer"],
      lowercase: Boolean(state["data.lowercase"]),
    };
    $("#embed-status").textContent = `building a ${body.method} embedding (d = ${body.dim}) ...`;
    const made = await guarded($("#embed-error"), () => api("/api/embeddings/build", { body }));
    $("#embed-status").textContent = made ? `built ${made.id}` : "";
    if (made) {
      await refresh(made.id);
      drawMap();
    }
  }

  async function upload() {
    const file = $("#embed-file").files[0];
    if (!file) {
      showError($("#embed-error"), new Error("choose an embedding file first"));
      return;
    }
    const body = new FormData();
    body.append("file", file);
    $("#embed-status").textContent = `uploading ${file.name} ...`;
    const made = await guarded($("#embed-error"), () => api("/api/embeddings", { form: body }));
    $("#embed-status").textContent = made ? `uploaded ${file.name}` : "";
    if (made) {
      await refresh(made.id);
      drawMap();
    }
  }

  async function neighbours(event) {
    event.preventDefault();
    const id = selected();
    const word = $("#neighbour-word").value.trim();
    if (!id || !word) return;
    const found = await guarded($("#embed-error"), () => api(`/api/embeddings/${seg(id)}/neighbours?word=${encodeURIComponent(word)}&k=10`));
    const rows = (found || []).map((n) => el("tr", {}, el("td", { class: "mono", text: n.word }), el("td", { class: "num", text: Number(n.cosine).toFixed(3) })));
    $("#neighbours tbody").replaceChildren(...rows);
  }

  function use() {
    const id = selected();
    if (!id) return;
    state["embedding.init"] = `${EMBEDDING_PREFIX}${id}`;
    save();
    showCurrent();
    $("#embed-status").textContent = `the run will start from embedding ${id}`;
  }

  function clear() {
    state["embedding.init"] = "random";
    save();
    showCurrent();
    $("#embed-status").textContent = "the run will start from a random embedding";
  }

  $("#embed-build-form").addEventListener("submit", build);
  $("#embed-upload").addEventListener("click", upload);
  $("#neighbours-form").addEventListener("submit", neighbours);
  $("#embed-use").addEventListener("click", use);
  $("#embed-clear").addEventListener("click", clear);
  $("#embed-select").addEventListener("change", () => {
    $("#neighbours tbody").replaceChildren();
    drawMap();
  });
  showCurrent();
  if (taskInfo(state.task)?.tokens ?? true) refresh().then(() => list.length && drawMap());
  return { refresh: () => refresh(selected()) };
}
