"""The attention lab: an encoder-decoder with and without attention, one budget, the
source getting longer.

The classic experiment (Bahdanau et al. 2015): without attention the decoder reads the
source only through the encoder's final state, and its accuracy falls as the source
grows; with attention it looks back at every source position and holds. Each
(length L, attention) pair is an ordinary ``task: seq2seq`` run on
``seq2seq:TASK?size=L&n=N&val=M`` data, stored like any other (named
``lab-attention-TASK-L<L>-<attention>``), trained under the same budget (steps, batch,
optimiser, clipping, seed, teacher forcing 1) and evaluated once at its end on the
held-out pairs with greedy decoding. A row: exact match, token accuracy and the training
speed in target tokens (<eos> included) per second of optimiser steps.

The defaults (``AttentionLabOptions`` in ``attention_lab_defaults``, light enough for the
CLI to read at start-up) are the bench's (bench/seq2seq_attention.py): GRU,
embedding 32, hidden 64, batch 64, Adam lr 3e-3, clip 1, 400 steps, 20 000 training and
500 held-out strings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab.data.checks import check_int
from rnnlab.data.seq2seq_tasks import TASKS
from rnnlab.errors import ConfigError
from rnnlab.events import Event, StepDone
from rnnlab.service.attention_lab_defaults import ATTENTION_LAB_DEFAULTS, AttentionLabOptions
from rnnlab.service.training import load_config, train
from rnnlab.spec.seq2seq import ATTENTIONS


def attention_lab_config(length: int, attention: str, o: AttentionLabOptions) -> dict[str, Any]:
    """The run config of one (length, attention) pair."""
    if o.task not in TASKS:
        raise ConfigError(f"task: expected one of {' | '.join(TASKS)}, received {o.task!r}")
    if attention not in ATTENTIONS:
        allowed = " | ".join(ATTENTIONS)
        raise ConfigError(f"attention: expected {allowed}, received {attention!r}")
    check_int(length, "length", 1)
    return {
        "task": "seq2seq",
        "name": f"lab-attention-{o.task}-L{length}-{attention}",
        "data": {
            "path": f"seq2seq:{o.task}?size={length}&n={o.n_train}&val={o.n_val}",
            "seed": o.seed,
        },
        "embedding": {"dim": o.embed_dim},
        "model": {"cell": o.cell, "hidden_size": o.hidden_size, "attention": attention},
        "train": {
            "optimizer": "adam",
            "lr": o.lr,
            "batch_size": o.batch_size,
            "epochs": 100_000,
            "max_steps": o.steps,
            "clip_grad_norm": o.clip,
            "seed": o.seed,
            "eval_every": o.steps,  # one evaluation, at the end
            "probe_every": None,
            "threads": o.threads,
        },
    }


class _Speed:
    """Target tokens and seconds of the optimiser steps of one run (StepDone events)."""

    def __init__(self, forward: Callable[[Event], None] | None) -> None:
        self.tokens, self.seconds, self.forward = 0, 0.0, forward

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepDone):
            self.tokens += event.tokens
            self.seconds += event.seconds
        if self.forward is not None:
            self.forward(event)

    @property
    def per_second(self) -> float | None:
        return self.tokens / self.seconds if self.seconds > 0 else None


def lab_attention(
    options: AttentionLabOptions = ATTENTION_LAB_DEFAULTS,
    *,
    on_event: Callable[[Event], None] | None = None,
    on_run: Callable[[int, str], None] | None = None,
    home: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Train every (length, attention) pair of `options` (each config checked before any
    training); one row each: ``{"task", "L", "attention", "run", "status", "steps",
    "exact_match", "token_accuracy", "val_loss", "tokens_per_s"}``."""
    if not isinstance(options, AttentionLabOptions):
        raise ConfigError(
            f"options: expected an AttentionLabOptions, received {type(options).__name__}"
        )
    for field in ("lengths", "attentions"):
        if not getattr(options, field):
            raise ConfigError(f"{field}: expected at least one, received none")
    pairs = [(length, a) for length in options.lengths for a in options.attentions]
    configs = [attention_lab_config(length, a, options) for length, a in pairs]
    for config in configs:
        load_config(config)  # every field checked before the first run trains
    rows = []
    for (length, attention), config in zip(pairs, configs, strict=True):
        if on_run is not None:
            on_run(length, attention)
        speed = _Speed(on_event)
        details = train(config, on_event=speed, home=home)
        rows.append(_row(details, options.task, length, attention, speed.per_second))
    return rows


def _row(
    details: dict[str, Any], task: str, length: int, attention: str, speed: float | None
) -> dict[str, Any]:
    final = details["final_metrics"]
    return {
        "task": task,
        "L": length,
        "attention": attention,
        "run": details["id"],
        "status": details["status"],
        "steps": details["steps"],
        "exact_match": final.get("val_exact_match"),
        "token_accuracy": final.get("val_token_accuracy"),
        "val_loss": final.get("val_loss"),
        "tokens_per_s": speed,
    }
