"""A tag run's per-tag scores beside the baselines' on the same validation split.

The model's scores come from the tags' ``confusion`` probe of the checkpoint in use (the
last one when that step has none): per tag, precision = TP / predicted, recall = TP /
gold, F1 their harmonic mean. The baselines' come from the run summary
(``service.tagging.tag_baselines``). CLI and web show the same rows.
"""

from __future__ import annotations

from typing import Any

from rnnlab.train.tag_evaluation import per_tag_scores

SHOWN_BASELINES = ("majority", "unigram", "bigram")


def tag_rows(details: dict[str, Any], probes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"tag", "support", "precision", "recall", "f1", "<baseline>_f1" ...}, ...]`` of a
    tag run with its confusion `probes`; [] for other runs or before an evaluation."""
    if details.get("task") != "tag" or not probes:
        return []
    step = (details.get("checkpoint_used") or {}).get("step")
    confusion = ([p for p in probes if p.get("step") == step] or probes)[-1]
    scores = per_tag_scores(confusion["classes"], confusion["counts"])
    baselines = (details.get("summary") or {}).get("baselines") or {}
    rows = []
    for tag, s in scores.items():
        row = {"tag": tag, **s}
        for kind in SHOWN_BASELINES:
            if kind in baselines:
                row[f"{kind}_f1"] = baselines[kind]["per_tag"][tag]["f1"]
        rows.append(row)
    return rows


def tag_comparison_lines(rows: list[dict[str, Any]], summary: dict[str, Any]) -> list[str]:
    """The rows as aligned text under a header, then the baselines' micro/macro F1."""
    if not rows:
        return []
    kinds = [k for k in SHOWN_BASELINES if f"{k}_f1" in rows[0]]
    width = max(8, *(len(r["tag"]) for r in rows))
    head = f"{'tag':<{width}}  {'count':>6}  {'P':>6}  {'R':>6}  {'F1':>6}"
    head += "".join(f"  {k + ' F1':>12}" for k in kinds)
    lines = [head]
    for r in rows:
        line = f"{r['tag']:<{width}}  {r['support']:>6}  {r['precision']:>6.3f}  "
        line += f"{r['recall']:>6.3f}  {r['f1']:>6.3f}"
        line += "".join(f"  {r[f'{k}_f1']:>12.3f}" for k in kinds)
        lines.append(line)
    baselines = summary.get("baselines") or {}
    for kind in kinds:
        report = baselines[kind]
        lines.append(
            f"baseline {kind}: micro F1 {report['micro']['f1']:.3f}, macro F1 "
            f"{report['macro']['f1']:.3f}, token accuracy {report['accuracy']:.3f}"
        )
    return lines
