"""Figures of an encoder-decoder: the attention map of one input.

The map is a heatmap with one row per output step t (the token the decoder emitted
there, ``yticklabels``) and one column per source token j (``xticklabels``); the colour
is the attention weight a_{t,j} on 0..1 (each row sums to 1 over the real source
tokens). Positions are 0-based integers, so repeated tokens stay distinct. ``rows_down``
asks a renderer to put row 0 (the first output step) on top, as the map is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlab.errors import DataError
from rnnlab.viz._common import nums

Figure = dict[str, Any]


def attention_map(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    weights: Any,
    title: str = "Attention",
) -> Figure:
    """Heatmap of `weights` (T, S): output steps (rows) x source tokens (columns).

    weights: one example's ``Seq2SeqOutput.attention[:, b]`` or ``Decoded.attention[:, b]``
    (as NumPy or nested lists), cut to its T output tokens and S source tokens.
    """
    z = np.asarray(weights, dtype=np.float64)
    expected = (len(target_tokens), len(source_tokens))
    if z.ndim != 2 or z.shape != expected:
        raise DataError(
            f"attention weights: expected shape {expected} (output tokens x source tokens), "
            f"received {tuple(z.shape)}"
        )
    return {
        "kind": "heatmap",
        "title": title,
        "subtitle": f"{len(target_tokens)} output x {len(source_tokens)} source tokens",
        "xlabel": "source token",
        "ylabel": "output step",
        "colorbar": "attention weight",
        "x": list(range(len(source_tokens))),
        "y": list(range(len(target_tokens))),
        "z": [nums(row) for row in z.tolist()],
        "xticklabels": [str(t) for t in source_tokens],
        "yticklabels": [str(t) for t in target_tokens],
        "zmin": 0.0,
        "zmax": 1.0,
        "rows_down": True,  # read like text: the first output step on top
    }
