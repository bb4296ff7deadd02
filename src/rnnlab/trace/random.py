"""Small random networks to explore with the calculator.

Weights and inputs are drawn uniformly from [-1, 1] and rounded to one decimal
so that a student can follow the arithmetic by hand.
"""

from __future__ import annotations

import numpy as np

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.trace.spec import TraceSpec, validate

MAX_SIZE = 16  # the calculator prints every number: keep it small


def _rounded(rng: np.random.Generator, *shape: int, decimals: int = 1) -> list:
    """Uniform in [-1, 1] to `decimals` places; a value that rounds to -0.0 is 0.0 (+ 0.0)."""
    return (np.round(rng.uniform(-1.0, 1.0, shape), decimals) + 0.0).tolist()


def _target(rng: np.random.Generator, output: str, steps_out: int, outputs: int) -> list:
    """One target per output step: class indices, 0/1 values or numbers in [-1, 1]."""
    if output == "softmax":
        return rng.integers(0, outputs, steps_out).tolist()
    if output == "sigmoid":
        return rng.integers(0, 2, (steps_out, outputs)).astype(float).tolist()
    return _rounded(rng, steps_out, outputs)


def random_trace_spec(
    cell: str = "rnn",
    input_size: int = 2,
    hidden_size: int = 2,
    steps: int = 3,
    seed: int = 0,
    output: str = "sigmoid",
    readout: str = "last",
    output_size: int = 1,
    nonlinearity: str | None = None,
) -> TraceSpec:
    """A random network and input sequence, with a target so BPTT is shown too
    (nonlinearity None: the cell's default)."""
    for name, value in (
        ("input_size", input_size),
        ("hidden_size", hidden_size),
        ("steps", steps),
        ("output_size", output_size),
    ):
        if not 1 <= value <= MAX_SIZE:
            raise ConfigError(
                f"{name}: expected 1..{MAX_SIZE} for the calculator, received {value}"
            )
    cell_type = cells.get(cell)  # ConfigError listing the cells
    rng = np.random.default_rng(seed)
    weights = {  # drawn in the cell's parameter order; a constant-initialised one (a gain) kept
        p.symbol: _rounded(rng, *p.shape(input_size, hidden_size))
        for p in cell_type.params
        if p.init == "uniform"
    }
    weights.update(W_hy=_rounded(rng, output_size, hidden_size), b_y=_rounded(rng, output_size))
    target = _target(rng, output, steps if readout == "every" else 1, output_size)
    inputs = _rounded(rng, steps, input_size)  # after the target: the draws of seed n stay put
    spec = TraceSpec.model_validate(
        {
            "title": f"Random {cell_type.display_name} (seed {seed})",
            "cell": cell,
            "nonlinearity": nonlinearity,
            "weights": weights,
            "inputs": inputs,
            "output": output,
            "readout": readout,
            "target": target[0] if readout == "last" else target,
        }
    )
    validate(spec)  # the cell's options (its nonlinearity) too
    return spec
