"""Evaluating an encoder-decoder on a split: teacher-forced loss and decoded accuracy.

The loss is the mean cross-entropy per target token (<eos> included) with the true
previous tokens as inputs (teacher forcing 1), the number training minimises. The
accuracies come from decoding the sources (greedy, or beam search with ``beam_size`` > 1)
and comparing with the references (``seq2seq_metrics``). Each batch is decoded up to
its longest reference + 1 tokens: enough to see whether a prediction ends where its
reference does, which is all exact match and token accuracy look at.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from rnnlab.data.checks import check_int
from rnnlab.data.seq2seq import Seq2SeqBatch, Seq2SeqData
from rnnlab.errors import DataError
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss
from rnnlab.torch_engine.seq2seq_search import beam_search, greedy_decode
from rnnlab.train.seq2seq_metrics import columns, decoded_scores

Split = Literal["train", "val"]


def batch_tensors(batch: Seq2SeqBatch, device: torch.device | str) -> tuple[torch.Tensor, ...]:
    """(src (S, B), src_lengths (B,) on the CPU, decoder inputs (T, B), decoder targets
    (T, B)) as tensors, the ids on `device` (DEVELOPERS.md: lengths stay on the CPU)."""
    src, tgt_in, tgt_out = (
        torch.as_tensor(a).to(device)
        for a in (batch.src, batch.decoder_inputs, batch.decoder_targets)
    )
    return src, torch.as_tensor(batch.src_lengths), tgt_in, tgt_out


@torch.no_grad()
def evaluate_seq2seq(
    model: Seq2Seq,
    data: Seq2SeqData,
    split: Split = "val",
    *,
    batch_size: int = 256,
    beam_size: int = 1,
) -> dict[str, float]:
    """{"loss", "exact_match", "token_accuracy", "examples"} of `split` (model left in the
    mode it came in), and "bleu" for word-level data when sacrebleu is installed."""
    check_int(batch_size, "batch_size", 1)
    check_int(beam_size, "beam_size", 1)
    if data.size(split) == 0:
        raise DataError(f"{data.source}: the {split} split is empty; nothing to evaluate")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    loss_sum, tokens = 0.0, 0
    predicted: list[np.ndarray] = []
    reference: list[np.ndarray] = []
    try:
        for batch in data.batches(split, batch_size):
            src, lengths, tgt_in, tgt_out = batch_tensors(batch, device)
            loss = sequence_loss(model(src, lengths, tgt_in).logits, tgt_out)
            loss_sum += float(loss) * batch.n_tokens
            tokens += batch.n_tokens
            max_len = int(batch.tgt_lengths.max()) + 1
            if beam_size == 1:
                decoded = greedy_decode(model, src, lengths, max_len)
            else:
                decoded = beam_search(model, src, lengths, max_len, beam_size)
            predicted += columns(decoded.ids.cpu().numpy())
            reference += columns(batch.decoder_targets)
    finally:
        model.train(was_training)
    decode = data.decode_target if data.tokenizer.kind == "word" else None  # sentences: BLEU
    scores = decoded_scores(predicted, reference, decode)
    return {"loss": loss_sum / tokens, **scores, "examples": float(len(reference))}
