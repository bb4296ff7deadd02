"""rnnlab on real data: Tiny Shakespeare, UCI sentiment sentences, five real time series.

Run from the project root (2 CPU cores: about 10 minutes for the language model plus a few
minutes for the rest):

    .venv/bin/python bench/real_data.py               # language model trained for 10 minutes
    .venv/bin/python bench/real_data.py --minutes 3   # a shorter language-model budget
    .venv/bin/python bench/real_data.py --quick       # a ~1-minute smoke run of all parts
    .venv/bin/python bench/real_data.py --data DIR    # another copy of the shared data folder
    .venv/bin/python bench/real_data.py --keep        # keep the runs (RNNLAB_HOME is printed)
    .venv/bin/python bench/real_data.py --part forecast   # one part: lm | sentiment | forecast

The data is read from ../shared/data (next to the project); without it the script says so
and exits 0. Every run goes to a temporary RNNLAB home (removed at the end unless --keep),
never the user's store. Other work on the machine slows the language model down (fewer steps
in the budget): each part's wall time is printed with the load average before and after.

1. Char-level LSTM language model on tinyshakespeare.txt (last 10 % validation), trained
   for a wall-clock budget: the run stops at the deadline, and the cosine learning rate is
   re-planned as it goes so that it reaches zero there. Reports steps, tokens/s, final and
   best validation loss (nats per character) and bits per character, and 300 characters
   generated after "ROMEO:" from the best checkpoint.
2. The sentiment classifier a new user gets (examples/configs/sentiment.yaml, data.path
   set to the file) on each UCI "Sentiment Labelled Sentences" file (Amazon, IMDb, Yelp;
   stratified 20 % validation), seeds 0, 1, 2: validation accuracy of the checkpoint in use
   (highest validation accuracy, train.select_by) and of the last evaluation, beside TF-IDF
   + logistic regression (scikit-learn) on exactly the same split, taken from rnnlab's own
   reading and stratified split and checked against its prepared data.
   `--part sentiment --set KEY=VALUE ...` measures a variant of the example config.
3. A GRU forecaster of every series in timeseries/ (one step ahead, on the differenced
   series: the defaults; per-series settings in SERIES_SETTINGS), 3 seeds each: validation
   RMSE and MAE (original units) of the checkpoint in use and of the last evaluation, beside
   the naive and seasonal-naive baselines of the run's summary.
   `--part forecast` runs this part alone (a few minutes).

Base configs: bench/configs/real_data_*.yaml (sentiment: the example config); the
variants are --set style overrides, printed with each result.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from rnnlab import service
from rnnlab.data import sort_classes, stratified_split
from rnnlab.data.prepare import prepare
from rnnlab.data.readers import column, read_table_lines
from rnnlab.events import Evaluated, StepDone
from rnnlab.spec.run import RunConfig

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SENTIMENT_SETS = ["amazon", "imdb", "yelp"]
SENTIMENT_EXAMPLE = HERE.parent / "examples" / "configs" / "sentiment.yaml"
SENTIMENT_SEEDS = (0, 1, 2)
TFIDF_C = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]  # the baseline's grid of LR C
SERIES_SETTINGS = {  # --set overrides of bench/configs/real_data_series.yaml per series file
    "airline_passengers": ["data.season=12"],
    "co2_weekly": [
        "data.missing=interpolate",
        "data.season=52",
        "data.seq_len=60",
        "data.val_fraction=0.1",
        "train.epochs=15",
        "train.batch_size=32",
    ],
    "nile": ["data.seq_len=10", "model.hidden_size=8", "train.epochs=20"],
    "sunspots_monthly": [
        "data.season=132",
        "data.val_fraction=0.1",
        "train.epochs=5",
        "train.batch_size=32",
    ],
    "sunspots_yearly": ["data.season=11", "data.seq_len=22"],
}
FORECAST_SEEDS = (0, 1, 2)


def load(name: str, data: Path, overrides: list[str]) -> RunConfig:
    """bench/configs/real_data_NAME.yaml with overrides, data.path made absolute."""
    config = service.load_config(HERE / "configs" / f"real_data_{name}.yaml", overrides)
    config.data.path = str(data / config.data.path)  # an absolute override stays as it is
    return config


class Watch:
    """Collects a run's step and evaluation events; with `seconds`, also a wall-clock budget.

    The budget: a timer stops the trainer at the deadline (plus a small grace), and every
    10 steps ``trainer.total_steps`` is re-planned from the wall time per step so far, so
    the run ends by itself at the deadline, with a final evaluation, and a cosine schedule
    anneals to zero there.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds, self.trainer, self.timer = seconds, None, None
        self.steps = self.tokens = 0
        self.step_seconds = 0.0
        self.evals: list[dict[str, float]] = []
        self.start = time.perf_counter()

    def hook(self, trainer: Any) -> None:
        self.trainer, self.start = trainer, time.perf_counter()
        if self.seconds is not None:
            self.timer = threading.Timer(self.seconds * 1.02 + 5, trainer.request_stop)
            self.timer.daemon = True
            self.timer.start()

    def __call__(self, event: object) -> None:
        if isinstance(event, StepDone):
            self.steps, self.tokens = event.step, self.tokens + event.tokens
            self.step_seconds += event.seconds
            if self.seconds is not None and event.step % 10 == 0:
                elapsed = time.perf_counter() - self.start
                left = max(self.seconds - elapsed, 0.0)
                self.trainer.total_steps = event.step + max(1, int(left * event.step / elapsed))
        elif isinstance(event, Evaluated):
            self.evals.append(event.metrics)

    def done(self) -> float:
        if self.timer is not None:
            self.timer.cancel()
        return time.perf_counter() - self.start


