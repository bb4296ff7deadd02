"""RunConfig: one validated description of a training run, read from one YAML file.

    task: language-model | classify | forecast | tag | seq2seq
    data:      where the data is and how to cut it (DataSpec)
    embedding: the embedding matrix E (V x dim) for token tasks (EmbeddingSpec)
    model:     the recurrent network (ModelSpec)
    train:     the loop (TrainSpec)

Every error names the dotted field, the allowed values and what was received.
``--set model.hidden_size=256`` style overrides are applied by ``apply_overrides``
before validation, so they are checked exactly like the file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from rnnlab.errors import ConfigError
from rnnlab.spec.data import DataSpec
from rnnlab.spec.io import (
    check_plain_data,
    load_mapping,
    parse_text,
    short_repr,
    validation_message,
)
from rnnlab.spec.memory import memory_problem
from rnnlab.spec.model import BIDIRECTIONAL_BY_TASK, ModelSpec
from rnnlab.spec.model import Strict as _Strict
from rnnlab.spec.seq2seq import seq2seq_problem

Task = Literal["language-model", "classify", "forecast", "tag", "seq2seq"]
MAX_STEPS = 100_000_000  # optimizer steps (and step intervals) a run may ask for
MAX_SECONDS = 30 * 24 * 3600.0  # train.max_seconds: thirty days
EMBEDDING_INITS = ("random", "uniform", "xavier", "orthogonal", "onehot", "ppmi-svd", "word2vec")


class EmbeddingSpec(_Strict):
    """The embedding matrix E: one row per vocabulary entry.

    init: xavier (the default: U(-a, a), a = sqrt(6 / (V + d))) | random (N(0, 1),
    PyTorch's nn.Embedding default; on small classification sets it cost 5-13 accuracy
    points against xavier in bench/real_data.py) | uniform | orthogonal | onehot (d = V)
    | ppmi-svd | word2vec (learnt from the training split only) | file:PATH (a pretrained
    GloVe/word2vec text, word2vec binary or .npy file; d is the file's).
    """

    dim: int = Field(32, ge=1, le=4096)
    init: str = Field(
        "xavier",
        description=" | ".join(EMBEDDING_INITS) + " | file:PATH",
        json_schema_extra={"anyOf": [{"enum": list(EMBEDDING_INITS)}, {"pattern": "^file:.+"}]},
    )
    trainable: bool = True
    window: int = Field(5, ge=1, le=50, description="ppmi-svd, word2vec: context window")
    missing: Literal["random", "zeros", "mean"] = Field(
        "random", description="file: rows for words the file lacks"
    )

    @model_validator(mode="after")
    def _known_init(self) -> EmbeddingSpec:
        if self.init not in EMBEDDING_INITS and not self.init.startswith("file:"):
            allowed = " | ".join(EMBEDDING_INITS)
            raise ValueError(f"init: expected one of {allowed} | file:PATH, received {self.init!r}")
        if self.init == "file:":
            raise ValueError("init: file: needs a path, e.g. file:glove.6B.50d.txt")
        return self


class TrainSpec(_Strict):
    """The training loop."""

    engine: Literal["torch", "numpy"] = Field(
        "torch", description="numpy: the reference engine (not for task seq2seq: torch only)"
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    optimizer: Literal["sgd", "adam", "adamw", "rmsprop"] = "adam"
    lr: float = Field(2e-3, gt=0.0, le=10.0)
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="sgd and rmsprop")
    weight_decay: float = Field(0.0, ge=0.0, le=1.0)
    schedule: Literal["constant", "cosine", "step"] = "constant"
    step_every: int = Field(
        1000, ge=1, le=MAX_STEPS, description="schedule step: steps between decays"
    )
    step_gamma: float = Field(0.5, gt=0.0, le=1.0, description="schedule step: decay factor")
    batch_size: int = Field(32, ge=1, le=65_536)
    epochs: int = Field(10, ge=1, le=100_000)
    max_steps: int | None = Field(
        None, ge=1, le=MAX_STEPS, description="stop after this many steps"
    )
    max_seconds: float | None = Field(
        None,
        gt=0,
        le=MAX_SECONDS,
        description="stop after this much wall time (a final evaluation follows)",
    )
    threads: int | None = Field(
        None, ge=1, le=512, description="torch CPU threads; default torch's (all cores)"
    )
    clip_grad_norm: float | None = Field(5.0, gt=0.0, le=1e6)
    clip_grad_value: float | None = Field(None, gt=0.0, le=1e6)
    teacher_forcing: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="seq2seq: the chance that a decoder step reads the true previous token "
        "rather than its own prediction (1: always, 0: free running)",
    )
    select_by: Literal[
        "auto", "loss", "accuracy", "rmse", "mae", "f1", "exact_match", "token_accuracy", "bleu"
    ] = Field(
        "auto",
        description="validation metric that picks the best checkpoint and drives early "
        "stopping; auto: accuracy (classify), loss (language-model), rmse (forecast), "
        "f1 (tag: macro F1 over the tags but O), exact_match (seq2seq, greedy decoding); "
        "bleu: seq2seq on sentences (data.tokenizer word, sacrebleu installed)",
    )
    early_stopping_patience: int | None = Field(None, ge=1, le=1_000_000, description="evaluations")
    eval_every: int | None = Field(
        None, ge=1, le=MAX_STEPS, description="steps; default once per epoch"
    )
    checkpoint_every: int | None = Field(
        None, ge=1, le=MAX_STEPS, description="steps; default at each eval"
    )
    kernel: Literal["auto", "nn", "explicit"] = Field(
        "auto",
        description="GRU/RNN on CPU: nn (torch.nn), explicit (rnnlab's compiled "
        "recurrence), auto (explicit when built or worth building; nn on GPUs and for LSTM)",
    )
    probe_every: int | None = Field(
        100,
        ge=1,
        le=MAX_STEPS,
        description="steps between gradient-flow probes (also at step 1); null: off",
    )
    precision: Literal["fp32", "bf16"] = Field(
        "fp32", description="bf16: autocast on the model's device (torch engine)"
    )
    deterministic: bool = Field(
        False,
        description="deterministic torch kernels: bitwise-exact resume on CUDA, a little slower",
    )
    seed: int = Field(0, ge=0, lt=2**32)

    @model_validator(mode="after")
    def _engine_options(self) -> TrainSpec:
        if self.kernel == "explicit" and self.device == "cuda":
            raise ValueError(
                "kernel: explicit runs rnnlab's compiled CPU recurrence; with device cuda "
                "expected nn or auto (cuDNN)"
            )
        if self.precision == "bf16" and self.engine == "numpy":
            raise ValueError("precision: bf16 needs engine torch; engine numpy expects fp32")
        return self


# Validation metrics a task's run can select its best checkpoint by; the first is the default.
SELECT_BY: dict[str, tuple[str, ...]] = {
    "language-model": ("loss",),
    "classify": ("accuracy", "loss"),
    "forecast": ("rmse", "mae", "loss"),
    "tag": ("f1", "accuracy", "loss"),
    "seq2seq": ("exact_match", "token_accuracy", "loss", "bleu"),
}
TAG_FORMATS = ("conll", "tsv", "punctuated")  # what task tag reads
TAG_ONLY_FORMATS = ("conll", "punctuated")


class RunConfig(_Strict):
    """One training run: task, data, embedding, model, train."""

    task: Task
    name: str | None = Field(None, max_length=200)
    data: DataSpec
    embedding: EmbeddingSpec = EmbeddingSpec()
    model: ModelSpec = ModelSpec()
    train: TrainSpec = TrainSpec()

    @model_validator(mode="before")
    @classmethod
    def _task_default_bidirectional(cls, data: Any) -> Any:
        """model.bidirectional left out: the task's default (BIDIRECTIONAL_BY_TASK)."""
        if not isinstance(data, dict) or data.get("task") not in BIDIRECTIONAL_BY_TASK:
            return data
        default = BIDIRECTIONAL_BY_TASK[data["task"]]
        model = data.get("model", {})
        if isinstance(model, dict) and "bidirectional" not in model:
            return {**data, "model": {**model, "bidirectional": default}}
        if isinstance(model, ModelSpec) and "bidirectional" not in model.model_fields_set:
            return {**data, "model": model.model_copy(update={"bidirectional": default})}
        return data

    @model_validator(mode="after")
    def _task_options(self) -> RunConfig:
        if self.task == "language-model" and self.model.bidirectional:
            raise ValueError(
                "model.bidirectional: a language model must not see the future; expected false"
            )
        if self.task == "classify" and self.data.format == "text":
            raise ValueError("data.format: classify reads a table; expected tsv | csv")
        if self.task == "forecast" and self.data.format == "text":
            raise ValueError("data.format: forecast reads a table; expected csv | tsv")
        self._tag_options()
        problem = seq2seq_problem(self)
        if problem is not None:
            raise ValueError(problem)
        allowed = SELECT_BY[self.task]
        if self.train.select_by not in ("auto", *allowed):
            raise ValueError(
                f"train.select_by: a {self.task} run selects by auto | {' | '.join(allowed)}; "
                f"received {self.train.select_by!r}"
            )
        return self

    def _tag_options(self) -> None:
        fmt = self.data.format
        if self.task == "tag" and fmt is not None and fmt not in TAG_FORMATS:
            raise ValueError(
                f"data.format: task tag reads {' | '.join(TAG_FORMATS)}; received {fmt!r}"
            )
        if self.task != "tag" and fmt in TAG_ONLY_FORMATS:
            raise ValueError(
                f"data.format: {fmt} files are for task tag; received task {self.task!r}"
            )
        if self.task in ("language-model", "classify", "forecast") and self.data.max_length:
            raise ValueError(
                f"data.max_length: only task tag cuts sentences; expected null for task "
                f"{self.task}, received {self.data.max_length}"
            )

    @model_validator(mode="after")
    def _fits_in_memory(self) -> RunConfig:
        problem = memory_problem(self)  # sizes an allocator would die on, refused up front
        if problem:
            raise ValueError(problem)
        return self

    @property
    def selection_metric(self) -> str:
        """train.select_by with auto resolved: the first of the task's SELECT_BY."""
        chosen = self.train.select_by
        return SELECT_BY[self.task][0] if chosen == "auto" else chosen

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `section.field=value` overrides (values parsed as YAML) to a config mapping."""
    check_plain_data(data, "config")  # a request body can be as hostile as a file
    result = copy.deepcopy(data)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {short_repr(item)}: expected section.field=value")
        parts = key.strip().split(".")
        _check_override_path(parts)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {part} is not a section")
        node[parts[-1]] = parse_text(raw, f"--set {key.strip()}") if raw.strip() else None
    return result


_SECTIONS: dict[str, type[BaseModel]] = {
    "data": DataSpec,
    "embedding": EmbeddingSpec,
    "model": ModelSpec,
    "train": TrainSpec,
}


def _check_override_path(parts: list[str]) -> None:
    if len(parts) == 1 and parts[0] in RunConfig.model_fields:
        return
    section = _SECTIONS.get(parts[0])
    if section is None or len(parts) != 2 or parts[1] not in section.model_fields:
        known = (
            sorted(f"{s}.{f}" for s, m in _SECTIONS.items() for f in m.model_fields)
            if section is None
            else sorted(f"{parts[0]}.{f}" for f in section.model_fields)
        )
        raise ConfigError(f"--set {'.'.join(parts)}: unknown field; known: {', '.join(known)}")


def parse_run_config(data: dict[str, Any], source: str = "config") -> RunConfig:
    """Validate a mapping; errors start with `source` and name the dotted field."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {validation_message(err)}") from None


def load_run_config(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Read a run config file, apply overrides, validate.

    A relative data.path (or embedding.init file:PATH) that names a file next to the
    config is taken from there; otherwise it stays relative to the working directory.
    """
    data = apply_overrides(load_mapping(path), overrides or [])
    _anchor_paths(data, Path(path).parent)
    return parse_run_config(data, str(path))


def _anchor_paths(data: dict[str, Any], folder: Path) -> None:
    def anchored(value: object) -> object:
        if not isinstance(value, str) or ":" in value.split("/")[0] or Path(value).is_absolute():
            return value  # sample:, synthetic:, absolute
        beside = folder / value
        try:
            return str(beside) if beside.exists() and not Path(value).exists() else value
        except (OSError, ValueError):  # a name too long, a NUL byte: the reader says so
            return value

    if isinstance(data.get("data"), dict) and "path" in data["data"]:
        data["data"]["path"] = anchored(data["data"]["path"])
    embedding = data.get("embedding")
    if isinstance(embedding, dict) and str(embedding.get("init", "")).startswith("file:"):
        embedding["init"] = "file:" + str(anchored(embedding["init"].removeprefix("file:")))
