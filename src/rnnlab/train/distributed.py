"""Data-parallel training on torch.distributed: one run, several processes (ranks).

Every rank builds the same data and the same seeded model and walks the same global
batches (their order is a pure function of seed and epoch). The learner of rank r
trains on its shard of each global batch: a slice of the LM streams (columns), or of
the classify / forecast / tag examples, or of a seq2seq batch's pairs (``shard_pairs``;
the teacher-forcing draws are made for the whole batch on every rank from the same
generator, then each rank takes its columns, so N ranks draw what one process draws).
DistributedDataParallel averages the gradients over the ranks; each rank's loss is its
shard's mean scaled by ``n_r * world / n`` (n_r of the batch's n loss terms), so the
average is the gradient of the mean over the whole batch, exactly what one process
computes, whatever the shard sizes (a short last batch included). Ranks then hold the
same gradients, norms and weights.

The carried LM hidden state is gathered from every rank into one ``(layers, B, H)``
state for checkpoints, so a checkpoint looks like a one-process run's; each rank
takes its columns back on resume. Ranks agree to stop (Ctrl-C on any rank) before each
step. Evaluation runs on the whole validation split on every rank (the same numbers,
so early stopping decides alike everywhere); probes are off.
"""

from __future__ import annotations

import gc
import os
from datetime import timedelta
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from rnnlab.data.batches import Batch
from rnnlab.data.seq2seq import Seq2SeqBatch
from rnnlab.data.tag_data import IGNORE_INDEX
from rnnlab.errors import ConfigError
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine import SequenceModel
from rnnlab.torch_engine.seq2seq import Seq2Seq
from rnnlab.torch_engine.seq2seq_build import seq2seq_from_config
from rnnlab.train.build import build_torch_model, frozen_parameters
from rnnlab.train.seq2seq_learner import Seq2SeqLearner
from rnnlab.train.torch_learner import TorchLearner, resolve_device
from rnnlab.train.trainer import Trainer

# How long a rank waits for the others at a collective before giving up (a peer that
# hangs without dying; a dead peer's closed socket ends the wait at once).
COLLECTIVE_TIMEOUT = timedelta(minutes=5)


def check_distributed(config: RunConfig, world: int) -> None:
    """ConfigError for a config that `world` ranks cannot train as one run."""
    if world < 1:
        raise ConfigError(f"--nproc: expected an integer >= 1, received {world}")
    if world == 1:
        return
    spec = config.train
    if spec.engine != "torch":
        raise ConfigError(
            f"train.engine: numpy trains in one process; --nproc {world} needs train.engine "
            "torch (torch.distributed), or use --nproc 1"
        )
    if spec.batch_size % world:
        raise ConfigError(
            f"train.batch_size: {spec.batch_size} does not split into {world} equal shards "
            f"(--nproc {world}); expected a multiple of {world}"
        )
    if spec.max_seconds is not None:
        raise ConfigError(
            f"train.max_seconds: a time budget is not supported with --nproc {world} (the "
            "ranks' clocks would disagree on the last step); use train.max_steps instead"
        )


def start_ranks(rank: int, world: int) -> None:
    """Join the process group (MASTER_ADDR / MASTER_PORT from the environment): gloo for
    CPU tensors, NCCL for GPU ones where there is a GPU."""
    backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(
        backend, rank=rank, world_size=world, timeout=COLLECTIVE_TIMEOUT, init_method="env://"
    )


def rank_device(device: str) -> torch.device:
    """The device this rank trains on: train.device, a GPU's index being the local rank."""
    chosen = resolve_device(device)
    if chosen.type != "cuda":
        return chosen
    local = int(os.environ.get("LOCAL_RANK", dist.get_rank())) % torch.cuda.device_count()
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


def stop_ranks() -> None:
    """Leave the process group, once no DDP wrapper holds it any more (one collected after
    the group is gone aborted the process at exit, now and then)."""
    if dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def broadcast_bytes(data: bytes | None) -> bytes:
    """Rank 0's `data` on every rank (the others pass None)."""
    size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64)
    dist.broadcast(size, src=0)
    buffer = torch.zeros(int(size.item()), dtype=torch.uint8)
    if data is not None:
        buffer = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    dist.broadcast(buffer, src=0)
    return buffer.numpy().tobytes()


def all_ranks_ok(ok: bool) -> bool:
    """True when `ok` holds on every rank (each rank must call it)."""
    flag = torch.tensor([int(ok)], dtype=torch.int64)
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    return bool(flag.item())


def shard_columns(size: int, rank: int, world: int) -> np.ndarray:
    """The batch columns of `rank`: contiguous, sizes differing by at most one."""
    return np.array_split(np.arange(size), world)[rank]


def shard_batch(batch: Batch, task: str, rank: int, world: int) -> tuple[Batch, float]:
    """(this rank's part of a global batch, the weight of its mean loss). A rank left
    without examples (a last batch smaller than the world) trains on one with weight 0."""
    columns = shard_columns(batch.size, rank, world)
    empty = len(columns) == 0
    if empty:
        columns = np.arange(1)
    per_step = task in ("language-model", "tag")  # y (T, B): a target per time step
    y = batch.y[:, columns] if per_step else batch.y[columns]
    lengths = None if batch.lengths is None else batch.lengths[columns]
    x = batch.x[:, columns]  # (T, b[, D])
    if lengths is not None:
        x = x[: int(lengths.max())]  # padding beyond this shard's longest sequence
        y = y[: x.shape[0]] if per_step else y
    # a tagger's loss is a mean over real tokens: weigh a shard by its share of them
    count = (lambda a: int((a != IGNORE_INDEX).sum())) if task == "tag" else np.size
    weight = 0.0 if empty else count(y) * world / count(batch.y)
    return Batch(x=np.ascontiguousarray(x), y=np.ascontiguousarray(y), lengths=lengths), weight


