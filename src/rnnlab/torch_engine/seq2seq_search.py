r"""Decoding a Seq2Seq model: greedy and beam search, from <bos> until <eos> or max_len.

Greedy picks \hat y_t = argmax_y p(y | \hat y_{<t}, x) at every step. Beam search keeps
the k partial targets with the highest log-probability

.. math::

    \mathrm{score}(y_{1..t}) = \sum_{i=1}^{t} \log p(y_i | y_{<i}, x)

extends each by every token, keeps the best k that do not end in <eos>, and sets aside
the ones that do and rank among the k best of the step. Without a length penalty it stops
as soon as an ended target scores at least the best live one (no extension can do
better); with one (score / t^alpha, alpha > 0) when k targets have ended; at max_len it
takes the live ones if none ended. It returns the ended target with the best
score / t^alpha (alpha = 0 by default: plain log-probability, so a beam of 1 is greedy
decoding).

Both return ``Decoded``: ids (T, B) time-major, each column the tokens up to and
including its <eos> (then <pad>), and the attention weights (T, B, S) of those steps
(zero after <eos>), or None for a model without attention.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnlab.errors import ConfigError
from rnnlab.torch_engine.seq2seq import Encoded, Seq2Seq


@dataclass(frozen=True)
class Decoded:
    ids: torch.Tensor  # (T, B) int64, <eos> included, <pad> after
    attention: torch.Tensor | None  # (T, B, S)


def _check(max_len: int, beam_size: int = 1) -> None:
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ConfigError(f"max_len: expected an integer >= 1, received {max_len!r}")
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ConfigError(f"beam_size: expected an integer >= 1, received {beam_size!r}")


@torch.no_grad()
def greedy_decode(
    model: Seq2Seq, src: torch.Tensor, src_lengths: torch.Tensor, max_len: int
) -> Decoded:
    """Argmax decoding of a batch: src (S, B), src_lengths (B,)."""
    _check(max_len)
    enc = model.encode(src, src_lengths)
    B = src.shape[1]
    y_prev = torch.full((B,), model.bos_id, dtype=torch.long, device=src.device)  # (B,)
    done = torch.zeros(B, dtype=torch.bool, device=src.device)  # (B,)
    state, ids, weights = enc.state, [], []
    for _ in range(max_len):
        logits, state, step_weights = model.decoder.step(y_prev, state, enc)  # (B, V)
        token = logits.argmax(-1).masked_fill(done, model.pad_id)  # (B,)
        ids.append(token)
        if step_weights is not None:
            weights.append(step_weights.masked_fill(done.unsqueeze(1), 0.0))  # (B, S)
        done = done | (token == model.eos_id)
        y_prev = token
        if bool(done.all()):
            break
    attention = torch.stack(weights) if weights else None  # (T, B, S)
    return Decoded(ids=torch.stack(ids), attention=attention)


@torch.no_grad()
def beam_search(
    model: Seq2Seq,
    src: torch.Tensor,
    src_lengths: torch.Tensor,
    max_len: int,
    beam_size: int = 4,
    length_penalty: float = 0.0,
) -> Decoded:
    """The best target of each source by beam search (one source at a time)."""
    _check(max_len, beam_size)
    enc = model.encode(src, src_lengths)
    best = [
        _beam_one(
            model,
            enc.select(torch.tensor([b], device=src.device)),
            max_len,
            beam_size,
            length_penalty,
        )
        for b in range(src.shape[1])
    ]
    return _pad_columns(model, best, src.shape[0])


Hypothesis = tuple[float, list[int], list[torch.Tensor]]  # (score, ids, attention rows (S,))


def _beam_one(model: Seq2Seq, enc: Encoded, max_len: int, k: int, alpha: float) -> Hypothesis:
    """Beam search for one source (enc holds a batch of 1)."""
    device = enc.memory.device
    alive: list[Hypothesis] = [(0.0, [], [])]
    state = enc.state
    finished: list[Hypothesis] = []
    for _ in range(max_len):
        rows = torch.zeros(len(alive), dtype=torch.long, device=device)  # (k',)
        y_prev = torch.tensor(
            [h[1][-1] if h[1] else model.bos_id for h in alive], dtype=torch.long, device=device
        )  # (k',)
        logits, state, weights = model.decoder.step(y_prev, state, enc.select(rows))
        logp = torch.log_softmax(logits.float(), dim=-1)  # (k', V)
        total = torch.tensor([h[0] for h in alive], device=device).unsqueeze(1) + logp
        top_scores, top_index = total.reshape(-1).topk(min(2 * k, total.numel()))
        keep, new_alive = [], []
        candidates = zip(top_scores.tolist(), top_index.tolist(), strict=True)
        for rank, (score, index) in enumerate(candidates):
            parent, token = divmod(index, logp.shape[1])
            rows_so_far = alive[parent][2] + ([] if weights is None else [weights[parent]])
            hyp = (score, [*alive[parent][1], token], rows_so_far)
            if token == model.eos_id:
                if rank < k:  # an ending among the k best candidates of this step
                    finished.append(hyp)
            elif len(new_alive) < k:
                new_alive.append(hyp)
                keep.append(parent)
        if not new_alive or _settled(finished, new_alive, k, alpha):
            break
        index = torch.tensor(keep, dtype=torch.long, device=device)
        state = (state[0][index], None if state[1] is None else state[1][index])
        alive = new_alive
    pool = finished or alive
    return max(pool, key=lambda h: h[0] / max(len(h[1]), 1) ** alpha)


def _settled(finished: list[Hypothesis], alive: list[Hypothesis], k: int, alpha: float) -> bool:
    """Whether to stop: without a length penalty, once an ended target scores at least the
    best live one (extending a target only lowers its log-probability), so the result is
    final; with one (alpha > 0), once k targets have ended."""
    if alpha > 0:
        return len(finished) >= k
    return bool(finished) and max(h[0] for h in finished) >= alive[0][0]


def _pad_columns(model: Seq2Seq, best: list[Hypothesis], S: int) -> Decoded:
    T = max(len(h[1]) for h in best)
    B = len(best)
    device = next(model.parameters()).device
    ids = torch.full((T, B), model.pad_id, dtype=torch.long, device=device)  # (T, B)
    has_attention = model.decoder.attention is not None
    attention = torch.zeros((T, B, S), device=device) if has_attention else None  # (T, B, S)
    for b, (_, tokens, rows) in enumerate(best):
        ids[: len(tokens), b] = torch.tensor(tokens, dtype=torch.long, device=device)
        if attention is not None and rows:
            attention[: len(rows), b] = torch.stack(rows)
    return Decoded(ids=ids, attention=attention)
