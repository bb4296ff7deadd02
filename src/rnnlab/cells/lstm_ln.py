r"""Layer-normalised LSTM (Ba, Kiros & Hinton 2016, "Layer Normalization", LSTM section).

Gate order is the LSTM's: i, f, g, o (rows of W_xh, W_hh and b stacked in that order).
LN(v; gamma, beta) normalises a whole vector v of K entries by its own mean and
variance over those K entries, then scales and shifts it:

.. math::

    \mu = \frac{1}{K} \sum_k v_k     \sigma^2 = \frac{1}{K} \sum_k (v_k - \mu)^2
    \hat v = (v - \mu) / \sqrt{\sigma^2 + \epsilon}          \epsilon = 10^{-5}
    LN(v; \gamma, \beta) = \gamma \odot \hat v + \beta

Forward (column vectors, DESIGN.md notation; z_t stacks the four pre-activations):

.. math::

    z_t = LN(W_{xh} x_t; \gamma_x) + LN(W_{hh} h_{t-1}; \gamma_h) + b   = [z^i; z^f; z^g; z^o]
    i_t = \sigma(z^i_t)   f_t = \sigma(z^f_t)   g_t = \tanh(z^g_t)   o_t = \sigma(z^o_t)
    c_t = f_t \odot c_{t-1} + i_t \odot g_t
    h_t = o_t \odot \tanh(LN(c_t; \gamma_c, \beta_c))

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1), dc_{t+1 \to t}
the part of dL/dc_t from step t+1, and LN^{-T}_v(d) = (d - mean(d) - v^ mean(d v^)) / s
LN's backward at the vector v it normalised (v^ = (v - mu) / s, d = gamma * dL/dLN):

.. math::

    dn_t      = dh_t \odot o_t \odot (1 - \tanh^2 n_t)        n_t = LN(c_t; \gamma_c, \beta_c)
    dc_t      = dc_{t+1 \to t} + LN^{-T}_{c_t}(\gamma_c \odot dn_t)
    \delta_t  = dL/dz_t = [dc_t g_t i_t(1-i_t);  dc_t c_{t-1} f_t(1-f_t);
                           dc_t i_t (1-g_t^2);  dh_t \tanh(n_t) o_t(1-o_t)]
    \delta^h_t = LN^{-T}_{W_{hh} h_{t-1}}(\gamma_h \odot \delta_t)     (dL/d(W_hh h_{t-1}))
    \delta^x_t = LN^{-T}_{W_{xh} x_t}(\gamma_x \odot \delta_t)         (dL/d(W_xh x_t))
    dh_{t-1} \mathrel{+}= W_{hh}^T \delta^h_t        dc_{t-1} = dc_t \odot f_t
    dW_{xh} = \sum_t \delta^x_t x_t^T   dW_{hh} = \sum_t \delta^h_t h_{t-1}^T   db = \sum_t \delta_t
    d\gamma_x = \sum_t \delta_t \odot \hat{x}_t   d\gamma_h = \sum_t \delta_t \odot \hat{h}_t
    d\gamma_c = \sum_t dn_t \odot \hat{c}_t      d\beta_c = \sum_t dn_t

where x^_t, h^_t, c^_t are the normalised W_xh x_t, W_hh h_{t-1} and c_t.

Symbols and shapes (one layer-direction; D input size, H hidden size):
x_t (D) the input; h_t, c_t (H) hidden and cell states; W_xh (4H x D) ``weight_ih``;
W_hh (4H x H) ``weight_hh``; b (4H) ``bias``; gamma_x (4H) ``gain_ih``; gamma_h (4H)
``gain_hh``; gamma_c, beta_c (H) ``gain_c``, ``shift_c``.

Why these parameters and no more: the paper gives each of its three LNs a gain and a
shift, plus the gates' bias. Shifts added to z_t only add (beta_x + beta_h + b), so one b
(4H) stands for all three; a bias inside an LN would be (partly) cancelled by its mean,
so W_xh x_t and W_hh h_{t-1} carry none. The gains gamma_x and gamma_h stay separate
(they weigh the input and the recurrent term differently), and gamma_c, beta_c both
matter because tanh follows LN(c_t). Gains start at 1 and shifts at 0 (``Param.init``);
W_hh is the recurrent matrix that ``init: orthogonal`` replaces and b's f block takes
``forget_bias``.

Storage is batch-major rows, (B, 4H) per step; the input side LN(W_xh x_t; gamma_x) of
every step takes one GEMM and one normalisation before the loop. The tape (``LNTape``)
keeps ``zx`` = W_xh x_t and ``zh`` = W_hh h_{t-1} (= u_t, v_t of the calculator) before
normalisation, ``z`` and ``gates`` as the LSTM's, ``tanh_c`` = tanh(n_t), ``delta`` =
dL/dz_t, ``delta_h`` = delta^h_t; its ``cache`` each LN's v^, mean and 1/s (``x_hat
x_mean x_rstd``, ``h_*``, ``c_*``; statistics (T, B, 1)), ``delta_x`` and ``dn``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnlab.cells.base import CellType, Param
from rnnlab.cells.equation import Eq, Result, Spelling, Step, forward_of, hooks, parts, previous
from rnnlab.cells.functions import sigmoid, tanh_grad_from_output
from rnnlab.cells.lstm import GATES, dc_from_next, fill_gate_deltas, gate_equations, split_gates
from rnnlab.cells.tape import Tape

Array = np.ndarray
EPS = 1e-5  # LN's epsilon, as torch.nn.LayerNorm's default


@dataclass
class LNTape(Tape):
    """The LSTM's tape plus the layer normalisations' statistics (``cache``)."""

    cache: dict[str, Array] = field(default_factory=dict)


def layer_norm(v: Array) -> tuple[Array, Array, Array]:
    """(v^, mean, 1/s): v normalised over its last axis; mean and 1/sqrt(var + eps) (..., 1)."""
    mean = v.mean(axis=-1, keepdims=True)
    centred = v - mean
    rstd = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + EPS)
    return centred * rstd, mean, rstd


def layer_norm_backward(d_hat: Array, v_hat: Array, rstd: Array) -> Array:
    """dL/dv from dL/dv^ (gain already applied): (dv^ - mean dv^ - v^ mean(dv^ v^)) / s."""
    mean_d = d_hat.mean(axis=-1, keepdims=True)
    mean_dv = (d_hat * v_hat).mean(axis=-1, keepdims=True)
    return (d_hat - mean_d - v_hat * mean_dv) * rstd


class LayerNormLSTM:
    """The ``ReferenceCell`` of ``lstm-ln``: explicit forward and BPTT over a sequence."""

    def forward(
        self, xs: Array, mask: Array | None, p: Mapping[str, Array], h0: Array, c0: Array | None
    ) -> LNTape:
        W_ih, W_hh = p["weight_ih"], p["weight_hh"]  # (4H, D), (4H, H)
        (T, B, D), H = xs.shape, W_hh.shape[1]
        tape = LNTape.allocate(xs, mask, H, 4, True, False)
        zx = tape.zx.reshape(T * B, 4 * H)  # (T*B, 4H)
        np.matmul(xs.reshape(T * B, D), W_ih.T, out=zx)  # all input projections at once
        x_hat, x_mean, x_rstd = layer_norm(tape.zx)  # (T, B, 4H), (T, B, 1), (T, B, 1)
        input_side = p["gain_ih"] * x_hat + p.get("bias", 0.0)  # (T, B, 4H)
        cache = tape.cache
        cache.update(x_hat=x_hat, x_mean=x_mean, x_rstd=x_rstd)
        cache["h_hat"] = np.empty_like(x_hat)  # (T, B, 4H)
        cache["c_hat"] = np.empty((T, B, H), xs.dtype)  # (T, B, H)
        for stat in ("h_mean", "h_rstd", "c_mean", "c_rstd"):
            cache[stat] = np.empty_like(x_rstd)  # (T, B, 1)
        tape.h[0], tape.c[0] = h0, c0 if c0 is not None else np.zeros_like(h0)
        for s in range(T):
            self._step_forward(tape, s, input_side[s], p)
            if mask is not None:  # past the length: carry the state
                past = mask[s] == 0  # (B, 1)
                np.copyto(tape.h[s + 1], tape.h[s], where=past)
                np.copyto(tape.c[s + 1], tape.c[s], where=past)
        return tape

    @staticmethod
    def _step_forward(tape: LNTape, s: int, input_side: Array, p: Mapping[str, Array]) -> None:
        H = tape.h.shape[2]
        cache = tape.cache
        zh = np.matmul(tape.h[s], p["weight_hh"].T, out=tape.zh[s])  # (B, 4H) W_hh h_{t-1}
        cache["h_hat"][s], cache["h_mean"][s], cache["h_rstd"][s] = layer_norm(zh)
        z = np.add(input_side, p["gain_hh"] * cache["h_hat"][s], out=tape.z[s])  # (B, 4H)
        act = sigmoid(z, out=tape.gates[s])  # (B, 4H) i f . o
        i, f, g, o = split_gates(act, H)  # (B, H) each
        np.tanh(z[:, 2 * H : 3 * H], out=g)  # g_t = tanh(z^g_t)
        c = np.multiply(f, tape.c[s], out=tape.c[s + 1])  # (B, H) f_t * c_{t-1}
        c += i * g  # + i_t * g_t
        cache["c_hat"][s], cache["c_mean"][s], cache["c_rstd"][s] = layer_norm(c)
        n = p["gain_c"] * cache["c_hat"][s] + p["shift_c"]  # (B, H) LN(c_t)
        tanh_n = np.tanh(n, out=tape.tanh_c[s])  # (B, H)
        np.multiply(o, tanh_n, out=tape.h[s + 1])  # (B, H) h_t

    def backward(
        self, tape: LNTape, p: Mapping[str, Array], dy: Array, dh_n: Array, dc_n: Array | None
    ) -> tuple[Array, Array, Array | None, dict[str, Array]]:
        tape.allocate_backward(same_delta=False)
        tape.cache["dn"] = np.empty_like(tape.tanh_c)  # (T, B, H)
        dh_carry = dh_n.copy()  # (B, H)
        dc_carry = np.zeros_like(dh_n) if dc_n is None else dc_n.copy()  # (B, H)
        for s in reversed(range(tape.steps)):
            tape.dh_next[s], tape.dc_next[s] = dh_carry, dc_carry
            dh = np.add(dy[s], dh_carry, out=tape.dh[s])  # (B, H) dL/dh_t in total
            inside = 1.0 if tape.mask is None else tape.mask[s]  # (B, 1) 1 inside, 0 past
            dh_prev, dc_prev = self._step_backward(tape, s, dh * inside, dc_carry * inside, p)
            dh_carry = dh_prev + dh * (1.0 - inside)  # past the length: pass through
            dc_carry = dc_prev + dc_carry * (1.0 - inside)
        return self._sums(tape, p, dh_carry, dc_carry)

    @staticmethod
    def _step_backward(
        tape: LNTape, s: int, dh: Array, dc: Array, p: Mapping[str, Array]
    ) -> tuple[Array, Array]:
        H = tape.h.shape[2]
        cache = tape.cache
        act = tape.gates[s]  # (B, 4H) i f g o
        _, f, _, o = split_gates(act, H)  # (B, H) each
        tanh_n = tape.tanh_c[s]  # (B, H)
        dn = np.multiply(dh * o, tanh_grad_from_output(tanh_n), out=cache["dn"][s])  # (B, H)
        dc_t = layer_norm_backward(p["gain_c"] * dn, cache["c_hat"][s], cache["c_rstd"][s])
        dc_t = np.add(dc_t, dc, out=tape.dc[s])  # (B, H) dL/dc_t in total
        delta = tape.delta[s]  # (B, 4H) dL/dz_t
        fill_gate_deltas(delta, act, dc_t, tape.c[s], dh, tanh_n)
        delta_h = layer_norm_backward(p["gain_hh"] * delta, cache["h_hat"][s], cache["h_rstd"][s])
        tape.delta_h[s] = delta_h  # (B, 4H) dL/d(W_hh h_{t-1})
        return delta_h @ p["weight_hh"], dc_t * f  # dh_{t-1} (B, H), dc_{t-1} (B, H)

    @staticmethod
    def _sums(
        tape: LNTape, p: Mapping[str, Array], dh0: Array, dc0: Array
    ) -> tuple[Array, Array, Array, dict[str, Array]]:
        """The weight gradients as sums over all steps, and dL/dx, after the loop."""
        T, B, D = tape.x.shape
        cache = tape.cache
        delta = tape.delta  # (T, B, 4H)
        delta_x = layer_norm_backward(p["gain_ih"] * delta, cache["x_hat"], cache["x_rstd"])
        cache["delta_x"] = delta_x  # (T, B, 4H) dL/d(W_xh x_t)
        flat_x = delta_x.reshape(T * B, -1)  # (T*B, 4H)
        over_steps = (0, 1)
        grads = {
            "weight_ih": flat_x.T @ tape.x.reshape(T * B, D),  # sum_t delta^x x^T
            "weight_hh": tape.delta_h.reshape(T * B, -1).T @ tape.h[:-1].reshape(T * B, -1),
            "gain_ih": (delta * cache["x_hat"]).sum(over_steps),
            "gain_hh": (delta * cache["h_hat"]).sum(over_steps),
            "gain_c": (cache["dn"] * cache["c_hat"]).sum(over_steps),
            "shift_c": cache["dn"].sum(over_steps),
        }
        if "bias" in p:
            grads["bias"] = delta.sum(over_steps)  # sum_t delta_t
        dxs = (flat_x @ p["weight_ih"]).reshape(T, B, D)  # (T, B, D)
        return dxs, dh0, dc0, grads


# ---------------------------------------------------------------- calculator equations
# u_t = W_xh x_t, v_t = W_hh h_{t-1}, N(.) an LN before its gain, n_t = LN(c_t; gamma_c, beta_c)
def _forward_values(tape: LNTape, s: int) -> dict[str, Array]:
    cache, H = tape.cache, tape.h.shape[2]
    i, f, g, o = split_gates(tape.gates[s, 0], H)
    stats = {}
    for side in ("x", "h", "c"):  # mean, sd = sqrt(var + eps) and N(.) of each LN
        stats[f"mean_{side}"] = cache[f"{side}_mean"][s, 0, 0]
        stats[f"sd_{side}"] = 1.0 / cache[f"{side}_rstd"][s, 0, 0]
        stats[f"hat_{side}"] = cache[f"{side}_hat"][s, 0]
    return {
        **{"zx": tape.zx[s, 0], "zh": tape.zh[s, 0], "z": tape.z[s, 0], **stats},
        **{"i": i, "f": f, "g": g, "o": o, "c": tape.c[s + 1, 0], "tanh_c": tape.tanh_c[s, 0]},
    }


def _backward_values(tape: LNTape, s: int, nonlinearity: str) -> dict[str, Array]:
    return {
        **{"delta": tape.delta[s, 0], "delta_h": tape.delta_h[s, 0]},
        **{"delta_x": tape.cache["delta_x"][s, 0], "dn": tape.cache["dn"][s, 0]},
        **{"dc_next": tape.dc_next[s, 0], "dc": tape.dc[s, 0]},
    }


def _normalised(v: str, side: str, step: Step, raw: str) -> Eq:
    """The normalised vector N(v) of one LN, its mean and sd substituted (v: its symbol)."""
    rule = f"({v} - mean({v})) / sqrt(var({v}) + 1e-5)"
    numeric = ["(", step[raw], " - ", step[f"mean_{side}"], ") / ", step[f"sd_{side}"]]
    return Eq(f"N({v})", rule, numeric, step[f"hat_{side}"])


def _forward(r: Result, step: Step) -> list[Eq]:
    t, w = step["t"], r["weights"]
    u, v, c = f"u_{t}", f"v_{t}", f"c_{t}"
    return [
        Eq(u, f"W_xh x_{t}", [], step["zx"]),
        _normalised(u, "x", step, "zx"),
        Eq(v, f"W_hh h_{t - 1}", [], step["zh"]),
        _normalised(v, "h", step, "zh"),
        Eq(
            f"z_{t}",
            f"gamma_x ⊙ N({u}) + gamma_h ⊙ N({v}) + b",
            [
                w["gamma_x"],
                " ⊙ ",
                step["hat_x"],
                " + ",
                w["gamma_h"],
                " ⊙ ",
                step["hat_h"],
                " + ",
                w["b"],
            ],
            step["z"],
        ),
        *gate_equations(r, step),
        _normalised(c, "c", step, "c"),
        Eq(
            f"h_{t}",
            f"o_{t} ⊙ tanh(gamma_c ⊙ N({c}) + beta_c)",
            [step["o"], " ⊙ tanh(", w["gamma_c"], " ⊙ ", step["hat_c"], " + ", w["beta_c"], ")"],
            step["h"],
        ),
    ]


def _ln_back(v: str) -> str:
    """LN's backward at v for an upstream d (gain applied), in the plain notation."""
    return f"(d - mean(d) - N({v}) ⊙ mean(d ⊙ N({v}))) / sd({v})"


