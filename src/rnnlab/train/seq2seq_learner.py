"""The learner of ``task: seq2seq``: an encoder-decoder (``torch_engine.seq2seq``) on the
torch engine, plugged into the one trainer like ``TorchLearner``, whose optimiser,
clipping, non-finite check, dtype, device and checkpointed optimiser state it keeps.

- loss: ``sequence_loss``, the mean cross-entropy per target token (<eos> included,
  padding left out), with teacher forcing train.teacher_forcing: each decoder step past
  the first reads the true previous token with that chance, else the model's own argmax.
  The draws come from the learner's own generator (seeded by train.seed, saved in every
  checkpoint as ``rng.teacher_forcing``), so a resumed run draws what it would have.
- validation (``eval_batch``): the teacher-forced loss summed over target tokens, and the
  greedy decoding of each source up to its batch's longest reference + 1 tokens, which
  ``seq2seq_validation`` scores against the references (exact match, token accuracy).
- probe: ``seq2seq_build.seq2seq_gradient_flow`` (dL/dh per encoder and decoder step).
- states (the run's recorded sequence): h_j of each encoder layer and direction over one
  source (no gates: the encoder runs torch.nn's fused modules).
- tokens per step (``Seq2SeqBatch.n_tokens``): the target tokens predicted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnlab.data.seq2seq import Seq2SeqBatch
from rnnlab.errors import ConfigError
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss, teacher_forcing_draws
from rnnlab.torch_engine.seq2seq_build import (
    encoder_states,
    seq2seq_from_config,
    seq2seq_gradient_flow,
)
from rnnlab.torch_engine.seq2seq_search import greedy_decode
from rnnlab.train.learner import EvalOutput
from rnnlab.train.seq2seq_eval import batch_tensors
from rnnlab.train.torch_learner import TorchLearner

TEACHER_FORCING_RNG = "teacher_forcing"  # its key among a checkpoint's rng.* arrays


class Seq2SeqLearner(TorchLearner):
    """TorchLearner's loop on an encoder-decoder (module docstring)."""

    def __init__(
        self, model: Seq2Seq, config: RunConfig, dtype: torch.dtype = torch.float32
    ) -> None:
        super().__init__(model, "seq2seq", config.train, dtype=dtype)  # type: ignore[arg-type]
        self.teacher_forcing = config.train.teacher_forcing
        self.generator = torch.Generator().manual_seed(config.train.seed)  # CPU draws

    def _tensors(self, batch: Seq2SeqBatch) -> tuple[torch.Tensor, ...]:
        return batch_tensors(batch, self.device)

    def _forward_loss(self, batch: Any, carry: Any) -> tuple[torch.Tensor, Any]:
        return self._loss_with(batch, self._draws(batch)), None

    def _draws(self, batch: Seq2SeqBatch) -> torch.Tensor:
        """(T, B) bool: which decoder steps of `batch` read the true previous token."""
        T = batch.decoder_inputs.shape[0]
        return teacher_forcing_draws(self.teacher_forcing, T, batch.size, self.generator)

    def _loss_with(self, batch: Seq2SeqBatch, use_truth: torch.Tensor) -> torch.Tensor:
        """The mean loss per target token of `batch` with the teacher-forcing draws."""
        src, lengths, tgt_in, tgt_out = self._tensors(batch)
        with self._autocast():
            out = self.train_module(src, lengths, tgt_in, self.teacher_forcing, use_truth=use_truth)
        return sequence_loss(out.logits.to(self.dtype), tgt_out)

    @torch.no_grad()
    def eval_batch(self, batch: Any, carry: Any) -> EvalOutput:
        """Summed teacher-forced loss over the target tokens; greedy ids (T, B)."""
        self.model.eval()
        src, lengths, tgt_in, tgt_out = self._tensors(batch)
        with self._autocast():
            logits = self.model(src, lengths, tgt_in).logits.to(self.dtype)
            max_len = int(batch.tgt_lengths.max()) + 1
            decoded = greedy_decode(self.model, src, lengths, max_len)
        loss_sum = float(sequence_loss(logits, tgt_out)) * batch.n_tokens
        return EvalOutput(loss_sum, batch.n_tokens, decoded.ids.cpu().numpy(), None)

    def probe(self, batch: Any, carry: Any, step: int) -> tuple[dict, dict]:
        src, lengths, tgt_in, tgt_out = self._tensors(batch)
        return seq2seq_gradient_flow(self.model, src, lengths, tgt_in, tgt_out, step)

    def device_probe(self, batch: Any, carry: Any, step: int) -> tuple[dict, dict]:
        return self.probe(batch, carry, step)

    def states(self, x: np.ndarray, tokens: list[str]) -> dict[str, Any]:
        """h_j of every encoder layer and direction over one source x (S, 1)."""
        return encoder_states(self.model, x, tokens)

    def reference_model(self) -> SequenceModelNP:
        raise ConfigError(
            "task seq2seq has no reference-engine twin (train.engine torch only); its probes "
            "run on the torch engine"
        )

    def rng_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """torch's generators and the teacher-forcing draws' own."""
        arrays, meta = super().rng_state()
        arrays[TEACHER_FORCING_RNG] = self.generator.get_state().numpy().copy()
        return arrays, meta

    def set_rng_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super().set_rng_state(arrays, meta)
        if TEACHER_FORCING_RNG in arrays:
            state = np.array(arrays[TEACHER_FORCING_RNG], dtype=np.uint8)
            self.generator.set_state(torch.from_numpy(state))


def build_seq2seq_learner(
    config: RunConfig, prepared: Any, dtype: str = "float32"
) -> Seq2SeqLearner:
    """The seeded encoder-decoder of `config` on the prepared data's vocabularies."""
    data = prepared.data
    model = seq2seq_from_config(config, len(data.source_vocab), len(data.target_vocab))
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    learner = Seq2SeqLearner(model, config, torch_dtype)
    torch.manual_seed(config.train.seed)  # dropout masks
    return learner
