"""Does the embedding recipe matter? UCI sentiment accuracy with random, PPMI-SVD, word2vec.

The three UCI "Sentiment Labelled Sentences" files (../shared/data/sentiment/uci_amazon,
uci_imdb, uci_yelp .tsv; 1000 sentences each, read by rnnlab with csv.QUOTE_NONE), each on
its own; skipped with a printed reason when the folder is absent. One model and budget for
every recipe: word level, lowercase; embedding dim 64 with `embedding.init` random,
ppmi-svd or word2vec (both learnt from the training split only, window 5) and trainable;
bidirectional LSTM 64, dropout 0.3; Adam 3e-3, batch 32, at most 30 epochs (3 with
--quick), evaluation every epoch, early stopping patience 5; stratified 20 % validation
split fixed by data.seed 0; probes off. Seeds 0, 1, 2 (train.seed: weights, batch order and
the embedding recipe; 0, 1 with --quick). Each run is `rnnlab.service.train` in a
temporary RNNLAB home. The table gives the validation accuracy of each run's best
checkpoint (highest validation accuracy: train.select_by), mean +- sample standard
deviation over the seeds, the epochs trained and the wall time. Torch threads: 1 by
default (--threads; the models are small, and accuracy, not speed, is measured here).

    .venv/bin/python bench/embeddings_sentiment.py            # 3 files x 3 recipes x 3 seeds
    .venv/bin/python bench/embeddings_sentiment.py --quick    # amazon, 2 seeds, 3 epochs
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from _common import DATA, machine, set_threads, table, temp_home
from rnnlab import service
from rnnlab.events import Evaluated

SETS = ["amazon", "imdb", "yelp"]
INITS = ["random", "ppmi-svd", "word2vec"]


def config(path: str, init: str, seed: int, epochs: int) -> dict[str, Any]:
    return {
        "task": "classify",
        "data": {
            "path": path,
            "format": "tsv",
            "tokenizer": "word",
            "lowercase": True,
            "val_fraction": 0.2,
            "seed": 0,
        },
        "embedding": {"dim": 64, "init": init, "window": 5},
        "model": {"cell": "lstm", "hidden_size": 64, "bidirectional": True, "dropout": 0.3},
        "train": {
            "lr": 3e-3,
            "batch_size": 32,
            "epochs": epochs,
            "early_stopping_patience": 5,
            "probe_every": None,
            "seed": seed,
        },
    }


def mean_std(values: list[float]) -> str:
    if not values:
        return "-"
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {std:.3f}"


def main(quick: bool, threads: int = 1) -> str:
    folder = DATA / "sentiment"
    missing = [n for n in SETS if not (folder / f"uci_{n}.tsv").is_file()]
    if missing:
        reason = f"skipped: {folder} lacks uci_{', uci_'.join(missing)}.tsv (shared data absent)"
        print(reason)
        return reason + "\n"
    set_threads(threads)
    sets = SETS[:1] if quick else SETS
    seeds = [0, 1] if quick else [0, 1, 2]
    epochs = 3 if quick else 30
    rows = []
    with temp_home() as home:
        for name in sets:
            path = str(folder / f"uci_{name}.tsv")
            for init in INITS:
                accs, trained, started = [], [], time.perf_counter()
                for seed in seeds:
                    evals: list[object] = []  # one evaluation per epoch

                    def on_event(event: object, box: list[object] = evals) -> None:
                        if isinstance(event, Evaluated):
                            box.append(event)

                    run = service.train(
                        config(path, init, seed, epochs), on_event=on_event, home=home
                    )
                    accs.append(run["best_metrics"].get("val_accuracy", float("nan")))
                    trained.append(len(evals))
                    print(f"  {name} {init} seed {seed}: {accs[-1]:.3f} ({run['status']})")
                seconds = time.perf_counter() - started
                epochs_run = "/".join(str(e) for e in trained)
                values = " ".join(f"{a:.3f}" for a in accs)
                rows.append([name, init, mean_std(accs), values, epochs_run, seconds])
    header = ["data", "embedding.init", "val accuracy (mean ± std)", "per seed"]
    header += ["epochs trained", "wall s (all seeds)"]
    return (
        f"Word-level lowercase BiLSTM 64, embedding 64, dropout 0.3, Adam 3e-3, batch 32, "
        f"<= {epochs} epochs, patience 5, seeds {seeds}, {threads} torch thread(s); accuracy "
        f"of the best checkpoint (highest validation accuracy) on the fixed 20 % validation "
        f"split.\n\n{table(header, rows)}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="amazon only, 2 seeds, 3 epochs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, args.threads))