def _sigmoid_delta(gate: str, t: int, rule: str, pieces: list, a: Array, result: Array) -> Eq:
    """delta of a sigmoid gate: (its upstream) * a (1 - a), a the gate's value."""
    rule = f"{rule} ⊙ {gate}_{t} ⊙ (1 - {gate}_{t})"
    return Eq(f"δ^{gate}_{t}", rule, [*pieces, " ⊙ ", a, " ⊙ (1 - ", a, ")"], result)


def _backward(r: Result, step: Step) -> list[Eq]:
    t, fwd, w, dc, dh = step["t"], forward_of(r, step), r["weights"], step["dc"], step["dh"]
    d_i, d_f, d_g, d_o = parts(step["delta"], 4)
    c_prev, i, f, g, o, tanh_n = (previous(r, step, "c"), *(fwd[k] for k in "ifgo"), fwd["tanh_c"])
    dn, dc_t = f"∂L/∂n_{t}", f"∂L/∂c_{t}"
    eqs = [
        Eq(
            dn,
            f"∂L/∂h_{t} ⊙ o_{t} ⊙ (1 - tanh²(n_{t}))",
            [dh, " ⊙ ", o, " ⊙ (1 - ", tanh_n, "²)"],
            step["dn"],
        ),
        Eq(
            dc_t,
            f"{dc_from_next(t + 1)} + {_ln_back(f'c_{t}')}, d = gamma_c ⊙ {dn}",
            [step["dc_next"], " + LNᵀ(", w["gamma_c"], " ⊙ ", step["dn"], ")"],
            dc,
        ),
        _sigmoid_delta("i", t, f"{dc_t} ⊙ g_{t}", [dc, " ⊙ ", g], i, d_i),
        _sigmoid_delta("f", t, f"{dc_t} ⊙ c_{t - 1}", [dc, " ⊙ ", c_prev], f, d_f),
        Eq(f"δ^g_{t}", f"{dc_t} ⊙ i_{t} ⊙ (1 - g_{t}²)", [dc, " ⊙ ", i, " ⊙ (1 - ", g, "²)"], d_g),
        _sigmoid_delta("o", t, f"∂L/∂h_{t} ⊙ tanh(n_{t})", [dh, " ⊙ ", tanh_n], o, d_o),
    ]
    for name, v, gain, key in (
        ("δʰ", "v", "gamma_h", "delta_h"),
        ("δ^x", "u", "gamma_x", "delta_x"),
    ):
        rule = f"{_ln_back(f'{v}_{t}')}, d = {gain} ⊙ δ_{t}"
        eqs.append(Eq(f"{name}_{t}", rule, ["LNᵀ(", w[gain], " ⊙ ", step["delta"], ")"], step[key]))
    return eqs


