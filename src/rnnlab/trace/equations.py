"""The worked example as a list of equations, built from a trace result.

An ``Eq`` holds a left-hand symbol, the symbolic right-hand side, the same side
with the cached numbers substituted (a list of arrays and text pieces) and the
result the engine computed. The renderers (text, Markdown, LaTeX) all read this
one list. Symbols use a small plain notation (``W_xh``, ``h_0``, ``δ^i_3``, ``⊙``,
``σ``, ``Σ_t``, ``∂L/∂W_hh``, ``ŷ``, ``ᵀ``) that the LaTeX renderer translates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray
Piece = Array | str


@dataclass
class Eq:
    lhs: str
    symbolic: str
    numeric: list[Piece] = field(default_factory=list)
    result: Array | float | None = None


@dataclass
class Section:
    title: str
    equations: list[Eq]
    note: str = ""


def _parts(vector: Array, n: int) -> list[Array]:
    return np.split(np.asarray(vector), n)


def _describe_network(r: dict[str, Any]) -> str:
    sz = r["sizes"]
    kind = {"rnn": f"{r['nonlinearity']} RNN", "lstm": "LSTM", "gru": "GRU"}[r["cell"]]
    shape = (
        "many-to-one (readout last)" if r["readout"] == "last" else "many-to-many (readout every)"
    )
    gates = f"; gate order {' '.join(r['gate_order'])}" if r["gate_order"] else ""
    over = "outputs and time steps" if r["readout"] == "every" else "outputs"
    return (
        f"{kind}, D = {_count(sz['D'], 'input')}, H = {_count(sz['H'], 'hidden unit')}, "
        f"O = {_count(sz['O'], 'output')}, T = {_count(sz['T'], 'step')}; {shape}, "
        f"{r['output_kind']} output{gates}. Loss: {r['loss_name']}, `L = {r['loss_rule']}`, "
        f"summed over {over}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def weight_section(r: dict[str, Any]) -> Section:
    w = r["weights"]
    names = ["W_xh", "W_hh"] + (["b_h"] if r["combined_bias"] else ["b_ih", "b_hh"])
    eqs = [Eq(name, "", [], w[name]) for name in [*names, "W_hy", "b_y"]]
    eqs.append(Eq("h_0", "", [], r["h0"]))
    if r["cell"] == "lstm":
        eqs.append(Eq("c_0", "", [], r["c0"]))
    return Section("Weights and initial state", eqs, _describe_network(r))


def _preactivation(r: dict[str, Any], step: dict[str, Any]) -> Eq:
    t = step["t"]
    if r["combined_bias"]:
        sym = f"(W_xh x_{t} + b_h) + W_hh h_{t - 1}"
    else:
        sym = f"(W_xh x_{t} + b_ih) + (W_hh h_{t - 1} + b_hh)"
    return Eq(f"z_{t}", sym, [step["zx"], " + ", step["zh"]], step["z"])


def forward_equations(r: dict[str, Any], step: dict[str, Any]) -> list[Eq]:
    t, cell = step["t"], r["cell"]
    if cell == "rnn":
        f = r["nonlinearity"]
        return [
            _preactivation(r, step),
            Eq(f"h_{t}", f"{f}(z_{t})", [f"{f}(", step["z"], ")"], step["h"]),
        ]
    if cell == "lstm":
        zi, zf, zg, zo = _parts(step["z"], 4)
        prev_c = r["c0"] if t == 1 else r["forward"][t - 2]["c"]
        return [
            _preactivation(r, step),
            Eq(f"i_{t}", f"σ(z^i_{t})", ["σ(", zi, ")"], step["i"]),
            Eq(f"f_{t}", f"σ(z^f_{t})", ["σ(", zf, ")"], step["f"]),
            Eq(f"g_{t}", f"tanh(z^g_{t})", ["tanh(", zg, ")"], step["g"]),
            Eq(f"o_{t}", f"σ(z^o_{t})", ["σ(", zo, ")"], step["o"]),
            Eq(
                f"c_{t}",
                f"f_{t} ⊙ c_{t - 1} + i_{t} ⊙ g_{t}",
                [step["f"], " ⊙ ", prev_c, " + ", step["i"], " ⊙ ", step["g"]],
                step["c"],
            ),
            Eq(
                f"h_{t}", f"o_{t} ⊙ tanh(c_{t})", [step["o"], " ⊙ tanh(", step["c"], ")"], step["h"]
            ),
        ]
    zxr, zxz, zxn = _parts(step["zx"], 3)
    zhr, zhz, zhn = _parts(step["zh"], 3)
    prev_h = r["h0"] if t == 1 else r["forward"][t - 2]["h"]
    return [
        Eq(f"zx_{t}", f"W_xh x_{t} + b_ih", [], step["zx"]),
        Eq(f"zh_{t}", f"W_hh h_{t - 1} + b_hh", [], step["zh"]),
        Eq(f"r_{t}", f"σ(zx^r_{t} + zh^r_{t})", ["σ(", zxr, " + ", zhr, ")"], step["r"]),
        Eq(f"z_{t}", f"σ(zx^z_{t} + zh^z_{t})", ["σ(", zxz, " + ", zhz, ")"], step["z"]),
        Eq(
            f"n_{t}",
            f"tanh(zx^n_{t} + r_{t} ⊙ zh^n_{t})",
            ["tanh(", zxn, " + ", step["r"], " ⊙ ", zhn, ")"],
            step["n"],
        ),
        Eq(
            f"h_{t}",
            f"(1 - z_{t}) ⊙ n_{t} + z_{t} ⊙ h_{t - 1}",
            ["(1 - ", step["z"], ") ⊙ ", step["n"], " + ", step["z"], " ⊙ ", prev_h],
            step["h"],
        ),
    ]


def output_equations(r: dict[str, Any]) -> list[Eq]:
    out, T, kind = r["output"], r["sizes"]["T"], r["output_kind"]
    fn = {"sigmoid": "σ", "softmax": "softmax", "linear": ""}[kind]
    steps = (
        [(T, out["o"], out["y"], "")]
        if r["readout"] == "last"
        else [(t + 1, out["o"][t], out["y"][t], f"_{t + 1}") for t in range(T)]
    )
    eqs = []
    for t, o, y_hat, sub in steps:
        eqs.append(Eq(f"o{sub}", f"W_hy h_{t} + b_y", [], o))
        eqs.append(Eq(f"ŷ{sub}", f"{fn}(o{sub})" if fn else f"o{sub}", [], y_hat))
        if r["loss"] is not None:
            eqs.append(
                Eq(f"y{sub}", "target", [], out["target"] if not sub else out["target"][t - 1])
            )
    if r["loss"] is not None:
        summed = "Σ_t " if r["readout"] == "every" else ""
        eqs.append(Eq("L", summed + r["loss_rule"], [], r["loss"]))
    return eqs


def _dh_equation(r: dict[str, Any], step: dict[str, Any]) -> Eq:
    t, T = step["t"], r["sizes"]["T"]
    from_out = "W_hyᵀ ∂L/∂o" + (f"_{t}" if r["readout"] == "every" else "")
    if r["readout"] == "last" and t != T:
        from_out = "0"
    nxt = (
        "0"
        if t == T
        else (
            f"z_{t + 1} ⊙ ∂L/∂h_{t + 1} + W_hhᵀ δʰ_{t + 1}"
            if r["cell"] == "gru"
            else f"W_hhᵀ δ_{t + 1}"
        )
    )
    return Eq(
        f"∂L/∂h_{t}", f"{from_out} + {nxt}", [step["dh_out"], " + ", step["dh_next"]], step["dh"]
    )


def backward_equations(r: dict[str, Any], step: dict[str, Any]) -> list[Eq]:
    t, cell = step["t"], r["cell"]
    fwd = r["forward"][t - 1]
    eqs = [_dh_equation(r, step)]
    if cell == "rnn":
        deriv = f"(1 - h_{t}²)" if r["nonlinearity"] == "tanh" else f"[h_{t} > 0]"
        eqs.append(
            Eq(f"δ_{t}", f"∂L/∂h_{t} ⊙ {deriv}", [step["dh"], " ⊙ ", step["fprime"]], step["delta"])
        )
        return eqs
    if cell == "lstm":
        d_i, d_f, d_g, d_o = _parts(step["delta"], 4)
        c_prev = r["c0"] if t == 1 else r["forward"][t - 2]["c"]
        eqs += [
            Eq(
                f"∂L/∂c_{t}",
                f"∂L/∂c_{t + 1} ⊙ f_{t + 1} + ∂L/∂h_{t} ⊙ o_{t} ⊙ (1 - tanh²(c_{t}))",
                [
                    step["dc_next"],
                    " + ",
                    step["dh"],
                    " ⊙ ",
                    fwd["o"],
                    " ⊙ (1 - tanh²(",
                    fwd["c"],
                    "))",
                ],
                step["dc"],
            ),
            Eq(
                f"δ^i_{t}",
                f"∂L/∂c_{t} ⊙ g_{t} ⊙ i_{t} ⊙ (1 - i_{t})",
                [step["dc"], " ⊙ ", fwd["g"], " ⊙ ", fwd["i"], " ⊙ (1 - ", fwd["i"], ")"],
                d_i,
            ),
            Eq(
                f"δ^f_{t}",
                f"∂L/∂c_{t} ⊙ c_{t - 1} ⊙ f_{t} ⊙ (1 - f_{t})",
                [step["dc"], " ⊙ ", c_prev, " ⊙ ", fwd["f"], " ⊙ (1 - ", fwd["f"], ")"],
                d_f,
            ),
            Eq(
                f"δ^g_{t}",
                f"∂L/∂c_{t} ⊙ i_{t} ⊙ (1 - g_{t}²)",
                [step["dc"], " ⊙ ", fwd["i"], " ⊙ (1 - ", fwd["g"], "²)"],
                d_g,
            ),
            Eq(
                f"δ^o_{t}",
                f"∂L/∂h_{t} ⊙ tanh(c_{t}) ⊙ o_{t} ⊙ (1 - o_{t})",
                [step["dh"], " ⊙ ", fwd["tanh_c"], " ⊙ ", fwd["o"], " ⊙ (1 - ", fwd["o"], ")"],
                d_o,
            ),
        ]
        return eqs
    d_r, d_z, d_n = _parts(step["delta"], 3)
    h_prev = r["h0"] if t == 1 else r["forward"][t - 2]["h"]
    zh_n = _parts(fwd["zh"], 3)[2]
    eqs += [
        Eq(
            f"δ^n_{t}",
            f"∂L/∂h_{t} ⊙ (1 - z_{t}) ⊙ (1 - n_{t}²)",
            [step["dh"], " ⊙ (1 - ", fwd["z"], ") ⊙ (1 - ", fwd["n"], "²)"],
            d_n,
        ),
        Eq(
            f"δ^z_{t}",
            f"∂L/∂h_{t} ⊙ (h_{t - 1} - n_{t}) ⊙ z_{t} ⊙ (1 - z_{t})",
            [
                step["dh"],
                " ⊙ (",
                h_prev,
                " - ",
                fwd["n"],
                ") ⊙ ",
                fwd["z"],
                " ⊙ (1 - ",
                fwd["z"],
                ")",
            ],
            d_z,
        ),
        Eq(
            f"δ^r_{t}",
            f"δ^n_{t} ⊙ zh^n_{t} ⊙ r_{t} ⊙ (1 - r_{t})",
            [d_n, " ⊙ ", zh_n, " ⊙ ", fwd["r"], " ⊙ (1 - ", fwd["r"], ")"],
            d_r,
        ),
        Eq(f"δʰ_{t}", f"[δ^r_{t}; δ^z_{t}; r_{t} ⊙ δ^n_{t}]", [], step["delta_h"]),
    ]
    return eqs


def gradient_equations(r: dict[str, Any]) -> list[Eq]:
    g, back = r["backward"]["grads"], r["backward"]
    hh_delta = "δʰ_t" if r["cell"] == "gru" else "δ_t"
    head_h = "h_T" if r["readout"] == "last" else "h_t"
    eqs = [
        Eq("∂L/∂W_xh", "Σ_t δ_t x_tᵀ", [], g["W_xh"]),
        Eq("∂L/∂W_hh", f"Σ_t {hh_delta} h_{{t-1}}ᵀ", [], g["W_hh"]),
    ]
    if r["combined_bias"]:
        eqs.append(Eq("∂L/∂b_h", "Σ_t δ_t", [], g["b_h"]))
    else:
        eqs += [
            Eq("∂L/∂b_ih", "Σ_t δ_t", [], g["b_ih"]),
            Eq("∂L/∂b_hh", f"Σ_t {hh_delta}", [], g["b_hh"]),
        ]
    eqs += [
        Eq("∂L/∂W_hy", f"Σ ∂L/∂o {head_h}ᵀ", [], g["W_hy"]),
        Eq("∂L/∂b_y", "Σ ∂L/∂o", [], g["b_y"]),
        Eq(
            "∂L/∂h_0",
            "z_1 ⊙ ∂L/∂h_1 + W_hhᵀ δʰ_1" if r["cell"] == "gru" else "W_hhᵀ δ_1",
            [],
            back["dh0"],
        ),
    ]
    if r["cell"] == "lstm":
        eqs.append(Eq("∂L/∂c_0", "∂L/∂c_1 ⊙ f_1", [], back["dc0"]))
    return eqs


def document(r: dict[str, Any]) -> list[Section]:
    """Every section of the worked example, in reading order."""
    sections = [weight_section(r)]
    for step in r["forward"]:
        label = (r["input_labels"] or [None] * len(r["forward"]))[step["t"] - 1]
        note = f"input {label}" if label else ""
        sections.append(Section(f"Forward, t = {step['t']}", forward_equations(r, step), note))
    labels = r["output_labels"]
    note = f"outputs in order: {', '.join(labels)}" if labels else ""
    sections.append(Section("Output and loss", output_equations(r), note))
    if r["backward"] is None:
        return sections
    out = r["output"]
    do_sym = "ŷ - y"
    if r["readout"] == "last":
        first = [Eq("∂L/∂o", do_sym, [out["y"], " - ", out["target"]], out["do"])]
    else:
        first = [
            Eq(f"∂L/∂o_{t + 1}", do_sym, [out["y"][t], " - ", out["target"][t]], out["do"][t])
            for t in range(r["sizes"]["T"])
        ]
    sections.append(Section("Backward: error at the output", first))
    for step in r["backward"]["steps"]:
        sections.append(Section(f"Backward, t = {step['t']}", backward_equations(r, step)))
    sections.append(Section("Gradients (sums over time)", gradient_equations(r)))
    return sections
