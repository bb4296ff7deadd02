"""Punctuation restoration baselines on guwenguanzhi.txt (classical Chinese), per mark.

Run from the project root (a few seconds, no training):

    .venv/bin/python bench/punctuation.py                 # 10 % of the essays for validation
    .venv/bin/python bench/punctuation.py --seeds 0,1,2,3,4 --val-fraction 0.2
    .venv/bin/python bench/punctuation.py --data DIR      # another copy of the shared data

The text is read as ``rnnlab.data.punctuation`` does (paragraphs only; quotes, title
brackets and notes dropped; variants mapped to the seven marks ，。：；？！、) and split by
essay with ``split_sentences`` (whole essays on one side). Three baselines are counted on
the training essays and scored on the validation essays: majority (never a mark), unigram
(the most frequent tag of the character) and bigram (of the character and the next one,
backing off to the unigram, then the majority). The table is for the first seed; micro F1
over the marks is given for every seed. Without ../shared/data the script says so and
exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import DATA, table
from rnnlab.data.punctuation import MARKS, punctuation_tags, read_punctuated
from rnnlab.data.tag_data import split_sentences
from rnnlab.train.tag_baselines import BASELINES, baseline_reports, split_by


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated split seeds")
    return parser.parse_args()


def mark_table(reports: dict[str, dict[str, Any]]) -> str:
    """Rows: each mark, then micro and macro over the marks, then token accuracy."""
    bigram = reports["bigram"]
    header = ["mark", "val count", *(f"{kind} F1" for kind in BASELINES), "bigram P", "bigram R"]
    rows: list[list[Any]] = []
    for mark in MARKS:
        scores = [reports[kind]["per_tag"][mark] for kind in BASELINES]
        big = bigram["per_tag"][mark]
        rows.append([mark, scores[0].support, *(s.f1 for s in scores), big.precision, big.recall])
    for average in ("micro", "macro"):
        scores = [reports[kind][average] for kind in BASELINES]
        big = bigram[average]
        label = f"{average} (marks)"
        rows.append([label, scores[0].support, *(s.f1 for s in scores), big.precision, big.recall])
    accuracy = [reports[kind]["accuracy"] for kind in BASELINES]
    rows.append(["token accuracy", "", *accuracy, "", ""])
    return table(header, [[f"{v:.3f}" if isinstance(v, float) else v for v in r] for r in rows])


def main() -> int:
    args = parse_args()
    path = args.data / "guwenguanzhi.txt"
    if not path.is_file():
        print(f"{path} is absent: nothing to measure (the shared data folder is not here)")
        return 0
    start = time.perf_counter()
    sentences, groups = read_punctuated(path)
    tags = punctuation_tags()
    seeds = [int(s) for s in args.seeds.split(",")]
    micro: dict[str, list[float]] = {kind: [] for kind in BASELINES}
    first: dict[str, dict[str, Any]] = {}
    for seed in seeds:
        train_idx, val_idx = split_sentences(len(sentences), args.val_fraction, seed, groups)
        train, val = split_by(sentences, train_idx, val_idx)
        reports = baseline_reports(train, val, tags)
        for kind in BASELINES:
            micro[kind].append(reports[kind]["micro"].f1)
        if not first:
            first = reports
            essays = len({groups[i] for i in val_idx})
            chars = (sum(len(s.tokens) for s in train), sum(len(s.tokens) for s in val))
            print(
                f"guwenguanzhi.txt: {len(set(groups))} essays, {len(sentences)} paragraphs; "
                f"seed {seed}: validation {essays} essays, {len(val)} paragraphs, "
                f"{chars[1]:,} characters; training {chars[0]:,} characters\n"
            )
    print(mark_table(first))
    print(f"\nmicro F1 over the marks, seeds {args.seeds} (val fraction {args.val_fraction}):")
    for kind in BASELINES:
        values = micro[kind]
        spread = f" (sd {statistics.stdev(values):.3f})" if len(values) > 1 else ""
        shown = ", ".join(f"{v:.3f}" for v in values)
        print(f"- {kind}: {shown}; mean {statistics.mean(values):.3f}{spread}")
    print(f"\n{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
