"""Run-store use cases: list, show, remove runs, and load a trained model for use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data import is_synthetic, parse_synthetic_path
from rnnlab.data.readers import read_series
from rnnlab.data.tagging import TagVocab
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError, RunBusy
from rnnlab.predict import MAX_SAMPLES, ModelBundle, Predictor
from rnnlab.service.arguments import check_forecast_steps, check_generate_arguments, whole_number
from rnnlab.service.baselines import forecast_comparison
from rnnlab.service.checkpoint_use import best_metrics, checkpoint_in_use, chosen_tag
from rnnlab.service.tag_report import tag_rows
from rnnlab.service.translating import source_states
from rnnlab.spec.run import parse_run_config
from rnnlab.store import Store, list_checkpoints, owners, read_run_checkpoint
from rnnlab.store.records import TASKS

LAB_TASK = "lab"  # what runs on synthetic:TASK data (the long-range lab) show as


def task_label(run: dict[str, Any]) -> str:
    """The task a run is shown as: ``lab:TASK`` for a run on ``synthetic:TASK`` data (the
    long-range lab's adding / copy / order, whatever model task trains it), else its task."""
    path = run["config"].get("data", {}).get("path")
    if is_synthetic(path):
        return f"{LAB_TASK}:{parse_synthetic_path(str(path))[0]}"
    return run["task"]


def run_details(store: Store, run_id: str) -> dict[str, Any]:
    """id, name, status, config, summary, final and best metrics, checkpoints."""
    record = store.get_run(run_id)
    details = record.to_json()
    details["task_label"] = task_label(details)  # lab:adding, ... or the task
    details["final_metrics"] = store.last_metrics(record.id, "val")
    details["best_metrics"] = best_metrics(store, record)  # by the run's train.select_by
    details["checkpoint_used"] = checkpoint_in_use(store, record)  # what predict etc. use
    details["final_train"] = store.last_metrics(record.id, "train")
    details["checkpoints"] = list_checkpoints(store.run_dir(record.id) / "checkpoints")
    details["folder"] = str(store.run_dir(record.id))
    details["baseline_comparison"] = forecast_comparison(details)  # forecast: model vs naive
    probes = store.probes(record.id, "confusion") if record.task == "tag" else []
    details["tag_comparison"] = tag_rows(details, probes)  # tag: per tag vs the baselines
    return details


def list_runs(
    task: str | None = None,
    status: str | None = None,
    home: str | Path | None = None,
    sweep: str | None = None,
) -> list[dict[str, Any]]:
    """The runs, newest first, of one shown task (``lab``: the lab's; a run task: its runs
    outside the lab), status and/or sweep (the trials' runs, tagged in their summary)."""
    if task is not None and task not in (*TASKS, LAB_TASK):
        shown = " | ".join((*TASKS, LAB_TASK))
        raise ConfigError(f"task: expected one of {shown}, received {task!r}")
    with Store(home) as store:
        store.reap_orphans()
        rows = []
        for record in store.list_runs(task=None if task == LAB_TASK else task, status=status):
            row = record.to_json()
            row["task_label"] = task_label(row)
            if task is not None and row["task_label"].split(":")[0] != task:
                continue
            if sweep is not None and (row["summary"].get("sweep") or {}).get("id") != sweep:
                continue
            row["final_metrics"] = store.last_metrics(record.id, "val")
            row["checkpoint_used"] = checkpoint_in_use(store, record)
            rows.append(row)
        return rows


def run_task(ref: str, home: str | Path | None = None) -> str:
    """The task of run `ref` (language-model, classify, forecast, tag, ...)."""
    with Store(home) as store:
        return store.get_run(ref).task


def show_run(ref: str, home: str | Path | None = None) -> dict[str, Any]:
    with Store(home) as store:
        store.reap_orphans()
        return run_details(store, store.get_run(ref).id)


def run_probes(
    ref: str, kind: str, home: str | Path | None = None, last: int | None = None
) -> list[dict[str, Any]]:
    """The probes a run recorded: gradient_flow, histograms or states."""
    with Store(home) as store:
        return store.probes(store.get_run(ref).id, kind, last)


def run_states(ref: str, text: str | None = None, home: str | Path | None = None) -> dict[str, Any]:
    """h_t, c_t and gates of the trained model over `text` (or the recorded sequence)."""
    if text is None:
        recorded = run_probes(ref, "states", home, last=1)
        if recorded:
            return recorded[-1]
    if text is not None and run_task(ref, home) == "seq2seq":  # the encoder over a source
        return source_states(ref, text, home)
    return predictor(ref, home).states(text)


def run_metrics(ref: str, home: str | Path | None = None) -> dict[str, Any]:
    with Store(home) as store:
        return store.metrics(store.get_run(ref).id)


def refuse_if_training(store: Store, run_id: str, action: str) -> None:
    """RnnlabError when another live process of this host is training run `run_id` (the
    store's owner column): it must not be removed or trained twice meanwhile."""
    owner = store.running_owner(run_id)
    if owner is not None and owners.owner_alive(owner):
        raise RunBusy(owners.training_message(run_id, owner, action))


def remove_run(ref: str, home: str | Path | None = None) -> str:
    """Delete a run (rows and folder); refused while its training process runs."""
    with Store(home) as store:
        record = store.get_run(ref)
        refuse_if_training(store, record.id, "be removed")
        store.delete_run(record.id)
        return record.id


def load_bundle(ref: str, home: str | Path | None = None, tag: str | None = None) -> ModelBundle:
    """The trained model of a run: its best checkpoint (or last, or `tag`)."""
    with Store(home) as store:
        record = store.get_run(ref)
        if record.task == "seq2seq":  # an encoder-decoder: service.translating loads it
            raise ConfigError(
                f"run {record.id} is a seq2seq run: translate with it (rnnlab predict RUN "
                "SOURCE, service.translate); classify, generate, forecast, tag and export "
                "take runs of the other tasks"
            )
        folder = store.run_dir(record.id) / "checkpoints"
        tags = list_checkpoints(folder)
        if not tags:
            raise DataError(f"run {record.id} has no checkpoint yet; train it first")
        chosen = tag or chosen_tag(tags)
        arrays, meta = read_run_checkpoint(folder, chosen)
    weights = {k.removeprefix("model."): v for k, v in arrays.items() if k.startswith("model.")}
    return ModelBundle(
        config=parse_run_config(meta["config"], f"run {record.id}"),
        weights=weights,
        vocab=Vocab.from_json(meta["vocab"]) if "vocab" in meta else None,
        classes=meta.get("classes"),
        scaler=meta.get("scaler"),
        history=meta.get("history"),
        series=meta.get("series"),
        tags=TagVocab.from_dict(meta["tags"], f"run {record.id}: tags") if "tags" in meta else None,
        tag_format=meta.get("tag_format"),
    )


def predictor(ref: str, home: str | Path | None = None) -> Predictor:
    return Predictor(load_bundle(ref, home))


def classify(ref: str, texts: list[str], home: str | Path | None = None) -> list[dict[str, Any]]:
    return predictor(ref, home).classify(texts)


def generate(
    ref: str,
    prompt: str = "",
    length: int = 200,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    home: str | Path | None = None,
    n: int = 1,
    stop_at_eos: bool | None = None,
) -> dict[str, Any]:
    """Continue `prompt`: n samples (default: stop at <eos> for word models), with the
    prompt's tokens the vocabulary lacks (see Predictor.generate)."""
    check_generate_arguments(length, temperature, top_k, top_p, seed)  # before loading
    whole_number("n", n, 1, MAX_SAMPLES)
    if stop_at_eos is not None and not isinstance(stop_at_eos, bool):
        raise ConfigError(f"stop_at_eos: expected true or false, received {stop_at_eos!r}")
    model = predictor(ref, home)
    return model.generate(prompt, length, temperature, top_k, top_p, seed, n, stop_at_eos)


def forecast(
    ref: str,
    steps: int,
    input_path: str | Path | None = None,
    column: str | None = None,
    home: str | Path | None = None,
) -> dict[str, Any]:
    """Forecast after the training series, or after the values of a CSV file."""
    check_forecast_steps(steps)
    model = predictor(ref, home)
    history = None
    if input_path is not None:
        history = read_series(Path(input_path), _table_format(input_path), column)
    return model.forecast(steps, None if history is None else np.asarray(history))


def _table_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".tsv"):
        raise DataError(f"{path}: expected a .csv or .tsv file of values")
    return suffix[1:]
