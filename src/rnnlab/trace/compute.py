"""Run a TraceSpec through the reference engine and collect every number it cached.

Nothing here computes the network's maths: the forward and backward passes are
``Recurrent``, ``Readout``, ``Linear`` and the losses of ``rnnlab.reference``; this
module only reads their tapes and lays the numbers out per time step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlab.cells.tape import Tape
from rnnlab.reference import Recurrent
from rnnlab.reference.heads import Linear, Readout
from rnnlab.reference.losses import output_and_loss
from rnnlab.trace.spec import (
    GATE_NAMES,
    NetworkWeights,
    TraceSpec,
    initial_state,
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
    H, O = net.hidden_size, net.output_size
    rec = Recurrent(spec.cell, net.input_size, H, nonlinearity=spec.nonlinearity)
    rec.load_state_dict(net.recurrent)
    head, readout = Linear(H, O), Readout(spec.readout, H)
    head.load_state_dict(net.head)
    x = np.array(spec.inputs, dtype=np.float64)[:, None, :]  # (T, 1, D)
    h0 = initial_state("h0", spec.h0, H)[None, None, :]  # (1, 1, H)
    c0 = initial_state("c0", spec.c0, H)[None, None, :]  # (1, 1, H)
    state0 = (h0, c0) if spec.cell == "lstm" else h0
    steps_out = x.shape[0] if spec.readout == "every" else 1
    target = targets(spec, steps_out, O)
    y_seq, _ = rec.forward(x, state0)  # (T, 1, H)
    o = head.forward(readout.forward(y_seq)).reshape(steps_out, O)  # (T_out, O)
    out_fn, loss_fn = output_and_loss(spec.output)
    result = _describe(spec, net, rec.tapes[0], state0)
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
        result["backward"] = _describe_backward(spec, net, rec, dh_out, dx, dh0, grads, head_grads)
    return result


def _describe(spec: TraceSpec, net: NetworkWeights, tape: Tape, state0: Any) -> dict[str, Any]:
    rec_w = net.recurrent
    weights = {
        "W_xh": rec_w["weight_ih_l0"],
        "W_hh": rec_w["weight_hh_l0"],
        "b_ih": rec_w["bias_ih_l0"],
        "b_hh": rec_w["bias_hh_l0"],
    }
    if spec.cell != "gru":
        weights["b_h"] = weights["b_ih"] + weights["b_hh"]
    weights.update(W_hy=net.head["weight"], b_y=net.head["bias"])
    result: dict[str, Any] = {
        "title": spec.title,
        "cell": spec.cell,
        "nonlinearity": spec.nonlinearity,
        "output_kind": spec.output,
        "readout": spec.readout,
        "loss_rule": LOSS_RULES[spec.output][0],
        "loss_name": LOSS_RULES[spec.output][1],
        "sizes": {"T": tape.steps, "D": net.input_size, "H": net.hidden_size, "O": net.output_size},
        "gate_order": list(GATE_NAMES[spec.cell]) if spec.cell != "rnn" else [],
        "combined_bias": net.combined_bias,
        "input_labels": spec.input_labels,
        "output_labels": spec.output_labels,
        "weights": weights,
        "h0": tape.h[0, 0],
        "forward": [_forward_step(spec.cell, tape, s) for s in range(tape.steps)],
    }
    if spec.cell == "lstm":
        result["c0"] = tape.c[0, 0]
    return result


def _forward_step(cell: str, tape: Tape, s: int) -> dict[str, Any]:
    step: dict[str, Any] = {"t": s + 1, "x": tape.x[s, 0], "zx": tape.zx[s, 0], "zh": tape.zh[s, 0]}
    gates = dict(
        zip(GATE_NAMES[cell], np.split(tape.gates[s, 0], len(GATE_NAMES[cell])), strict=True)
    )
    if cell == "rnn":
        step["z"] = tape.z[s, 0]
    elif cell == "lstm":
        step.update(z=tape.z[s, 0], **gates, c=tape.c[s + 1, 0], tanh_c=tape.tanh_c[s, 0])
    else:
        step.update(pre=tape.z[s, 0], **gates)  # GRU: "z" is the update gate
    step["h"] = tape.h[s + 1, 0]
    return step


def _describe_backward(
    spec: TraceSpec,
    net: NetworkWeights,
    rec: Recurrent,
    dh_out: Array,
    dx: Array,
    dh0: Any,
    grads: dict,
    head_grads: dict,
) -> dict[str, Any]:
    tape = rec.tapes[0]
    steps = []
    for s in reversed(range(tape.steps)):
        step: dict[str, Any] = {
            "t": s + 1,
            "dh_out": dh_out[s, 0],
            "dh_next": tape.dh_next[s, 0],
            "dh": tape.dh[s, 0],
            "delta": tape.delta[s, 0],
        }
        if spec.cell == "rnn":
            step["fprime"] = rec.cell.step.f_grad(tape.h[s + 1, 0])  # the engine's own f'
        if spec.cell == "lstm":
            step.update(dc_next=tape.dc_next[s, 0], dc=tape.dc[s, 0])
        if spec.cell == "gru":
            step["delta_h"] = tape.delta_h[s, 0]
        steps.append(step)
    named = {
        "W_xh": grads["weight_ih_l0"],
        "W_hh": grads["weight_hh_l0"],
        "b_ih": grads["bias_ih_l0"],
        "b_hh": grads["bias_hh_l0"],
    }
    if spec.cell != "gru":
        named["b_h"] = grads["bias_ih_l0"]  # = dL/db_hh: same delta sums
    named.update(W_hy=head_grads["weight"], b_y=head_grads["bias"])
    backward: dict[str, Any] = {"steps": steps, "grads": named, "dx": dx[:, 0]}
    if spec.cell == "lstm":
        backward.update(dh0=dh0[0][0, 0], dc0=dh0[1][0, 0])
    else:
        backward["dh0"] = dh0[0, 0]
    return backward


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