def train(config: RunConfig, home: str, watch: Watch) -> dict[str, Any]:
    details = service.train(config, on_event=watch, home=home, trainer_hook=watch.hook)
    details["wall"] = watch.done()
    return details


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows])


# ---------------------------------------------------------------------------- the parts
def language_model(data: Path, home: str, quick: bool, minutes: float) -> str:
    config = load("char_lm", data, ["train.eval_every=50"] if quick else [])
    print(f"## 1. language model ({minutes:g} min budget)\n```yaml\n{config.to_yaml()}```")
    watch = Watch(minutes * 60)
    run = train(config, home, watch)
    final, best = run["final_metrics"], run["best_metrics"]
    sample = service.generate(
        run["id"], prompt="ROMEO:", length=300, temperature=0.8, seed=0, home=home
    )
    m = config.model
    row = [
        f"LSTM {m.num_layers}x{m.hidden_size}, emb {config.embedding.dim}",
        run["status"],
        watch.steps,
        f"{watch.tokens / 1e6:.1f} M",
        round(watch.tokens / max(watch.step_seconds, 1e-9)),
        round(watch.tokens / run["wall"]),
        final.get("val_loss"),
        final.get("val_bpc"),
        best.get("val_loss"),
        best.get("val_bpc"),
        round(run["wall"]),
    ]
    header = ["model", "status", "steps", "tokens", "tok/s (steps)", "tok/s (wall)"]
    header += ["final val loss", "final bpc", "best val loss", "best bpc", "wall s"]
    generated = "Generated from the best checkpoint (temperature 0.8, seed 0):"
    return f"{table(header, [row])}\n\n{generated}\n\n```\n{sample['full_text']}\n```"


def sentiment_config(path: Path, overrides: list[str]) -> RunConfig:
    """The example a new user gets (examples/configs/sentiment.yaml) on `path`, one thread."""
    return service.load_config(
        SENTIMENT_EXAMPLE, [f"data.path={path}", "train.threads=1", *overrides]
    )


