// The Predict page's panels for the sequence tasks of issue #15: tag every token of a text
// (POST /api/runs/{id}/tag; a punctuation run also shows the text with its marks put back)
// and map a source to a target with an encoder–decoder (POST /api/runs/{id}/translate),
// with its attention heatmap.

import { api, guarded, seg } from "./api.js";
import { renderFigure, renderMessage } from "./figures.js";
import { $, el } from "./state.js";

const PUNCTUATED = "punctuated"; // a run of this data format reads characters

/** A tag's colour: one hue per tag type (B-PER and I-PER alike), none for the outside tag. */
function tagStyle(tag, tags) {
  const type = tag.replace(/^[BI]-/, "");
  const types = [...new Set(tags.filter((t) => t !== "O").map((t) => t.replace(/^[BI]-/, "")))];
  const k = types.indexOf(type);
  if (tag === "O" || k < 0) return null;
  const hue = Math.round((k * 137.5) % 360);
  return `background:hsl(${hue} 75% 90%);border-color:hsl(${hue} 55% 45%)`;
}

/** One token above its tag, coloured by the tag; its probability in the tooltip. */
function tokenChip(token, tag, probabilities, tags) {
  const p = probabilities?.[tag];
  const title = p === undefined ? tag : `${tag}: p = ${p.toFixed(3)}`;
  return el(
    "span",
    { class: `token${tag === "O" ? " outside" : ""}`, style: tagStyle(tag, tags), title, "data-testid": "tagged-token", "data-tag": tag },
    el("span", { class: "word", text: token }),
    el("span", { class: "tag", text: tag }),
  );
}

function taggedText(result, tags) {
  const chips = result.sentences.flatMap((s) => s.tokens.map((token, i) => tokenChip(token, s.tags[i], s.probabilities[i], tags)));
  const restored = result.punctuated === null || result.punctuated === undefined ? null : el("p", { class: "restored", "data-testid": "restored", text: result.punctuated });
  return el("div", { class: "tagged-text" }, restored, el("div", { class: "tagged" }, chips));
}

/** Tag the textarea's texts (one per line) with `run`; draw tokens, tags and restored text. */
export async function tagTexts(run, errorBox) {
  const texts = $("#tag-text").value.split("\n").map((t) => t.trim()).filter(Boolean);
  $("#tag-button").disabled = true;
  const result = await guarded(errorBox, () => api(`/api/runs/${seg(run.id)}/tag`, { body: { texts } }));
  $("#tag-button").disabled = false;
  if (!result) return;
  const warnings = (result.warnings || []).map((w) => el("p", { class: "warning", "data-testid": "tag-warning", text: `warning: ${w}` }));
  $("#tag-results").replaceChildren(...result.results.map((r) => taggedText(r, result.tags)), ...warnings);
}

/** What the tag box reads for `run`: characters (punctuation) or space-separated tokens. */
export function showTagRun(run) {
  const characters = run?.config?.data?.format === PUNCTUATED;
  $("#tag-reads").textContent = characters ? "characters; marks and notes are dropped before tagging" : "tokens separated by spaces";
  $("#tag-text").placeholder = characters ? "學而時習之不亦說乎" : "Anna flew to Paris";
  $("#tag-results").replaceChildren();
}

// ---- translate (an encoder–decoder) -----------------------------------------------------

/** Decode the source with `run`, greedy or by beam search; show the output and, for a run
 * with attention, its heatmap (rows: output tokens, columns: source tokens). */
export async function translateSource(run, errorBox) {
  const beam = $("#translate-decoding").value === "beam";
  const body = { sources: [$("#translate-source").value], beam_size: beam ? Number($("#translate-beam").value) || 1 : 1 };
  $("#translate-button").disabled = true;
  $("#translate-info").textContent = "decoding ...";
  const answer = await guarded(errorBox, () => api(`/api/runs/${seg(run.id)}/translate`, { body }));
  $("#translate-button").disabled = false;
  $("#translate-info").textContent = "";
  if (!answer) return;
  const [result] = answer;
  $("#translate-output").replaceChildren(el("span", { "data-testid": "translate-text", text: result.output }));
  const how = body.beam_size > 1 ? `beam search, k = ${body.beam_size}` : "greedy";
  const unknown = result.unknown_tokens.length ? ` · read as <unk>: ${result.unknown_tokens.join(" ")}` : "";
  $("#translate-info").textContent = `${result.output_tokens.length} tokens from ${result.source_tokens.length} (${how})${unknown}`;
  const host = $("#translate-attention");
  if (result.figure) renderFigure(host, result.figure);
  else renderMessage(host, result.attention ? "the model wrote nothing (<eos> at once): no attention to show" : "this run was trained without attention (model.attention none): the decoder reads the encoder's final state only");
}

/** The beam size matters only for beam search. */
export function showDecoding() {
  $("#row-beam-size").classList.toggle("hidden", $("#translate-decoding").value !== "beam");
}

/** A new translate run: clear the old output. */
export function showTranslateRun() {
  $("#translate-output").replaceChildren();
  $("#translate-info").textContent = "";
  $("#translate-attention").replaceChildren();
  showDecoding();
}
