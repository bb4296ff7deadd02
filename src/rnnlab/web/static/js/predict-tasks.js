// The Predict page's panels for the sequence tasks of issue #15: tag every token of a text
// (POST /api/runs/{id}/tag; a punctuation run also shows the text with its marks put back).

import { api, guarded, seg } from "./api.js";
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