def _gradients(r: Result) -> list[Eq]:
    g = r["backward"]["grads"]
    return [
        Eq("∂L/∂W_xh", "Σ_t δ^x_t x_tᵀ", [], g["W_xh"]),
        Eq("∂L/∂W_hh", "Σ_t δʰ_t h_{t-1}ᵀ", [], g["W_hh"]),
        Eq("∂L/∂b", "Σ_t δ_t", [], g["b"]),
        Eq("∂L/∂gamma_x", "Σ_t δ_t ⊙ N(u_t)", [], g["gamma_x"]),
        Eq("∂L/∂gamma_h", "Σ_t δ_t ⊙ N(v_t)", [], g["gamma_h"]),
        Eq("∂L/∂gamma_c", "Σ_t ∂L/∂n_t ⊙ N(c_t)", [], g["gamma_c"]),
        Eq("∂L/∂beta_c", "Σ_t ∂L/∂n_t", [], g["beta_c"]),
    ]


EQUATIONS = hooks(
    forward_values=_forward_values,
    backward_values=_backward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"W_hhᵀ δʰ_{k}",
    dc_from_next=dc_from_next,
    gradients=_gradients,
    spelling=Spelling(
        per_gate={"W_xh": "W_x{g}", "W_hh": "W_h{g}", "b": "b_{g}"},
        meanings={
            "W_xh": "input → hidden (normalised)",
            "W_hh": "hidden → hidden (normalised)",
            "b": "gate bias (after the norms)",
            "gamma_x": "gain of the input term's norm",
            "gamma_h": "gain of the recurrent term's norm",
            "gamma_c": "gain of the cell state's norm",
            "beta_c": "shift of the cell state's norm",
        },
    ),
)


CELL = CellType(
    name="lstm-ln",
    display_name="LN-LSTM",
    summary="layer-normalised LSTM (Ba et al. 2016): LN on the input and recurrent "
    "pre-activations and on the cell state",
    gates=GATES,
    blocks=4,
    has_cell_state=True,
    params=(
        Param("weight_ih", 4, "input", "W_xh"),
        Param("weight_hh", 4, "hidden", "W_hh", recurrent=True),
        Param("bias", 4, None, "b", init="zeros", bias=True),
        Param("gain_ih", 4, None, "gamma_x", init="ones"),
        Param("gain_hh", 4, None, "gamma_h", init="ones"),
        Param("gain_c", 1, None, "gamma_c", init="ones"),
        Param("shift_c", 1, None, "beta_c", init="zeros"),
    ),
    reference=lambda nonlinearity: LayerNormLSTM(),
    forget_gate="f",
    torch_module="rnnlab.cells.lstm_ln_torch",
    equations=EQUATIONS,
)
