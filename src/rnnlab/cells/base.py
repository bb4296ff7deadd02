r"""What a cell type is: the one record every other package reads instead of a cell name.

A cell type (``CellType``) declares, once:

- its name (the value of ``model.cell``), display name and a one-line summary;
- its gates in storage order (PyTorch's where PyTorch has the cell: LSTM ``i f g o``,
  GRU ``r z n``), each with its activation, so figures know a gate's range;
- ``blocks``: how many H-row blocks its input projection has (RNN 1, GRU 3, LSTM 4);
- whether it carries a cell state c_t beside h_t;
- its parameters per layer and direction (``Param``: stem, shape as a function of the
  layer's input size D and hidden size H, initialisation), stored as
  ``{stem}_l{k}`` and ``{stem}_l{k}_reverse`` exactly as ``torch.nn.LSTM`` names them;
- its reference-engine implementation (NumPy, explicit forward and BPTT backward over
  one layer-direction, ``ReferenceCell``), its torch implementation (``torch_native``:
  the ``nn`` class to use, or ``torch_module``: a module of this package with
  ``sequence`` and ``step`` functions), and its calculator equations.

Shapes follow DESIGN.md: time-major ``(T, B, D)`` inside the engines, batch-major rows
``(B, H)`` per step, column vectors in the maths.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, Protocol

import numpy as np

Array = np.ndarray
Activation = Literal["sigmoid", "tanh", "linear", "relu", "positive"]  # positive: minGRU's g
Init = Literal["uniform", "ones", "zeros"]


@dataclass(frozen=True)
class Gate:
    """One gate block: ``name`` is its symbol (``i``), ``title`` its figure title."""

    name: str
    title: str
    activation: Activation = "sigmoid"

    @property
    def value_range(self) -> tuple[float, float]:
        """The range of its activated values, for a colour scale (positive: (0, inf), shown
        up to 2, which g(u) = u + 1/2 reaches at u = 1.5)."""
        ranges = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "positive": (0.0, 2.0)}
        return ranges.get(self.activation, (-1.0, 1.0))


@dataclass(frozen=True)
class Param:
    """One parameter tensor of a layer-direction.

    ``rows`` counts blocks of H rows; ``cols`` is ``"input"`` (D), ``"hidden"`` (H) or
    ``None`` for a vector. ``recurrent`` marks the H x H blocks that ``init: orthogonal``
    and ``init: identity`` replace; ``bias`` the vectors ``identity`` zeroes and
    ``forget_bias`` shifts. ``symbol`` is its name in the maths (``W_xh``).
    """

    stem: str
    rows: int
    cols: Literal["input", "hidden"] | None
    symbol: str
    init: Init = "uniform"
    recurrent: bool = False
    bias: bool = False

    def shape(self, input_size: int, hidden_size: int) -> tuple[int, ...]:
        rows = self.rows * hidden_size
        if self.cols is None:
            return (rows,)
        return (rows, input_size if self.cols == "input" else hidden_size)

    def name(self, layer: int, reverse: bool = False) -> str:
        """The state_dict key: ``weight_ih_l0``, ``weight_ih_l0_reverse``."""
        return f"{self.stem}_l{layer}" + ("_reverse" if reverse else "")


# The four tensors of torch.nn.RNN / LSTM / GRU, for a cell with `blocks` gate blocks.
def torch_layout(blocks: int) -> tuple[Param, ...]:
    return (
        Param("weight_ih", blocks, "input", "W_xh"),
        Param("weight_hh", blocks, "hidden", "W_hh", recurrent=True),
        Param("bias_ih", blocks, None, "b_ih", bias=True),
        Param("bias_hh", blocks, None, "b_hh", bias=True),
    )


class ReferenceCell(Protocol):
    """The NumPy engine's view of a cell: one layer-direction over a whole sequence.

    ``p`` maps a parameter's stem to its array. ``xs`` is ``(T, B, D)`` in processing
    order; ``mask`` ``(T, B, 1)`` is 1.0 inside a sequence's length and 0.0 past it
    (where the state must be carried unchanged), or None. ``forward`` returns the tape
    (``rnnlab.cells.tape.Tape``) that ``backward``, the probes and the calculator read.
    ``backward`` takes dL/dh_t from above ``dy (T, B, H)`` and the final-state gradients,
    and returns ``dxs (T, B, D)``, ``dh0 (B, H)``, ``dc0`` (or None) and the gradients
    keyed by stem.
    """

    def forward(
        self, xs: Array, mask: Array | None, p: Mapping[str, Array], h0: Array, c0: Array | None
    ) -> Any: ...

    def backward(
        self, tape: Any, p: Mapping[str, Array], dy: Array, dh_n: Array, dc_n: Array | None
    ) -> tuple[Array, Array, Array | None, dict[str, Array]]: ...


@dataclass(frozen=True)
class CellType:
    """One cell type (see the module docstring). Registered by ``rnnlab.cells``."""

    name: str
    display_name: str
    summary: str
    gates: tuple[Gate, ...]
    blocks: int
    has_cell_state: bool
    params: tuple[Param, ...]
    reference: Callable[[str], ReferenceCell]  # nonlinearity -> the NumPy implementation
    nonlinearities: tuple[str, ...] = ("tanh",)  # the first is the default
    forget_gate: str | None = None  # the gate whose bias model.forget_bias shifts
    identity_init: bool = False  # init: identity (IRNN) allowed
    torch_native: str | None = None  # "RNN" | "LSTM" | "GRU": torch.nn's own modules
    torch_module: str | None = None  # else a module here with sequence() and step()
    explicit_kernel: str | None = None  # rnnlab's explicit-BPTT torch layer, if it has one
    parallel_scan: bool = False  # gates depend on x_t only: training runs as a scan
    equations: Mapping[str, Any] = field(default_factory=dict)  # calculator hooks

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.gates)

    @property
    def recurrent(self) -> bool:
        """Whether W_hh exists: h_{t-1} enters the gates (not so for minGRU/minLSTM)."""
        return any(p.recurrent for p in self.params)

    def param_shapes(self, input_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
        """Shapes of one layer-direction's parameters, keyed by stem."""
        return {p.stem: p.shape(input_size, hidden_size) for p in self.params}

    def count_params(self, input_size: int, hidden_size: int) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes(input_size, hidden_size).values())

    def torch(self) -> ModuleType:
        """The torch implementation module (``torch_module``), imported on first use."""
        if self.torch_module is None:
            raise TypeError(f"cell {self.name} runs on torch.nn.{self.torch_native}")
        return importlib.import_module(self.torch_module)

    def describe(self) -> dict[str, Any]:
        """The JSON the web page and ``rnnlab cells`` show (no copy lives in the page)."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "summary": self.summary,
            "gates": [
                {"name": g.name, "title": g.title, "activation": g.activation} for g in self.gates
            ],
            "has_cell_state": self.has_cell_state,
            "recurrent": self.recurrent,
            "parallel_scan": self.parallel_scan,
            "nonlinearities": list(self.nonlinearities),
            "forget_gate": self.forget_gate,
            "identity_init": self.identity_init,
            "params": [
                {"stem": p.stem, "symbol": p.symbol, "rows": f"{p.rows}H", "cols": p.cols}
                for p in self.params
            ],
        }
