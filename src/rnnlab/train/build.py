"""From a RunConfig and prepared data to a learner on the chosen engine.

Both engines start from the same weights: the model is initialised once in PyTorch
(seeded by train.seed) and, for ``engine: numpy``, copied into the reference
engine's twin. So a run is reproducible whichever engine trains it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnlab import cells
from rnnlab.data.seq2seq_tasks import is_task_path
from rnnlab.errors import ConfigError
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine import SequenceModel, initialise, to_numpy
from rnnlab.torch_engine.build import model_from_config, model_sizes
from rnnlab.torch_engine.kernel import (
    BUILD_WORTH_TIME_STEPS,
    build_timed_out,
    kernel_built,
    load_kernel,
)
from rnnlab.train.embedding_init import initial_embedding
from rnnlab.train.learner import Learner
from rnnlab.train.numpy_learner import NumpyLearner
from rnnlab.train.seq2seq_learner import build_seq2seq_learner
from rnnlab.train.seq2seq_metrics import bleu_available
from rnnlab.train.torch_learner import TorchLearner, resolve_device


def _counts(config: RunConfig, prepared: Any) -> tuple[int | None, int | None]:
    """(vocab size, number of classes) of the prepared data, None where the task has none."""
    vocab_size = len(prepared.vocab) if config.task != "forecast" else None
    if config.task == "tag":
        return vocab_size, len(prepared.tags)  # one output per tag
    return vocab_size, len(prepared.classes) if config.task == "classify" else None


def build_torch_model(
    config: RunConfig, prepared: Any, embedding: np.ndarray | None = None
) -> SequenceModel:
    """The seeded initial model (weights identical for every engine).

    `embedding` is E from ``embedding_init.initial_embedding`` (computed here when None).
    """
    explicit, kernel = choose_recurrent(config, prepared)
    model = model_from_config(config, *_counts(config, prepared), explicit, kernel)
    initialise(model, config.model.init, config.model.forget_bias, config.train.seed)
    if model.embedding is not None:
        E = embedding if embedding is not None else initial_embedding(config, prepared)[0]
        with torch.no_grad():
            model.embedding.weight.copy_(torch.from_numpy(np.asarray(E, dtype=np.float32)))
    return model


def planned_time_steps(config: RunConfig, prepared: Any) -> int:
    """Optimiser steps x steps per sequence that the run plans (an estimate of its work)."""
    data, spec = prepared.data, config.train
    if config.task == "language-model" and getattr(data, "carry_state", True):
        per_epoch = data.num_batches("train", spec.batch_size, config.data.seq_len)
    else:
        per_epoch = data.num_batches("train", spec.batch_size)
    steps = per_epoch * spec.epochs
    return min(steps, spec.max_steps or steps) * config.data.seq_len


def choose_recurrent(config: RunConfig, prepared: Any) -> tuple[bool, Any]:
    """(explicit?, compiled kernel or None) for train.kernel.

    nn: torch.nn everywhere. explicit: rnnlab's explicit-BPTT layer (the cell's
    ``explicit_kernel``: GRU, RNN) with the compiled recurrence (built if needed; the
    Python loop without a compiler). auto: explicit on CPU for such a cell when the
    recurrence is built already, or when the run plans enough work to pay for the one-off
    build (kernel.BUILD_WORTH_TIME_STEPS); torch.nn on GPUs (cuDNN). A cell without an
    explicit kernel runs on torch.nn (LSTM: its CPU kernel is already fused) or, without a
    torch.nn form, on its own torch functions (torch_engine.cell_layer), whatever the choice.
    """
    choice = config.train.kernel
    if choice == "nn" or cells.get(config.model.cell).explicit_kernel is None:
        return False, None
    if choice == "explicit":  # the Python loop without a compiler; nn past the build deadline
        kernel = load_kernel(build=True)
        return not build_timed_out(), kernel
    if config.train.engine != "torch" or resolve_device(config.train.device).type != "cpu":
        return False, None
    if kernel_built():
        kernel = load_kernel(build=False)
        return kernel is not None, kernel
    if planned_time_steps(config, prepared) >= BUILD_WORTH_TIME_STEPS:
        kernel = load_kernel(build=True)
        return kernel is not None, kernel
    return False, None


def frozen_parameters(config: RunConfig) -> frozenset[str]:
    frozen = config.task != "forecast" and not config.embedding.trainable
    return frozenset({"embedding.weight"}) if frozen else frozenset()


def check_engine(config: RunConfig) -> None:
    """Errors the engine would raise, before a run is created (e.g. no CUDA device, or
    train.kernel explicit where train.device auto chose a GPU, or train.select_by bleu
    without sentences or without sacrebleu)."""
    if config.selection_metric == "bleu":
        check_bleu_selection(config)
    if config.train.engine != "torch":
        return
    device = resolve_device(config.train.device)
    if config.train.kernel == "explicit" and device.type != "cpu":
        raise ConfigError(
            f"train.kernel: explicit runs rnnlab's compiled CPU recurrence, but train.device "
            f"{config.train.device} chose {device.type}; expected train.kernel nn or auto "
            f"(cuDNN), or train.device cpu"
        )


def check_bleu_selection(config: RunConfig) -> None:
    """train.select_by bleu needs sentences (a TSV read with data.tokenizer word, where
    validation reports val_bleu) and the sacrebleu package."""
    data, instead = config.data, "select by exact_match | token_accuracy | loss"
    if is_task_path(data.path):
        raise ConfigError(
            f"train.select_by: bleu scores sentences; data.path {data.path!r} is a generated "
            f"task of characters: {instead}"
        )
    if data.tokenizer != "word":
        raise ConfigError(
            f"train.select_by: bleu scores sentences; expected data.tokenizer word with it, "
            f"received {data.tokenizer!r}: {instead}"
        )
    if not bleu_available():
        raise ConfigError(
            "train.select_by: bleu needs the sacrebleu package, which is not installed: "
            "pip install 'rnnlab[bleu]', or select by exact_match | token_accuracy | loss"
        )


def build_learner(
    config: RunConfig, prepared: Any, dtype: str = "float32", embedding: np.ndarray | None = None
) -> Learner:
    """The learner for config.train.engine, initialised from the seeded torch model."""
    check_engine(config)
    if config.task == "seq2seq":  # an encoder-decoder, torch engine only (spec.seq2seq)
        return build_seq2seq_learner(config, prepared, dtype)
    model = build_torch_model(config, prepared, embedding)
    frozen = frozen_parameters(config)
    torch.manual_seed(config.train.seed)  # dropout masks of the torch engine
    if config.train.engine == "torch":
        torch_dtype = torch.float64 if dtype == "float64" else torch.float32
        return TorchLearner(model, config.task, config.train, frozen, torch_dtype)
    twin = SequenceModelNP(
        config.task,
        config.model,
        dtype=np.dtype(dtype).type,
        seed=config.train.seed,
        **model_sizes(config, *_counts(config, prepared)),
    )
    twin.load_state_dict(to_numpy(model))
    return NumpyLearner(twin, config.task, config.train, frozen)