def split_texts(config: RunConfig) -> tuple[list[str], list[int], list[str], list[int]]:
    """(train texts, train classes, val texts, val classes) of rnnlab's own split.

    The file is read and split by rnnlab's functions (read_table_lines, sort_classes,
    stratified_split with data.val_fraction and data.seed, as build_classify does); the
    result is checked against rnnlab's prepared data (same sizes, same val token ids).
    """
    spec = config.data
    path = Path(spec.path)
    header, rows, _ = read_table_lines(path, spec.format or "tsv")
    texts = column(header, rows, spec.text_column, path)
    labels = [label.strip() for label in column(header, rows, spec.label_column, path)]
    index = {name: i for i, name in enumerate(sort_classes(labels))}
    y = [index[label] for label in labels]
    train_idx, val_idx = stratified_split(y, spec.val_fraction, spec.seed)
    prepared = prepare(config).data
    tokenizer, vocab = prepared.tokenizer, prepared.vocab
    val_examples = prepared.examples("val")
    same = len(val_examples) == len(val_idx) and prepared.size("train") == len(train_idx)
    same = same and all(
        list(ids) == list(vocab.encode(tokenizer.tokenize(texts[i]))) and label == y[i]
        for (ids, label), i in zip(val_examples, val_idx, strict=True)
    )
    if not same:
        raise RuntimeError(f"{path}: the baseline's split differs from rnnlab's")
    return (
        [texts[i] for i in train_idx],
        [y[i] for i in train_idx],
        [texts[i] for i in val_idx],
        [y[i] for i in val_idx],
    )


