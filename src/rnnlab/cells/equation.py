r"""The calculator's equations: the data a worked example is made of, and a cell's hooks.

The step-by-step calculator (``rnnlab.trace``) runs a small network through the
reference engine, collects every number of its tape into a *trace result* ``r`` (a dict,
described below) and writes the worked example as a list of ``Section``\ s of ``Eq``\ s.
The text, Markdown and LaTeX renderers and the web page all format that one list; nobody
else writes a formula. What differs between cells lives with the cell, as the hooks in
``CELL.equations`` (a mapping; build it with ``hooks(...)`` below, which checks it):

===================  ======================================================================
key                  what the cell gives
===================  ======================================================================
``forward_values``   ``fn(tape, s) -> {name: vector}``: the numbers of processed step ``s``
                     (0-based) that its equations show, for batch row 0 (the calculator
                     runs B = 1): e.g. ``{"zx": tape.zx[s, 0], "z": ..., "i": ...}``. The
                     trace adds ``t`` (= s + 1), ``x`` (before) and ``h`` (after) itself.
``backward_values``  ``fn(tape, s, nonlinearity) -> {name: vector}``: the same for the
                     backward pass, read after ``backward`` (``delta`` and whatever else
                     its equations show). The trace adds ``t``, ``dh_out`` (dL/dh_t from
                     the readout), ``dh_next`` (from step t+1) and ``dh`` (their sum).
``forward``          ``fn(r, step) -> list[Eq]``: one forward step's equations, ``step``
                     being ``r["forward"][t - 1]`` (the dict of ``forward_values`` above);
                     the trace shows ``x_t`` before them.
``backward``         ``fn(r, step) -> list[Eq]``: one backward step's equations after the
                     trace's own ``dL/dh_t = (from the output) + (from step t+1)``;
                     ``step`` is the dict of ``backward_values`` above.
``dh_from_next``     ``fn(k) -> str``: the rule of what dL/dh_{k-1} receives from step k
                     (``"W_hhᵀ δ_k"``); used in the dL/dh equations and for dL/dh_0.
``dc_from_next``     the same for dL/dc_{k-1} (cells with a cell state only).
``gradients``        ``fn(r) -> list[Eq]``: the gradients of the cell's own parameters,
                     summed over time (``r["backward"]["grads"][symbol]``); the trace adds
                     the readout's, dL/dh_0 (and dL/dc_0) from the rules above, dL/dx_t.
``spelling``         a ``Spelling``: how a trace file may write the parameters besides
                     their ``Param.symbol`` (per-gate blocks, one merged bias).
``network_name``     ``fn(nonlinearity) -> str``: the network's name in the example's first
                     line (default: the cell's display name).
===================  ======================================================================

The trace result ``r`` (``rnnlab.trace.compute``): ``cell``, ``nonlinearity``,
``combined_bias`` (the file gave the ``Spelling``'s merged bias), ``sizes`` (``T D H O``),
``gate_order``, ``weights`` (``{Param.symbol: array}`` plus the merged bias and the head's
``W_hy``, ``b_y``), ``h0`` (and ``c0`` for a cell state), ``forward`` (one dict per step),
``output``, ``loss`` and ``backward`` (``steps``: one dict per step, last step first;
``grads`` keyed like ``weights``; ``dx``; ``dh0``, ``dc0``) — or ``None`` without a target.

The weights section is the trace's: each ``Param`` by its symbol (the merged bias in place
of its parts when the file gave it), the readout, ``h_0`` (and ``c_0``).

Notation of an ``Eq`` (plain text, which the LaTeX renderer translates): ``W_xh``,
``h_{t-1}``, ``z^i_3`` (gate i of z at t = 3), ``δ``, ``δʰ``, ``σ``, ``tanh``, ``⊙``,
``Σ_t``, ``∂L/∂W_hh``, ``ŷ``, ``ᵀ``, ``²``. A cell's symbols for its own parameters are
its ``Param.symbol``\ s. Column vectors as in DESIGN.md.

This module imports NumPy only: it sits in ``rnnlab.cells`` so that a cell's module can
build its equations next to its maths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray
Piece = Array | str  # a piece of an equation's numeric side: numbers, or text between them
Result = dict[str, Any]  # a trace result (see the module docstring)
Step = dict[str, Any]  # one step's dict of r["forward"] or r["backward"]["steps"]


@dataclass
class Eq:
    """One line of the worked example: ``lhs = symbolic = numeric = result``.

    ``symbolic`` is the rule (empty for a plain value, e.g. a weight); ``numeric`` the
    rule with the numbers substituted, as pieces: arrays and the text between them
    (``["σ(", z_i, ")"]``; empty when the rule has no useful substitution); ``result``
    the number(s) the engine computed (never recomputed here).
    """

    lhs: str
    symbolic: str
    numeric: list[Piece] = field(default_factory=list)
    result: Array | float | None = None


@dataclass
class Section:
    """A titled group of equations: one time step, the output, the gradients.

    ``key`` names it for the web page's timeline (``f1``, ``b3``, ``grads``) and
    ``phase`` is one of ``start forward output backward gradients``.
    """

    title: str
    equations: list[Eq]
    note: str = ""
    key: str = ""
    phase: str = ""


@dataclass(frozen=True)
class MergedBias:
    """One bias a file may give instead of an input-side and a hidden-side one.

    ``symbol`` (``b_h``) is loaded as ``parts[0]`` (``b_ih``) with ``parts[1]`` zero;
    ``per_gate`` (``b_{g}``) is its per-gate spelling. The result's weights and
    gradients show it too (weight: the sum of the parts; gradient: that of ``parts[0]``,
    equal to the other's when both sides share one delta).
    """

    symbol: str
    parts: tuple[str, str]
    per_gate: str = ""


@dataclass(frozen=True)
class Spelling:
    """How a trace file may write a cell's parameters besides their ``Param.symbol``.

    ``per_gate`` maps a symbol to the name pattern of its gate blocks (``"W_xh":
    "W_x{g}"``): a parameter of ``len(gates)`` H-row blocks may then be given block by
    block (``W_xi W_xf W_xg W_xo``). ``merged`` is an optional ``MergedBias``.
    ``refused`` maps names a reader might try to why this cell refuses them (the error
    text). ``meanings`` says what each symbol is, for the web editor's labels.
    """

    per_gate: Mapping[str, str] = field(default_factory=dict)
    merged: MergedBias | None = None
    refused: Mapping[str, str] = field(default_factory=dict)
    meanings: Mapping[str, str] = field(default_factory=dict)


# PyTorch's four tensors (base.torch_layout) as the classic cells spell them.
TORCH_SPELLING = Spelling(
    per_gate={"W_xh": "W_x{g}", "W_hh": "W_h{g}", "b_ih": "b_x{g}", "b_hh": "b_h{g}"},
    merged=MergedBias("b_h", ("b_ih", "b_hh"), "b_{g}"),
    meanings={
        "W_xh": "input → hidden",
        "W_hh": "hidden → hidden",
        "b_ih": "input-side bias",
        "b_hh": "hidden-side bias",
        "b_h": "hidden bias",
    },
)

HOOK_KEYS = (
    "forward_values",
    "backward_values",
    "forward",
    "backward",
    "dh_from_next",
    "dc_from_next",
    "gradients",
    "spelling",
    "network_name",
)


def hooks(
    *,
    forward_values: Callable[[Any, int], dict[str, Array]],
    backward_values: Callable[[Any, int, str], dict[str, Array]],
    forward: Callable[[Result, Step], list[Eq]],
    backward: Callable[[Result, Step], list[Eq]],
    dh_from_next: Callable[[int], str],
    gradients: Callable[[Result], list[Eq]],
    spelling: Spelling | None = None,
    dc_from_next: Callable[[int], str] | None = None,
    network_name: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """A cell's ``CELL.equations`` (see the module docstring for each hook)."""
    return {
        "forward_values": forward_values,
        "backward_values": backward_values,
        "forward": forward,
        "backward": backward,
        "dh_from_next": dh_from_next,
        "dc_from_next": dc_from_next,
        "gradients": gradients,
        "spelling": spelling or Spelling(),
        "network_name": network_name,
    }


# ---------------------------------------------------------------- helpers for hooks
def parts(vector: Array, n: int) -> list[Array]:
    """The n gate blocks of a stacked vector (``[z^i; z^f; z^g; z^o]``)."""
    return np.split(np.asarray(vector), n)


def previous(r: Result, step: Step, name: str) -> Array:
    """State ``name`` (``h`` or ``c``) at t-1: the initial state at t = 1."""
    t = step["t"]
    return r[f"{name}0"] if t == 1 else r["forward"][t - 2][name]


def forward_of(r: Result, step: Step) -> Step:
    """The forward step's dict of a backward step (the same t)."""
    return r["forward"][step["t"] - 1]


def preactivation(r: Result, step: Step) -> Eq:
    """``z_t = (W_xh x_t + b_ih) + (W_hh h_{t-1} + b_hh)`` from the tape's two halves."""
    t = step["t"]
    if r["combined_bias"]:
        sym = f"(W_xh x_{t} + b_h) + W_hh h_{t - 1}"
    else:
        sym = f"(W_xh x_{t} + b_ih) + (W_hh h_{t - 1} + b_hh)"
    return Eq(f"z_{t}", sym, [step["zx"], " + ", step["zh"]], step["z"])


def layout_gradients(r: Result, hidden_delta: str = "δ_t") -> list[Eq]:
    """Gradients of PyTorch's four tensors: sums over time of the deltas.

    ``hidden_delta`` is the delta of the hidden side (``δʰ_t`` for a GRU, whose reset
    gate scales the candidate's hidden part).
    """
    g = r["backward"]["grads"]
    eqs = [
        Eq("∂L/∂W_xh", "Σ_t δ_t x_tᵀ", [], g["W_xh"]),
        Eq("∂L/∂W_hh", f"Σ_t {hidden_delta} h_{{t-1}}ᵀ", [], g["W_hh"]),
    ]
    if r["combined_bias"]:
        return [*eqs, Eq("∂L/∂b_h", "Σ_t δ_t", [], g["b_h"])]
    return [
        *eqs,
        Eq("∂L/∂b_ih", "Σ_t δ_t", [], g["b_ih"]),
        Eq("∂L/∂b_hh", f"Σ_t {hidden_delta}", [], g["b_hh"]),
    ]
