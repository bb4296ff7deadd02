"""The worked example as a list of equations, built from a trace result.

An ``Eq`` (``rnnlab.cells.equation``) holds a left-hand symbol, the symbolic right-hand
side, the same side with the cached numbers substituted (a list of arrays and text
pieces) and the result the engine computed. The renderers (text, Markdown, LaTeX, the
web page's structured form) all read this one list. What is particular to a cell (its
step equations, its gradients) comes from the cell's hooks, ``CELL.equations``; this
module writes what every cell shares: the weights, the output and loss, dL/dh_t and the
sections' order. Symbols use the plain notation of ``rnnlab.cells.equation``, which the
LaTeX renderer translates.
"""

from __future__ import annotations

from typing import Any

from rnnlab import cells
from rnnlab.cells.equation import Eq, Section


def _describe_network(r: dict[str, Any]) -> str:
    sz = r["sizes"]
    cell = cells.get(r["cell"])
    name = cell.equations.get("network_name")
    kind = name(r["nonlinearity"]) if name else cell.display_name
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


def shown_weights(r: dict[str, Any]) -> list[str]:
    """The cell's parameter symbols as the example shows them: a merged bias (``b_h``)
    in place of its two parts when the file gave it."""
    cell = cells.get(r["cell"])
    merged = cell.equations["spelling"].merged
    names = [p.symbol for p in cell.params]
    if merged is None or not r["combined_bias"]:
        return names
    first = min(names.index(part) for part in merged.parts)
    kept = [n for n in names if n not in merged.parts]
    return [*kept[:first], merged.symbol, *kept[first:]]


def weight_section(r: dict[str, Any]) -> Section:
    w = r["weights"]
    eqs = [Eq(name, "", [], w[name]) for name in [*shown_weights(r), "W_hy", "b_y"]]
    eqs.append(Eq("h_0", "", [], r["h0"]))
    if cells.get(r["cell"]).has_cell_state:
        eqs.append(Eq("c_0", "", [], r["c0"]))
    return Section("Weights and initial state", eqs, _describe_network(r), "start", "start")


def forward_equations(r: dict[str, Any], step: dict[str, Any]) -> list[Eq]:
    """One forward time step: the cell's own equations."""
    return cells.get(r["cell"]).equations["forward"](r, step)


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
    nxt = "0" if t == T else cells.get(r["cell"]).equations["dh_from_next"](t + 1)
    return Eq(
        f"∂L/∂h_{t}", f"{from_out} + {nxt}", [step["dh_out"], " + ", step["dh_next"]], step["dh"]
    )


def backward_equations(r: dict[str, Any], step: dict[str, Any]) -> list[Eq]:
    """One backward time step: dL/dh_t, then the cell's own equations."""
    return [_dh_equation(r, step), *cells.get(r["cell"]).equations["backward"](r, step)]


def gradient_equations(r: dict[str, Any]) -> list[Eq]:
    cell = cells.get(r["cell"])
    g, back = r["backward"]["grads"], r["backward"]
    head_h = "h_T" if r["readout"] == "last" else "h_t"
    eqs = [
        *cell.equations["gradients"](r),
        Eq("∂L/∂W_hy", f"Σ ∂L/∂o {head_h}ᵀ", [], g["W_hy"]),
        Eq("∂L/∂b_y", "Σ ∂L/∂o", [], g["b_y"]),
        Eq("∂L/∂h_0", cell.equations["dh_from_next"](1), [], back["dh0"]),
    ]
    if cell.has_cell_state:
        eqs.append(Eq("∂L/∂c_0", cell.equations["dc_from_next"](1), [], back["dc0"]))
    return eqs + [Eq(f"∂L/∂x_{k}", "", [], dx) for k, dx in enumerate(back["dx"], start=1)]


def document(r: dict[str, Any]) -> list[Section]:
    """Every section of the worked example, in reading order."""
    sections = [weight_section(r)]
    for step in r["forward"]:
        t = step["t"]
        label = (r["input_labels"] or [None] * len(r["forward"]))[t - 1]
        note = f"input {label}" if label else ""
        eqs = [Eq(f"x_{t}", "", [], step["x"]), *forward_equations(r, step)]
        sections.append(Section(f"Forward, t = {t}", eqs, note, f"f{t}", "forward"))
    labels = r["output_labels"]
    note = f"outputs in order: {', '.join(labels)}" if labels else ""
    sections.append(Section("Output and loss", output_equations(r), note, "out", "output"))
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
    sections.append(Section("Backward: error at the output", first, "", "dout", "backward"))
    for step in r["backward"]["steps"]:
        t = step["t"]
        eqs = backward_equations(r, step)
        sections.append(Section(f"Backward, t = {t}", eqs, "", f"b{t}", "backward"))
    grads = gradient_equations(r)
    sections.append(Section("Gradients (sums over time)", grads, "", "grads", "gradients"))
    return sections