def tfidf_baseline(config: RunConfig) -> tuple[float, float, float]:
    """TF-IDF (word 1-2 grams) + logistic regression on rnnlab's split of the file:
    (validation accuracy with C chosen by 5-fold cross-validation on the training split,
    that C, the best validation accuracy of any C of the grid and unigrams or 1-2 grams).

    The last figure picks the recipe on the validation split, as the model's checkpoint
    is picked: the strictest bar.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline

    train_x, train_y, val_x, val_y = split_texts(config)

    def pipeline(ngrams: tuple[int, int], c: float = 1.0) -> Any:
        return make_pipeline(
            TfidfVectorizer(ngram_range=ngrams), LogisticRegression(C=c, max_iter=1000)
        )

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(pipeline((1, 2)), {"logisticregression__C": TFIDF_C}, cv=folds)
    search.fit(train_x, train_y)
    on_val = [
        pipeline(ngrams, c).fit(train_x, train_y).score(val_x, val_y)
        for ngrams in ((1, 1), (1, 2))
        for c in TFIDF_C
    ]
    chosen = float(search.best_params_["logisticregression__C"])
    return float(search.score(val_x, val_y)), chosen, float(max(on_val))


def mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def sentiment_row(path: Path, home: str, overrides: list[str], seeds: tuple[int, ...]) -> list[Any]:
    """One file: the example config for each seed, and the baseline on the same split."""
    used, final, epochs, wall = [], [], [], 0.0
    for seed in seeds:
        watch = Watch()
        run = train(sentiment_config(path, [*overrides, f"train.seed={seed}"]), home, watch)
        used.append(run["checkpoint_used"]["metrics"]["val_accuracy"])
        final.append(run["final_metrics"]["val_accuracy"])
        epochs.append(len(watch.evals))
        wall += run["wall"]
        print(f"  {path.stem} seed {seed}: {used[-1]:.3f} (final {final[-1]:.3f})", flush=True)
    baseline, c, best_on_val = tfidf_baseline(sentiment_config(path, overrides))
    summary = run["summary"]
    return [
        path.stem,
        f"{summary['train_examples']}/{summary['val_examples']}",
        mean_sd(used),
        " / ".join(f"{v:.3f}" for v in used),
        mean_sd(final),
        f"{baseline:.3f} (C {c:g})",
        best_on_val,
        "yes" if statistics.mean(used) >= baseline else "no",
        "yes" if statistics.mean(final) >= baseline else "no",
        "yes" if statistics.mean(used) >= best_on_val else "no",
        "/".join(map(str, epochs)),
        round(wall),
    ]


def sentiment(data: Path, home: str, quick: bool, overrides: list[str] | None = None) -> str:
    """The example config on each UCI file, 3 seeds, beside TF-IDF + LR on the same split."""
    if importlib.util.find_spec("sklearn") is None:
        return (
            "skipped: the baseline needs scikit-learn (in the dev extra: pip install -e '.[dev]')"
        )
    overrides = [*(overrides or []), *(["train.epochs=2"] if quick else [])]
    seeds = SENTIMENT_SEEDS[:1] if quick else SENTIMENT_SEEDS
    shown = " ".join(overrides) or "(as the file)"
    print(f"## 2. sentiment: {SENTIMENT_EXAMPLE.relative_to(HERE.parent)} with {shown}")
    names = SENTIMENT_SETS[:1] if quick else SENTIMENT_SETS
    rows = [
        sentiment_row(data / "sentiment" / f"uci_{n}.tsv", home, overrides, seeds) for n in names
    ]
    header = ["file", "train/val", "model val acc", "per seed", "final val acc", "TF-IDF+LR"]
    header += ["TF-IDF+LR best on val", "met", "met (final)", "met (vs best on val)"]
    header += ["epochs", "wall s"]
    return table(header, rows) + (
        f"\n\nexamples/configs/sentiment.yaml with data.path set to the file, train.threads 1, "
        f"train.seed {', '.join(map(str, seeds))} (mean ± sample sd); overrides: {shown}. "
        "model val acc: the checkpoint predict uses (highest validation accuracy, "
        "train.select_by auto), chosen on the same validation split it is scored on, so "
        "optimistic; final val acc: the last evaluation. TF-IDF+LR: scikit-learn "
        "TfidfVectorizer (word 1-2 grams) + LogisticRegression, C chosen by 5-fold "
        "cross-validation on the training split (rnnlab's stratified split, data.seed 0), "
        "scored on the same validation split; best on val: the best of unigrams or 1-2 grams "
        f"and C in {TFIDF_C} on the validation split (chosen there, like the checkpoint). "
        "met: model mean >= TF-IDF+LR; met (final): the final mean."
    )


def series_run(data: Path, home: str, path: Path, overrides: list[str]) -> dict[str, Any]:
    """One forecaster: the errors of the checkpoint forecasts use, the last evaluation's,
    and the baselines of the run's summary (all on the validation windows, original units)."""
    config = load("series", data, [*overrides, f"data.path={path}"])
    run = train(config, home, Watch())
    used, final = run["checkpoint_used"]["metrics"], run["final_metrics"]
    base = run["summary"]["baselines"]
    return {
        "used": (used.get("val_rmse"), used.get("val_mae")),
        "final": (final.get("val_rmse"), final.get("val_mae")),
        "naive": (base["naive"]["rmse"], base["naive"]["mae"]),
        "snaive": (
            base.get("seasonal_naive", {}).get("rmse"),
            base.get("seasonal_naive", {}).get("mae"),
        ),
        "sizes": f"{run['summary']['train_values']}/{run['summary']['val_values']}",
        "status": run["status"],
        "wall": run["wall"],
    }


def mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def beats(model: float | None, *baselines: float | None) -> str:
    return "yes" if all(model < b for b in baselines if b is not None) else "no"


def series_row(name: str, runs: list[dict[str, Any]]) -> list[Any]:
    used = [mean([r["used"][k] for r in runs]) for k in (0, 1)]
    final = mean([r["final"][0] for r in runs])
    naive, snaive = runs[0]["naive"], runs[0]["snaive"]  # the same for every seed
    spread = [r["used"][0] for r in runs]
    per_seed = " / ".join(fmt(v, 3) for v in spread)
    statuses = ",".join(sorted({r["status"] for r in runs}))
    return [
        name,
        runs[0]["sizes"],
        *(fmt(v, 3) for v in (*used, final, *naive, *snaive)),
        beats(used[0], naive[0], snaive[0]),
        beats(final, naive[0], snaive[0]),
        per_seed,
        statuses,
        round(sum(r["wall"] for r in runs)),
    ]


