"""Drawing the next token from a language model's logits: greedy, temperature, top-k,
top-p, n rows at once (``sample_tokens``), and the check of those options."""

from __future__ import annotations

import numpy as np

from rnnlab.data.vocab import PAD_ID, UNK_ID
from rnnlab.errors import ConfigError


def sample_tokens(
    logits: np.ndarray,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> list[int]:
    """One token id per row of logits (n, V): greedy when temperature is 0, else sampled
    from softmax(logits / temperature) restricted to the top-k ids and/or the smallest set
    of ids whose probability reaches top_p. <pad> and <unk> are never produced. Rows draw
    in order from `rng`, one uniform number each, so n rows at once draw what n calls on
    one row each would."""
    logits = np.array(logits, dtype=np.float64, ndmin=2)  # (n, V), a copy
    logits[:, PAD_ID] = logits[:, UNK_ID] = -np.inf
    if temperature == 0:
        return logits.argmax(axis=1).tolist()
    z = logits / temperature  # (n, V)
    probs = np.exp(z - z.max(axis=1, keepdims=True))  # (n, V) unnormalised
    if top_k is None and top_p is None:  # every id is a candidate: all rows in one go
        return _inverse_cdf_draws(probs, rng)
    return [_draw_among_top(row, rng, top_k, top_p) for row in probs]


def _draw_among_top(
    probs: np.ndarray, rng: np.random.Generator, top_k: int | None, top_p: float | None
) -> int:
    """One id drawn from probs (V,) restricted to the top-k / top-p candidates."""
    order = np.argsort(-probs, kind="stable")  # most likely first
    keep = len(order) if top_k is None else min(top_k, len(order))
    if top_p is not None:
        mass = np.cumsum(probs[order]) / probs.sum()
        keep = min(keep, int(np.searchsorted(mass, top_p)) + 1)
    candidates = order[:keep]
    return int(candidates[_inverse_cdf_draws(probs[candidates][None], rng)[0]])


def _inverse_cdf_draws(weights: np.ndarray, rng: np.random.Generator) -> list[int]:
    """Per row of weights (n, K), an index drawn with probability proportional to it."""
    cumulative = np.cumsum(weights, axis=1)  # (n, K)
    u = rng.random(len(weights)) * cumulative[:, -1]  # (n,)
    index = (cumulative <= u[:, None]).sum(axis=1)  # searchsorted(side="right") per row
    return np.minimum(index, weights.shape[1] - 1).tolist()


def sample_token(
    logits: np.ndarray,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> int:
    """One token id from logits (V,): ``sample_tokens`` on one row."""
    return sample_tokens(np.asarray(logits)[None], rng, temperature, top_k, top_p)[0]


def check_sampling(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature >= 0:
        raise ConfigError(f"temperature: expected a number >= 0, received {temperature}")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k: expected a positive integer, received {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ConfigError(f"top_p: expected a number in (0, 1], received {top_p}")
