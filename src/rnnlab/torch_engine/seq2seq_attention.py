r"""Attention over an encoder's outputs: additive (Bahdanau) and dot-product (Luong).

At decoder step t the query is the decoder state s (a column vector of size H_d), the
memory the encoder outputs h_1 .. h_S (each of size M; M = 2 H_e for a bidirectional
encoder). Every kind scores each source position j, turns the scores into weights with a
softmax over the real positions of the sequence, and mixes the memory:

.. math::

    e_j = \mathrm{score}(s, h_j) \qquad (j = 1 .. S)
    a_j = \frac{m_j \exp(e_j)}{\sum_k m_k \exp(e_k)}
    c   = \sum_j a_j h_j

with m_j = 1 for a real source position and 0 for padding (j past the source's length),
so a_j = 0 exactly on padding and the a_j of a sequence sum to 1. The scores:

.. math::

    \text{additive:} \quad e_j = v^T \tanh(W_s s + W_h h_j)
    \text{dot:}      \quad e_j = s^T h_j
    \text{general:}  \quad e_j = s^T W_a h_j

- W_s (A x H_d), W_h (A x M), v (A): the additive score's parameters; A the attention
  size. W_h has the only bias (b_h, folding W_s's and W_h's biases into one).
- W_a (H_d x M): the general score's matrix; dot needs H_d = M and has no parameters.

The part of the score that depends only on the memory (W_h h_j for additive, W_a h_j
for general, h_j itself for dot) is computed once per source by ``keys`` and reused at
every decoder step.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.errors import ConfigError

ATTENTION_KINDS = ("additive", "dot", "general")


class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015): e_j = v^T tanh(W_s s + W_h h_j)."""

    def __init__(self, query_size: int, memory_size: int, attention_size: int) -> None:
        super().__init__()
        self.W_s = nn.Linear(query_size, attention_size, bias=False)
        self.W_h = nn.Linear(memory_size, attention_size)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        return self.W_h(memory)  # (S, B, A)  W_h h_j + b_h

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        hidden = torch.tanh(keys + self.W_s(query).unsqueeze(0))  # (S, B, A)
        return self.v(hidden).squeeze(-1)  # (S, B)


class DotAttention(nn.Module):
    """Luong et al. (2015): e_j = s^T h_j (dot) or s^T W_a h_j (general)."""

    def __init__(self, query_size: int, memory_size: int, general: bool) -> None:
        super().__init__()
        if not general and query_size != memory_size:
            raise ConfigError(
                f"model.attention dot: the decoder's hidden size ({query_size}) must equal the "
                f"encoder's output size ({memory_size}, x2 when bidirectional); use "
                "attention general (s^T W_a h_j) or make the sizes equal"
            )
        self.W_a = nn.Linear(memory_size, query_size, bias=False) if general else None

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        return memory if self.W_a is None else self.W_a(memory)  # (S, B, H_d)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        return (keys * query.unsqueeze(0)).sum(-1)  # (S, B)  s^T k_j


Attention = AdditiveAttention | DotAttention


def make_attention(
    kind: str | None, query_size: int, memory_size: int, attention_size: int | None = None
) -> Attention | None:
    """The attention module of `kind` (None: no attention); attention_size defaults to
    the query size (additive only)."""
    if kind is None:
        return None
    if kind == "additive":
        return AdditiveAttention(query_size, memory_size, attention_size or query_size)
    if kind in ("dot", "general"):
        return DotAttention(query_size, memory_size, general=kind == "general")
    raise ConfigError(
        f"model.attention: expected one of {' | '.join(ATTENTION_KINDS)} or none, received {kind!r}"
    )


def attend(
    attention: Attention,
    query: torch.Tensor,
    keys: torch.Tensor,
    memory: torch.Tensor,
    mask: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(context c (B, M), weights a (B, S)) for query s (B, H_d), keys (S, B, K), memory
    (S, B, M) and mask (S, B) bool, True on real source positions."""
    scores = attention.scores(query, keys).masked_fill(~mask, float("-inf"))  # (S, B)
    weights = torch.softmax(scores, dim=0)  # (S, B)  zero where mask is False
    context = (weights.unsqueeze(-1) * memory).sum(0)  # (B, M)
    return context, weights.transpose(0, 1)  # (B, M), (B, S)
