"""RunConfig: one validated description of a training run, read from one YAML file.

    task: language-model | classify | forecast
    data:      where the data is and how to cut it (DataSpec)
    embedding: the embedding matrix E (V x dim) for token tasks (EmbeddingSpec)
    model:     the recurrent network (ModelSpec)
    train:     the loop (TrainSpec)

Every error names the dotted field, the allowed values and what was received.
``--set model.hidden_size=256`` style overrides are applied by ``apply_overrides``
before validation, so they are checked exactly like the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rnnlab.errors import ConfigError
from rnnlab.spec.io import load_mapping, validation_message

Task = Literal["language-model", "classify", "forecast"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataSpec(_Strict):
    """Where the data is, and how it becomes sequences."""

    path: str = Field(description="a file, or sample:NAME for a bundled sample")
    format: Literal["text", "tsv", "csv"] | None = Field(
        None, description="inferred from the file suffix when omitted"
    )
    tokenizer: Literal["char", "word"] = "char"
    lowercase: bool = False
    text_column: str = "text"
    label_column: str = "label"
    value_column: str | None = Field(None, description="forecast: default the last column")
    seq_len: int = Field(64, ge=1, le=10_000)
    horizon: int = Field(1, ge=1, le=1_000, description="forecast: values predicted per window")
    season: int | None = Field(None, ge=2, description="forecast: period of seasonal-naive")
    val_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    min_freq: int = Field(1, ge=1, description="tokens rarer than this become <unk>")
    max_vocab: int | None = Field(None, ge=3)
    seed: int = 0


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
    init: str = Field("xavier", description=" | ".join(EMBEDDING_INITS) + " | file:PATH")
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


class ModelSpec(_Strict):
    """The recurrent network between the embedding and the head."""

    cell: Literal["rnn", "lstm", "gru"] = "lstm"
    nonlinearity: Literal["tanh", "relu"] = "tanh"
    hidden_size: int = Field(128, ge=1, le=8192)
    num_layers: int = Field(1, ge=1, le=16)
    bidirectional: bool = False
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    init: Literal["default", "orthogonal", "identity"] = "default"
    forget_bias: float = Field(0.0, description="LSTM: added to the forget-gate bias")

    @model_validator(mode="after")
    def _cell_options(self) -> ModelSpec:
        if self.cell != "rnn" and self.nonlinearity != "tanh":
            raise ValueError(f"nonlinearity: only cell rnn takes relu; cell is {self.cell}")
        if self.cell != "rnn" and self.init == "identity":
            raise ValueError(f"init: identity (IRNN) is for cell rnn; cell is {self.cell}")
        if self.cell != "lstm" and self.forget_bias != 0.0:
            raise ValueError(f"forget_bias: only an LSTM has a forget gate; cell is {self.cell}")
        return self


class TrainSpec(_Strict):
    """The training loop."""

    engine: Literal["torch", "numpy"] = "torch"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    optimizer: Literal["sgd", "adam", "adamw", "rmsprop"] = "adam"
    lr: float = Field(2e-3, gt=0.0, le=10.0)
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="sgd and rmsprop")
    weight_decay: float = Field(0.0, ge=0.0)
    schedule: Literal["constant", "cosine", "step"] = "constant"
    step_every: int = Field(1000, ge=1, description="schedule step: steps between decays")
    step_gamma: float = Field(0.5, gt=0.0, le=1.0, description="schedule step: decay factor")
    batch_size: int = Field(32, ge=1, le=65_536)
    epochs: int = Field(10, ge=1)
    max_steps: int | None = Field(None, ge=1, description="stop after this many steps")
    max_seconds: float | None = Field(
        None, gt=0, description="stop after this much wall time (a final evaluation follows)"
    )
    threads: int | None = Field(
        None, ge=1, le=512, description="torch CPU threads; default torch's (all cores)"
    )
    clip_grad_norm: float | None = Field(5.0, gt=0.0)
    clip_grad_value: float | None = Field(None, gt=0.0)
    early_stopping_patience: int | None = Field(None, ge=1, description="evaluations")
    eval_every: int | None = Field(None, ge=1, description="steps; default once per epoch")
    checkpoint_every: int | None = Field(None, ge=1, description="steps; default at each eval")
    kernel: Literal["auto", "nn", "explicit"] = Field(
        "auto",
        description="GRU/RNN on CPU: nn (torch.nn), explicit (rnnlab's compiled "
        "recurrence), auto (explicit when built or worth building; nn on GPUs and for LSTM)",
    )
    probe_every: int | None = Field(
        100, ge=1, description="steps between gradient-flow probes (also at step 1); null: off"
    )
    seed: int = 0


class RunConfig(_Strict):
    """One training run: task, data, embedding, model, train."""

    task: Task
    name: str | None = None
    data: DataSpec
    embedding: EmbeddingSpec = EmbeddingSpec()
    model: ModelSpec = ModelSpec()
    train: TrainSpec = TrainSpec()

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
        return self

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `section.field=value` overrides (values parsed as YAML) to a config mapping."""
    result = yaml.safe_load(yaml.safe_dump(data))  # a deep copy of plain data
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected section.field=value")
        parts = key.strip().split(".")
        _check_override_path(parts)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {part} is not a section")
        node[parts[-1]] = yaml.safe_load(raw) if raw.strip() else None
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
        return str(beside) if beside.exists() and not Path(value).exists() else value

    if isinstance(data.get("data"), dict) and "path" in data["data"]:
        data["data"]["path"] = anchored(data["data"]["path"])
    embedding = data.get("embedding")
    if isinstance(embedding, dict) and str(embedding.get("init", "")).startswith("file:"):
        embedding["init"] = "file:" + str(anchored(embedding["init"].removeprefix("file:")))
