"""What a probe records, as plain JSON-able payloads (the trainer makes them, the store
keeps them, ``viz`` draws them). This module only documents and checks the shapes.

gradient_flow (every train.probe_every steps)::

    {"step": 200, "time_steps": T,
     "series": [{"layer": 0, "direction": "forward", "norms": [T floats]}, ...],
     "param_norms": {"rnn.weight_hh_l0": 0.12, ...},   # ||dL/dW|| per parameter
     "grad_norm": 1.3, "clipped": false}

  ``norms[t]`` is the mean over the batch of ||dL/dh_t||_2 for 0-based step t of that
  layer and direction, in time order (a reverse direction is flipped back), where
  dL/dh_t is the total gradient reaching h_t (from the output above and from step t+1).
  Small values at early t are vanishing gradients; growing ones, exploding.

histograms (with each gradient_flow probe)::

    {"step": 200, "params": {name: {"edges": [B+1 floats], "counts": [B ints]}},
     "grads": {name: {"edges": [...], "counts": [...]}}}

states (for one input sequence; on demand, and stored at the end of a run)::

    {"tokens": ["t", "h", "e", ...], "cell": "lstm",
     "layers": [{"layer": 0, "direction": "forward",
                 "h": [[H floats] per token], "c": [[H] per token] (cells with a state),
                 "gates": {"i": [[H] per token], "f": ..., "g": ..., "o": ...}}]}

  ``cell`` is a name of the cell registry (``rnnlab.cells``), whose record says which
  gates there are, in storage order (LSTM i f g o, GRU r z n; a vanilla RNN has none:
  {}), and whether c is recorded. Rows are in token order.

confusion (classify, at each evaluation)::

    {"step": 200, "classes": ["0", "1"], "counts": [[45, 5], [7, 43]]}   # [true][predicted]

forecast (forecast on a series, at each evaluation)::

    {"step": 200, "values": [N floats: the whole series], "val_start": n_train,
     "positions": [indices of the validation targets], "predicted": [one-step-ahead values]}
"""

from __future__ import annotations

from typing import Any

from rnnlab.errors import DataError

KINDS = ("gradient_flow", "histograms", "states", "confusion", "forecast")


def check_payload(kind: str, payload: dict[str, Any]) -> None:
    """DataError unless `payload` has the fields its kind promises."""
    required = {
        "gradient_flow": ("step", "time_steps", "series", "param_norms"),
        "histograms": ("step", "params", "grads"),
        "states": ("tokens", "cell", "layers"),
        "confusion": ("step", "classes", "counts"),
        "forecast": ("step", "values", "val_start", "positions", "predicted"),
    }.get(kind)
    if required is None:
        raise DataError(f"probe kind: expected one of {' | '.join(KINDS)}, received {kind!r}")
    missing = [field for field in required if field not in payload]
    if missing:
        raise DataError(f"{kind} probe: missing fields {missing}")
