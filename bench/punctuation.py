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

``--model-seconds N`` also trains, for N seconds of wall time on one thread, a bare
PyTorch BiLSTM tagger (outside rnnlab's trainer: the first number, from before ``task:
tag`` was wired) on the
``build_punctuation_data`` batches of the first seed's split (paragraphs cut at 100
characters): embedding 32, 1 layer x 64 per direction, Adam 1e-2, batch 32, the loss
``cross_entropy`` over the (T, B) tags whose padding is IGNORE_INDEX. Its column is added
to the table: a first number for the wired task to match.

``--rnnlab-seconds N`` trains with rnnlab's own trainer (``task: tag``, torch engine, CPU,
``train.max_seconds`` N, one thread) on the same split: data.format punctuated, split by
essay with the first seed, paragraphs cut at 100 characters, embedding 32, a
bidirectional GRU of 64 per direction (``--cell``, ``--dropout``), Adam 1e-2, batch 32, the
checkpoint chosen by macro F1 over the marks. Its column comes from the tags' confusion
counts of the checkpoint that predict uses (the cut paragraphs hold the same characters
and tags, so the validation counts equal the baselines').
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from _common import DATA, table
from rnnlab import service
from rnnlab.data.batches import Batch
from rnnlab.data.punctuation import (
    MARKS,
    build_punctuation_data,
    punctuation_tags,
    read_punctuated,
)
from rnnlab.data.tag_data import split_sentences
from rnnlab.data.vocab import PAD_ID
from rnnlab.train.tag_baselines import BASELINES, baseline_reports, split_by
from rnnlab.train.tag_metrics import Score, score, tag_report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated split seeds")
    parser.add_argument("--model-seconds", type=float, default=0.0, help="0: no model")
    parser.add_argument(
        "--rnnlab-seconds", type=float, default=0.0, help="0: no rnnlab run (task: tag)"
    )
    parser.add_argument("--cell", default="gru", help="the rnnlab run's model.cell")
    parser.add_argument("--dropout", type=float, default=0.0, help="the rnnlab run's dropout")
    return parser.parse_args()


def mark_table(reports: dict[str, dict[str, Any]]) -> str:
    """Rows: each mark, then micro and macro over the marks, then token accuracy; columns:
    F1 of each report, then precision and recall of the last one."""
    kinds, last = list(reports), reports[list(reports)[-1]]
    header = ["mark", "val count", *(f"{kind} F1" for kind in kinds)]
    header += [f"{kinds[-1]} P", f"{kinds[-1]} R"]
    rows: list[list[Any]] = []
    for mark in MARKS:
        scores = [reports[kind]["per_tag"][mark] for kind in kinds]
        end = last["per_tag"][mark]
        rows.append([mark, scores[0].support, *(s.f1 for s in scores), end.precision, end.recall])
    for average in ("micro", "macro"):
        scores = [reports[kind][average] for kind in kinds]
        end = last[average]
        label = f"{average} (marks)"
        rows.append([label, scores[0].support, *(s.f1 for s in scores), end.precision, end.recall])
    accuracy = [reports[kind]["accuracy"] for kind in kinds]
    rows.append(["token accuracy", "", *accuracy, "", ""])
    return table(header, [[f"{v:.3f}" if isinstance(v, float) else v for v in r] for r in rows])


def train_bilstm(path: Path, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """tag_report on the validation split of a BiLSTM trained for args.model_seconds."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    data = build_punctuation_data(path, val_fraction=args.val_fraction, seed=seed, max_length=100)
    model = BiLSTMTagger(len(data.vocab), len(data.tags))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    start, steps, epoch = time.perf_counter(), 0, 0
    while time.perf_counter() - start < args.model_seconds:
        for batch in data.batches("train", 32, seed=seed, epoch=epoch):
            logits = model(batch)  # (T, B, K)
            loss = F.cross_entropy(logits.flatten(0, 1), torch.from_numpy(batch.y).flatten())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
            if time.perf_counter() - start >= args.model_seconds:
                break
        epoch += 1
    seconds = time.perf_counter() - start
    tokens = data.summary()["train_tokens"]
    epochs = steps * 32 / data.size("train")
    print(
        f"BiLSTM: {steps} steps ({epochs:.1f} epochs of {tokens:,} characters) in "
        f"{seconds:.0f} s, last loss {loss.item():.3f}\n"
    )
    model.eval()
    predicted, target = [], []
    with torch.no_grad():
        for batch in data.batches("val", 64):
            predicted.append(model(batch).argmax(-1).numpy().ravel())
            target.append(batch.y.ravel())
    return tag_report(np.concatenate(predicted), np.concatenate(target), data.tags.tags)


class BiLSTMTagger(torch.nn.Module):
    """Embedding -> BiLSTM over the packed batch -> a linear layer at every step."""

    def __init__(self, vocab_size: int, n_tags: int, dim: int = 32, hidden: int = 64) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(vocab_size, dim, padding_idx=PAD_ID)
        self.lstm = torch.nn.LSTM(dim, hidden, bidirectional=True)
        self.head = torch.nn.Linear(2 * hidden, n_tags)

    def forward(self, batch: Batch) -> torch.Tensor:
        x = self.embed(torch.from_numpy(batch.x))  # (T, B, D)
        lengths = torch.from_numpy(batch.lengths)
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, _ = self.lstm(packed)
        hs, _ = pad_packed_sequence(out, total_length=x.shape[0])  # (T, B, 2H)
        return self.head(hs)  # (T, B, K)


def train_rnnlab(path: Path, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """tag_report (from its confusion counts) of an rnnlab tag run on the same split."""
    config = {
        "task": "tag",
        "name": "punctuation-bench",
        "data": {
            "path": str(path),
            "format": "punctuated",
            "max_length": 100,
            "val_fraction": args.val_fraction,
            "seed": seed,
        },
        "embedding": {"dim": 32},
        "model": {"cell": args.cell, "hidden_size": 64, "dropout": args.dropout},
        "train": {
            "lr": 1e-2,
            "batch_size": 32,
            "epochs": 1000,
            "max_seconds": args.rnnlab_seconds,
            "device": "cpu",
            "threads": 1,
            "probe_every": None,
            "seed": seed,
        },
    }
    with tempfile.TemporaryDirectory() as home:
        run = service.train(config, home=home)
        probes = service.run_probes(run["id"], "confusion", home=home)
    used = run["checkpoint_used"]
    confusion = ([p for p in probes if p["step"] == used["step"]] or probes)[-1]
    print(
        f"rnnlab ({args.cell}, bidirectional): {run['steps']} steps in "
        f"{args.rnnlab_seconds:.0f} s; checkpoint used: {used['label']}; "
        f"val_f1 (macro) {used['metrics'].get('val_f1', float('nan')):.3f}\n"
    )
    return report_from_counts(confusion["classes"], confusion["counts"])


def report_from_counts(classes: list[str], counts: list[list[int]]) -> dict[str, Any]:
    """tag_report's per_tag, micro and macro Scores (over the marks) and accuracy of a
    confusion matrix counts[gold][predicted]."""
    matrix = np.asarray(counts, dtype=np.int64)
    k = {tag: i for i, tag in enumerate(classes)}
    per_tag = {
        tag: score(int(matrix[i, i]), int(matrix[:, i].sum()), int(matrix[i].sum()))
        for tag, i in k.items()
    }
    marks = [k[m] for m in MARKS]
    micro = score(
        int(sum(matrix[i, i] for i in marks)),
        int(sum(matrix[:, i].sum() for i in marks)),
        int(sum(matrix[i].sum() for i in marks)),
    )
    present = [per_tag[m] for m in MARKS if matrix[k[m]].sum() or matrix[:, k[m]].sum()]
    means = [
        statistics.mean(getattr(s, f) for s in present) if present else 0.0
        for f in ("precision", "recall", "f1")
    ]
    accuracy = float(np.trace(matrix) / matrix.sum()) if matrix.sum() else 0.0
    return {
        "per_tag": per_tag,
        "micro": micro,
        "macro": Score(*means, micro.support),
        "accuracy": accuracy,
    }


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
    if args.model_seconds > 0:
        first["BiLSTM"] = train_bilstm(path, args, seeds[0])
    if args.rnnlab_seconds > 0:
        dropout = f" p={args.dropout:g}" if args.dropout else ""
        first[f"rnnlab {args.cell}{dropout}"] = train_rnnlab(path, args, seeds[0])
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