def shard_pairs(batch: Seq2SeqBatch, rank: int, world: int) -> tuple[Seq2SeqBatch, Any, float]:
    """(this rank's pairs of a seq2seq batch, their columns, the weight of its mean loss per
    target token), padding past the shard's longest source and target cut off."""
    columns = shard_columns(batch.size, rank, world)
    empty = len(columns) == 0
    if empty:
        columns = np.arange(1)
    src_lengths, tgt_lengths = batch.src_lengths[columns], batch.tgt_lengths[columns]
    local = Seq2SeqBatch(
        src=np.ascontiguousarray(batch.src[: int(src_lengths.max()), columns]),  # (S_r, b)
        src_lengths=src_lengths,
        tgt=np.ascontiguousarray(batch.tgt[: int(tgt_lengths.max()) + 1, columns]),  # <bos>..
        tgt_lengths=tgt_lengths,
    )
    return local, columns, 0.0 if empty else local.n_tokens * world / batch.n_tokens


class DataParallel:
    """What a rank adds to a torch learner: DDP around its model (rank 0's parameters are
    copied to every rank here) and the global batch's mean loss in the step's numbers."""

    def _join(self: Any, device: torch.device) -> None:
        self.device = device
        self.model = self.model.to(device)
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        ids = [device.index] if device.type == "cuda" else None
        self.train_module = DistributedDataParallel(self.model, device_ids=ids)

    def _step_numbers(self: Any, loss: torch.Tensor) -> tuple[float, float, float]:
        """The global batch's mean loss (the ranks' weighted losses summed / world)."""
        total = loss.detach().clone()
        dist.all_reduce(total)
        return super()._step_numbers(total / self.world)  # type: ignore[misc]


class DistributedTorchLearner(DataParallel, TorchLearner):
    """The torch learner of one rank: its shard of every batch, gradients averaged by DDP."""

    def __init__(
        self,
        model: SequenceModel,
        task: str,
        config: RunConfig,
        device: torch.device,
        frozen: frozenset[str] = frozenset(),
    ) -> None:
        spec = config.train.model_copy(update={"device": device.type})
        super().__init__(model, task, spec, frozen)
        self._join(device)

    def _forward_loss(self, batch: Batch, carry: Any) -> tuple[torch.Tensor, Any]:
        local, weight = shard_batch(batch, self.task, self.rank, self.world)
        loss, state = super()._forward_loss(local, carry)
        return loss * weight, state

    def carry_to_arrays(self, carry: Any) -> dict[str, np.ndarray]:
        """Every rank's columns of the carried state, as one (layers, B, H) state."""
        if carry is None:
            return {}
        parts = carry if isinstance(carry, tuple) else (carry,)
        arrays = {}
        for key, part in zip(("h", "c"), parts, strict=False):
            pieces = [torch.empty_like(part) for _ in range(self.world)]
            dist.all_gather(pieces, part.contiguous())
            arrays[key] = torch.cat(pieces, dim=1).cpu().numpy().copy()
        return arrays

    def carry_from_arrays(self, arrays: dict[str, np.ndarray]) -> Any:
        if not arrays:
            return None
        columns = shard_columns(arrays["h"].shape[1], self.rank, self.world)
        mine = {key: np.ascontiguousarray(value[:, columns]) for key, value in arrays.items()}
        return super().carry_from_arrays(mine)


def build_distributed_learner(
    config: RunConfig, prepared: Any, device: torch.device, embedding: np.ndarray | None = None
) -> TorchLearner:
    """This rank's learner, from the same seeded model as ``build_learner``'s."""
    if config.task == "seq2seq":
        data = prepared.data
        pairs = seq2seq_from_config(config, len(data.source_vocab), len(data.target_vocab))
        torch.manual_seed(config.train.seed)  # dropout masks
        return DistributedSeq2SeqLearner(pairs, config, device)
    model = build_torch_model(config, prepared, embedding)
    torch.manual_seed(config.train.seed)  # dropout masks
    return DistributedTorchLearner(model, config.task, config, device, frozen_parameters(config))


class DistributedSeq2SeqLearner(DataParallel, Seq2SeqLearner):
    """The encoder-decoder's learner of one rank. Every rank draws the teacher-forcing
    choices of the whole batch from the same seeded generator, as one process does, and
    takes its columns: N ranks train what one process trains, and rank 0's saved generator
    is every rank's."""

    def __init__(self, model: Seq2Seq, config: RunConfig, device: torch.device) -> None:
        train = config.train.model_copy(update={"device": device.type})
        super().__init__(model, config.model_copy(update={"train": train}))
        self._join(device)

    def _forward_loss(self, batch: Any, carry: Any) -> tuple[torch.Tensor, Any]:
        draws = self._draws(batch)  # (T, B) of the whole batch
        local, columns, weight = shard_pairs(batch, self.rank, self.world)
        mine = draws[: local.decoder_inputs.shape[0], columns]  # (T_r, b)
        return self._loss_with(local, mine) * weight, None


class DistributedTrainer(Trainer):
    """The trainer of one rank: ranks agree before each step whether to stop; no probes;
    the states of one sequence are recorded by rank 0 only."""

    def _stop_requested(self) -> bool:
        flag = torch.tensor([float(self._stop.is_set())], device=self.learner.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item() > 0)

    def _probe_due(self, batch: Batch) -> bool:
        return False

    def _record_states(self) -> None:
        if dist.get_rank() == 0:
            super()._record_states()