def forecast(data: Path, home: str, quick: bool) -> str:
    """Every series of DATA/timeseries, mean of 3 seeds, with the baselines beside."""
    seeds = FORECAST_SEEDS[:1] if quick else FORECAST_SEEDS
    extra = ["train.epochs=2"] if quick else []
    print("## 3. forecasting: bench/configs/real_data_series.yaml with")
    rows = []
    for path in sorted((data / "timeseries").glob("*.csv")):
        overrides = [*SERIES_SETTINGS.get(path.stem, []), *extra]
        print(f"- {path.stem}: {' '.join(overrides) or '(as the file)'}")
        runs = [series_run(data, home, path, [*overrides, f"train.seed={s}"]) for s in seeds]
        rows.append(series_row(path.stem, runs))
    header = ["series", "train/val values", "model RMSE", "model MAE", "final RMSE"]
    header += ["naive RMSE", "naive MAE", "s-naive RMSE", "s-naive MAE"]
    header += ["model beats both", "final beats both", "model RMSE per seed", "status", "wall s"]
    return table(header, rows) + (
        f"\n\nMean of seeds {', '.join(map(str, seeds))}. model: the checkpoint that predict "
        "and forecast use (best validation RMSE, train.select_by auto; chosen on the "
        "validation values, so optimistic); final: the last evaluation. Naive: the last "
        "value; s-naive: the value one season (data.season) earlier; '-': no season "
        "(nile is yearly, with no seasonal cycle). All errors on the same validation "
        "windows, in the series' own units."
    )


def machine() -> str:
    cpu = "?"
    if Path("/proc/cpuinfo").is_file():
        names = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    import torch

    v = service.versions()
    return (
        f"{os.cpu_count()} cores ({cpu}), torch {v['torch']} with {torch.get_num_threads()} "
        f"threads, rnnlab {v['rnnlab']}, Python {v['python']}, {v['platform']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--minutes", type=float, default=10.0, help="language-model budget")
    parser.add_argument("--quick", action="store_true", help="a ~1-minute smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary RNNLAB home")
    parser.add_argument(
        "--part", choices=["all", "lm", "sentiment", "forecast"], default="all", help="one part"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="sentiment: an override of the example config (repeatable), to try a variant",
    )
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "tinyshakespeare.txt").is_file():
        print(f"real-data benchmark skipped: {data} (the shared data folder) is not here")
        return 0
    minutes = 0.5 if args.quick else args.minutes
    home = tempfile.mkdtemp(prefix="rnnlab-bench-")  # runs and the combined TSV go here
    print(f"# rnnlab on real data\n\nmachine: {machine()}\ndata: {data}\nRNNLAB home: {home}\n")
    parts: list[tuple[str, str, str]] = []
    for key, title, run_part in (
        ("lm", "1. Tiny Shakespeare, char-level LSTM", partial(language_model, minutes=minutes)),
        (
            "sentiment",
            "2. UCI sentiment, word-level classifier",
            partial(sentiment, overrides=args.set),
        ),
        ("forecast", "3. real series, forecaster beside naive baselines", forecast),
    ):
        if args.part not in ("all", key):
            continue
        started, load = time.perf_counter(), os.getloadavg()[0]
        body = run_part(data, home, args.quick)
        seconds, load_end = time.perf_counter() - started, os.getloadavg()[0]
        timing = f"part wall time {seconds:.0f} s, 1-min load {load:.1f} -> {load_end:.1f}"
        parts.append((title, body, timing))
    print(f"\n# Results\n\nmachine: {machine()}\n")
    for title, body, timing in parts:
        print(f"## {title} ({timing})\n\n{body}\n")
    if args.keep:
        print(f"runs kept: RNNLAB_HOME={home} rnnlab runs list")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
