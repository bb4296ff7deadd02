"""One training loop for every engine and task. It emits events and knows nothing of storage.

Per step: the schedule sets the rate, the learner takes a step (pre-clip norm
recorded, clipping, non-finite check), a ``StepDone`` goes out. Evaluation (the
validation pass of ``train.evaluation``) runs every ``train.eval_every`` steps or at
each epoch's end; each evaluation is followed by a checkpoint event (and ``best`` when
the metric of ``train.select_by`` improved; early stopping counts evaluations without
improvement of that same metric).
A validation split too small to mean anything (``tiny_validation``) marks no
checkpoint best and stops nothing early: the last checkpoint is the one used.
A non-finite loss or gradient ends the run as ``diverged`` without a checkpoint,
so the last good one stays. Ctrl-C (SIGINT) or ``request_stop()`` ends the run
after the current step with an ``interrupt`` checkpoint.

Resuming is exact: batch order is a pure function of (seed, epoch), and a
checkpoint holds the weights, the optimiser state, the carried hidden state,
the RNG states and the run's ``Progress`` (``train.progress``: epoch, batches consumed,
early-stopping state, clock). The data set is a ``TrainingData`` (``data.batches``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch, Split, TrainingData
from rnnlab.events import (
    CheckpointReady,
    Evaluated,
    Event,
    ProbeTaken,
    RunEnded,
    RunStarted,
    StepDone,
)
from rnnlab.spec.run import RunConfig
from rnnlab.train.evaluation import Validation, evaluation_probe, validate, validation_metrics
from rnnlab.train.learner import Learner
from rnnlab.train.metrics import Selection, tiny_validation
from rnnlab.train.progress import Progress
from rnnlab.train.schedules import learning_rate
from rnnlab.train.signals import SigintSetsFlag

Subscriber = Callable[[Event], None]


class Trainer:
    def __init__(
        self,
        learner: Learner,
        prepared: Any,
        config: RunConfig,
        subscribers: list[Subscriber] | None = None,
    ) -> None:
        self.learner, self.prepared, self.config = learner, prepared, config
        self.data: TrainingData = prepared.data
        self.subscribers = list(subscribers or [])
        self._stop = threading.Event()
        self.steps_per_epoch = sum(1 for _ in self.batches("train", 0))
        spec = config.train
        planned = spec.epochs * self.steps_per_epoch
        self.total_steps = min(planned, spec.max_steps) if spec.max_steps else planned
        self.progress = Progress()
        self.metrics: dict[str, float] = {}
        self._validation = Validation()  # of the last evaluation
        self._probe_pending = False
        self.best_metrics: dict[str, float] = {}
        self.selection = Selection(config.selection_metric)
        self.validation_warning = tiny_validation(config.task, getattr(prepared, "summary", {}))

    # ------------------------------------------------------------------ data
    def batches(self, split: Split, epoch: int) -> Iterator[Batch]:
        """`split`'s batches of `epoch`: training ones in the order of (train.seed, epoch),
        validation ones in the data's order."""
        spec = self.config
        seed = spec.train.seed if split == "train" else None
        return self.data.batches(
            split, spec.train.batch_size, seq_len=spec.data.seq_len, seed=seed, epoch=epoch
        )

    # ------------------------------------------------------------------ control
    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)

    def request_stop(self) -> None:
        """End after the current step with an interrupt checkpoint (thread-safe)."""
        self._stop.set()

    def _stop_requested(self) -> bool:
        """Stop before the next step? (Ranks of a distributed run agree on it.)"""
        return self._stop.is_set()

    def _emit(self, event: Event) -> None:
        for subscriber in self.subscribers:
            subscriber(event)

    # ------------------------------------------------------------------ the loop
    def fit(self, resume: tuple[dict[str, np.ndarray], dict[str, Any]] | None = None) -> RunEnded:
        carry = self._restore(resume) if resume else None
        summary = dict(getattr(self.prepared, "summary", {}))
        if self.validation_warning:
            warnings = [w for w in summary.get("warnings", []) if w != self.validation_warning]
            summary["warnings"] = [*warnings, self.validation_warning]
            summary["tiny_validation"] = True  # service.checkpoint_use: why "last" is used
        summary["select_by"] = self.selection.metric
        self._emit(RunStarted(self.progress.step, self.total_steps, self.steps_per_epoch, summary))
        self._wall_start = time.monotonic()
        with SigintSetsFlag(self._stop):
            ended = self._loop(carry)
        if ended.status != "diverged":
            self._record_states()
        self._emit(ended)
        return ended

    def _record_states(self) -> None:
        """h_t, c_t and gates of one validation sequence (a training one if no validation)."""
        batch = next(iter(self.batches("val", 0)), None) or next(iter(self.batches("train", 0)))
        length = int(batch.lengths[0]) if batch.lengths is not None else batch.x.shape[0]
        x = batch.x[:length, :1]  # (T, 1[, D])
        vocab = getattr(self.prepared, "vocab", None)
        if vocab is not None:
            tokens = vocab.decode(x[:, 0])
        else:
            tokens = ["/".join(f"{v:.3g}" for v in np.atleast_1d(row)) for row in x[:, 0]]
        payload = self.learner.states(x, tokens)
        self._emit(ProbeTaken(self.progress.step, "states", payload))

    def _loop(self, carry: Any) -> RunEnded:
        p = self.progress
        while self._budget_left():
            for batch in self._remaining_batches():
                if self._stop_requested():
                    return self._interrupt(carry)
                carry, stop = self._train_batch(batch, carry)
                if stop is not None:
                    return stop
                if not self._budget_left():
                    break
            else:
                p.next_epoch()
                carry = None
                stop = self._evaluate_and_save(carry) if self._eval_due(end_of_epoch=True) else None
                if stop is not None:
                    return stop
                continue
        stop = None
        if p.last_eval_step != p.step:
            stop = self._evaluate_and_save(carry, reason="end")
        if stop is not None:
            return stop
        limit = self.config.train.max_seconds
        if limit is not None and p.step < self.total_steps:
            return self._end("finished", f"time budget of {limit:g} s reached after {p.step} steps")
        return self._end("finished", f"trained {p.step} steps")

    def _wall_seconds(self) -> float:
        """Wall time of this run so far, earlier sessions of a resumed run included."""
        return self.progress.wall_before + time.monotonic() - self._wall_start

    def _budget_left(self) -> bool:
        """Steps remain, and time remains when train.max_seconds is set."""
        limit = self.config.train.max_seconds
        in_time = limit is None or self._wall_seconds() < limit
        return self.progress.step < self.total_steps and in_time

    def _train_batch(self, batch: Batch, carry: Any) -> tuple[Any, RunEnded | None]:
        """One optimiser step with its events; the run's end if it must stop here."""
        p = self.progress
        probe = self.learner.probe(batch, carry, p.step + 1) if self._probe_due(batch) else None
        result, seconds = self._step(batch, carry)
        if not result.finite:
            what = "loss" if not math.isfinite(result.loss) else "gradient"
            detail = f"{what} ({result.loss}, gradient norm {result.grad_norm})"
            return carry, self._diverged(detail, p.step + 1)
        carry = result.carry if self._carries_state else None
        p.step += 1
        p.batch_index += 1
        p.elapsed += seconds
        self._emit(
            StepDone(
                p.step,
                p.epoch,
                result.loss,
                result.grad_norm,
                result.clipped,
                self.learner.lr,
                batch.n_tokens,
                seconds,
            )
        )
        if probe is not None:
            flow, histograms = probe
            flow.update(grad_norm=result.grad_norm, clipped=result.clipped)
            self._emit(ProbeTaken(p.step, "gradient_flow", flow))
            self._emit(ProbeTaken(p.step, "histograms", histograms))
        if self._eval_due(end_of_epoch=False):
            return carry, self._evaluate_and_save(carry)
        if self._interval_due():
            self._checkpoint("interval", carry)
        return carry, None

    def _probe_due(self, batch: Batch) -> bool:
        """At step 1 and every probe_every steps; a probe due on a stream's short last
        window waits for the next full one (the mean loss over fewer tokens would inflate
        every dL/dh_t and the probes would not compare)."""
        every, upcoming = self.config.train.probe_every, self.progress.step + 1
        if every is None:
            return False
        self._probe_pending |= upcoming == 1 or upcoming % every == 0
        full = not self.data.carry_state or batch.x.shape[0] == self.config.data.seq_len
        if self._probe_pending and full:
            self._probe_pending = False
            return True
        return False

    @property
    def _carries_state(self) -> bool:
        """The hidden state goes on across the windows of a stream (TrainingData)."""
        return self.data.carry_state

    def _remaining_batches(self) -> Iterator[Batch]:
        """This epoch's batches, skipping those a resumed run already consumed."""
        p = self.progress
        for index, batch in enumerate(self.batches("train", p.epoch)):
            if index >= p.batch_index:
                yield batch

    def _step(self, batch: Batch, carry: Any) -> tuple[Any, float]:
        spec = self.config.train
        time_share = None if spec.max_seconds is None else self._wall_seconds() / spec.max_seconds
        self.learner.lr = learning_rate(
            spec.schedule,
            spec.lr,
            self.progress.step,
            self.total_steps,
            spec.step_every,
            spec.step_gamma,
            time_share,
        )
        started = time.perf_counter()
        result = self.learner.train_step(batch, carry)
        return result, time.perf_counter() - started

    # ------------------------------------------------------------------ evaluation
    def _eval_due(self, end_of_epoch: bool) -> bool:
        every = self.config.train.eval_every
        if every is None:
            return end_of_epoch
        return not end_of_epoch and self.progress.step % every == 0

    def _interval_due(self) -> bool:
        every = self.config.train.checkpoint_every
        return every is not None and self.progress.step % every == 0

    def evaluate(self) -> dict[str, float]:
        """Validation metrics of the current weights (empty when there is no validation data)."""
        self._validation = validate(self.learner, self.batches("val", 0), self._carries_state)
        return validation_metrics(self._validation, self.config, self.prepared)

    def _evaluate_and_save(self, carry: Any, reason: str = "eval") -> RunEnded | None:
        """Evaluate, emit, checkpoint; the run's end when it must stop here, else None."""
        p = self.progress
        metrics = self.evaluate()
        p.last_eval_step = p.step
        val_loss = metrics.get("val_loss")
        if val_loss is not None and not math.isfinite(val_loss):
            return self._diverged(f"validation loss ({val_loss})", p.step)
        self.metrics = metrics
        best = self._select(metrics)
        if best:
            p.best_score, p.bad_evals = metrics[self.selection.key], 0
            self.best_metrics = dict(self.metrics)
        elif metrics and not self.validation_warning:
            p.bad_evals += 1
        if self.metrics:
            self._emit(Evaluated(p.step, p.epoch, dict(self.metrics), best))
            probe = evaluation_probe(self._validation, self.config.task, self.prepared, p.step)
            if probe is not None:
                self._emit(probe)
        self._checkpoint(reason, carry, best or not self.metrics)
        patience = self.config.train.early_stopping_patience
        if patience is not None and p.bad_evals >= patience:
            return self._end("early-stopped", self._patience_message())
        return None

    def _select(self, metrics: dict[str, float]) -> bool:
        """Is this evaluation the best so far by the selection metric? Never with a tiny
        validation split."""
        if self.validation_warning:
            return False
        score = metrics.get(self.selection.key)
        return self.selection.improves(score, self.progress.best_score)

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint(self, reason: str, carry: Any, best: bool = False) -> None:
        p = self.progress
        p.last_checkpoint_step = p.step
        arrays = self.learner.state_arrays()
        arrays |= {f"carry.{k}": v for k, v in self.learner.carry_to_arrays(carry).items()}
        rng_arrays, rng_meta = self.learner.rng_state()
        arrays |= {f"rng.{k}": v for k, v in rng_arrays.items()}
        meta = {
            "progress": p.to_meta(self._wall_seconds()),
            "rng": rng_meta,
            "metrics": dict(self.metrics),
            "best_metrics": dict(self.best_metrics),
            "total_steps": self.total_steps,
        }
        self._emit(CheckpointReady(p.step, p.epoch, reason, arrays, meta, best))

    def _restore(self, resume: tuple[dict[str, np.ndarray], dict[str, Any]]) -> Any:
        arrays, meta = resume
        self.learner.load_state_arrays(arrays)
        self.learner.set_rng_state(_prefixed(arrays, "rng."), meta.get("rng", {}))
        self.progress = Progress.from_meta(meta["progress"], self.selection.metric)
        self.metrics = dict(meta.get("metrics", {}))
        self.best_metrics = dict(meta.get("best_metrics", {}))
        if self.progress.batch_index >= self.steps_per_epoch:  # saved at an epoch's end
            self.progress.next_epoch()
            return None
        return self.learner.carry_from_arrays(_prefixed(arrays, "carry."))

    # ------------------------------------------------------------------ endings
    def _interrupt(self, carry: Any) -> RunEnded:
        self._checkpoint("interrupt", carry)
        step = self.progress.step
        return self._end("interrupted", f"stopped at step {step}; resume with --resume")

    def _diverged(self, what: str, step: int) -> RunEnded:
        last = self.progress.last_checkpoint_step
        kept = (
            "no checkpoint was saved before it"
            if last is None
            else f"the last good checkpoint (step {last}) is kept"
        )
        message = (
            f"non-finite {what} at step {step}; {kept}. Try a lower train.lr or "
            f"set train.clip_grad_norm."
        )
        return self._end("diverged", message)

    def _patience_message(self) -> str:
        return (
            f"validation {self.selection.metric} did not improve for "
            f"{self.progress.bad_evals} evaluations; best {self.progress.best_score:.4f}"
        )

    def _end(self, status: str, message: str) -> RunEnded:
        return RunEnded(
            self.progress.step, status, message, dict(self.metrics), dict(self.best_metrics)
        )


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
