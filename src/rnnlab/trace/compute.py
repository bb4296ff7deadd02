"""Run a TraceSpec through the reference engine and collect every number it cached.

Nothing here computes the network's maths: the forward and backward passes are
``Recurrent``, ``Readout``, ``Linear`` and the losses of ``rnnlab.reference``; this
module only reads their tapes and lays the numbers out per time step. Which numbers of
a step matter is the cell's to say (its ``forward_values`` and ``backward_values``
hooks, ``rnnlab.cells.equation``); the rest is the same for every cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlab.cells.base import CellType
from rnnlab.cells.tape import Tape
from rnnlab.reference import Recurrent
from rnnlab.reference.heads import Linear, Readout
from rnnlab.reference.losses import output_and_loss
from rnnlab.trace.spec import (
    NetworkWeights,
    TraceSpec,
    calculator_cell,
    initial_state,
    nonlinearity_of,
    targets,
    validate,
)

Array = np.ndarray
LOSS_RULES = {  # (formula in the plain notation of trace.equations, name)
    "softmax": ("-Σ_k y_k log ŷ_k", "cross-entropy"),
    "sigmoid": ("-Σ_k [y_k log ŷ_k + (1 - y_k) log(1 - ŷ_k)]", "binary cross-entropy"),
    "linear": ("1/2 Σ_k (ŷ_k - y_k)²", "squared error"),
}


def compute_trace(spec: TraceSpec) -> dict[str, Any]:
    """Forward, loss and BPTT of the spec's network; every number, keyed per time step."""
    net = validate(spec)
    cell = calculator_cell(spec.cell)
    H, O = net.hidden_size, net.output_size
    rec = Recurrent(spec.cell, net.input_size, H, nonlinearity=nonlinearity_of(spec))
    rec.load_state_dict(net.recurrent)
    head, readout = Linear(H, O), Readout(spec.readout, H)
    head.load_state_dict(net.head)
    x = np.array(spec.inputs, dtype=np.float64)[:, None, :]  # (T, 1, D)
    h0 = initial_state("h0", spec.h0, H)[None, None, :]  # (1, 1, H)
    c0 = initial_state("c0", spec.c0, H)[None, None, :]  # (1, 1, H)
    state0 = (h0, c0) if cell.has_cell_state else h0
    steps_out = x.shape[0] if spec.readout == "every" else 1
    target = targets(spec, steps_out, O)
    y_seq, _ = rec.forward(x, state0)  # (T, 1, H)
    o = head.forward(readout.forward(y_seq)).reshape(steps_out, O)  # (T_out, O)
    out_fn, loss_fn = output_and_loss(spec.output)
    result = _describe(spec, cell, net, rec.tapes[0])
    last = spec.readout == "last"  # many-to-one: plain vectors
    result["output"] = {"o": o[0] if last else o, "y": out_fn(o)[0] if last else out_fn(o)}
    result["loss"], result["backward"] = None, None
    if target is not None:
        loss, do = loss_fn(o, target, "sum")  # (T_out, O) = y_hat - y
        d_features, head_grads = head.backward(do.reshape(-1, 1, O) if steps_out > 1 else do)
        dh_out = readout.backward(d_features)  # (T, 1, H)
        dx, dh0, grads = rec.backward(dh_out)
        result["output"].update(target=target[0] if last else target, do=do[0] if last else do)
        result["loss"] = loss
        named = _named(cell, net, grads, head_grads, "grads")
        result["backward"] = _describe_backward(spec, cell, rec.tapes[0], dh_out, named)
        result["backward"]["dx"] = dx[:, 0]
        if cell.has_cell_state:
            result["backward"].update(dh0=dh0[0][0, 0], dc0=dh0[1][0, 0])
        else:
            result["backward"]["dh0"] = dh0[0, 0]
    return result


def _named(
    cell: CellType, net: NetworkWeights, values: dict[str, Array], head: dict[str, Array], what: str
) -> dict[str, Array]:
    """Parameters (or their gradients) by symbol, the merged bias, then the readout's."""
    named = {p.symbol: values[p.name(0)] for p in cell.params}
    merged = cell.equations["spelling"].merged
    if merged is not None:
        first, second = merged.parts
        # a weight: the sum the network adds; a gradient: dL/d(first) (= dL/d(second))
        named[merged.symbol] = named[first] + named[second] if what == "weights" else named[first]
    named.update(W_hy=head["weight"], b_y=head["bias"])
    return named


def _describe(spec: TraceSpec, cell: CellType, net: NetworkWeights, tape: Tape) -> dict[str, Any]:
    result: dict[str, Any] = {
        "title": spec.title,
        "cell": spec.cell,
        "nonlinearity": nonlinearity_of(spec),
        "output_kind": spec.output,
        "readout": spec.readout,
        "loss_rule": LOSS_RULES[spec.output][0],
        "loss_name": LOSS_RULES[spec.output][1],
        "sizes": {"T": tape.steps, "D": net.input_size, "H": net.hidden_size, "O": net.output_size},
        "gate_order": list(cell.gate_names),
        "combined_bias": net.combined_bias,
        "input_labels": spec.input_labels,
        "output_labels": spec.output_labels,
        "weights": _named(cell, net, net.recurrent, net.head, "weights"),
        "h0": tape.h[0, 0],
        "forward": [_forward_step(cell, tape, s) for s in range(tape.steps)],
    }
    if cell.has_cell_state:
        result["c0"] = tape.c[0, 0]
    return result


def _forward_step(cell: CellType, tape: Tape, s: int) -> dict[str, Any]:
    values = cell.equations["forward_values"](tape, s)
    return {"t": s + 1, "x": tape.x[s, 0], **values, "h": tape.h[s + 1, 0]}


def _describe_backward(
    spec: TraceSpec, cell: CellType, tape: Tape, dh_out: Array, grads: dict[str, Array]
) -> dict[str, Any]:
    nonlinearity = nonlinearity_of(spec)
    steps = []
    for s in reversed(range(tape.steps)):
        dh = tape.dh[s, 0]
        dh_next = tape.dh_next[s, 0] if tape.dh_next is not None else dh - dh_out[s, 0]
        step = {"t": s + 1, "dh_out": dh_out[s, 0], "dh_next": dh_next, "dh": dh}
        steps.append({**step, **cell.equations["backward_values"](tape, s, nonlinearity)})
    return {"steps": steps, "grads": grads}


def to_json(value: Any) -> Any:
    """Arrays to lists (vectors stay lists even of length 1), numbers to floats."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.floating | np.integer):
        return value.item()
    return value
