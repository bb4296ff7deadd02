"""ModelSpec: the ``model`` section of a run config, checked against the cell registry.

``cell`` accepts exactly ``rnnlab.cells.names()``; which other options a cell takes is
the registry's answer too: ``nonlinearity`` one of the cell's ``nonlinearities``,
``init: orthogonal`` only for a cell with W_hh (``recurrent``), ``init: identity`` only
where ``identity_init``, ``forget_bias`` only for a cell with a ``forget_gate``. The JSON
schema (the web's form) lists the registered cells as the field's ``enum``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rnnlab import cells
from rnnlab.cells import CellType
from rnnlab.spec.io import short_repr


class Strict(BaseModel):
    """A config section: unknown fields, loose types and non-finite floats are refused."""

    # strict: `hidden_size: true` or `2.5` is not an integer, "3" is not a number;
    # allow_inf_nan=False: every float is finite (.inf, .nan are refused)
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )


def _registry_enum(values: Callable[[], Iterable[str]]) -> Callable[[dict[str, Any]], None]:
    """A field's JSON-schema `enum`, read from the cell registry when the schema is made."""

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = list(values())

    return extra


def _all_nonlinearities() -> tuple[str, ...]:
    """Every nonlinearity some registered cell takes, in registry order."""
    return tuple(dict.fromkeys(n for cell in cells.all_cells() for n in cell.nonlinearities))


def _cells_with(test: Callable[[CellType], object]) -> str:
    """The names of the registered cells that pass `test`, for an error message."""
    return " | ".join(cell.name for cell in cells.all_cells() if test(cell)) or "none"


# A task whose default model.bidirectional differs from the field's default; RunConfig fills
# the field from here when a config leaves it out (the schema's description says so).
BIDIRECTIONAL_BY_TASK: dict[str, bool] = {"tag": True}


class ModelSpec(Strict):
    """The recurrent network between the embedding and the head.

    ``cell`` is a name of the cell registry (``rnnlab.cells.names()``); which of the other
    options a cell takes is the registry's answer too (its nonlinearities, whether it has
    W_hh for init orthogonal, identity_init, a forget gate).
    """

    cell: str = Field(
        "lstm",
        description="a registered cell (rnnlab cells lists them)",
        json_schema_extra=_registry_enum(cells.names),
    )
    nonlinearity: str = Field(
        "tanh",
        description="f of cells that take one (e.g. rnn: tanh | relu)",
        json_schema_extra=_registry_enum(_all_nonlinearities),
    )
    hidden_size: int = Field(128, ge=1, le=8192)
    num_layers: int = Field(1, ge=1, le=16)
    bidirectional: bool = Field(
        False,
        description="read the sequence both ways; when left out: "
        + ", ".join(f"{v} for task {k}".lower() for k, v in BIDIRECTIONAL_BY_TASK.items())
        + ", else false",
    )
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    init: Literal["default", "orthogonal", "identity"] = "default"
    forget_bias: float = Field(
        0.0, ge=-100.0, le=100.0, description="cells with a forget gate: added to its bias"
    )
    attention: Literal["none", "additive", "dot", "general"] = Field(
        "additive",
        description="task seq2seq: how the decoder reads the encoder's states: additive "
        "(Bahdanau), dot or general (Luong), none (the final state only)",
    )
    decoder_cell: str | None = Field(
        None,
        description="task seq2seq: the decoder's cell (a registered cell with a torch.nn "
        "module); null: the same as cell",
    )

    @field_validator("cell")
    @classmethod
    def _registered_cell(cls, value: str) -> str:
        if value not in cells.names():
            allowed = " | ".join(cells.names())
            raise ValueError(f"expected one of {allowed}, received {short_repr(value)}")
        return value

    @model_validator(mode="after")
    def _cell_options(self) -> ModelSpec:
        cell = cells.get(self.cell)
        if self.nonlinearity not in cell.nonlinearities:
            raise ValueError(
                f"nonlinearity: expected {' | '.join(cell.nonlinearities)} for cell {cell.name}, "
                f"received {short_repr(self.nonlinearity)} (cells that take "
                f"{short_repr(self.nonlinearity)}: "
                f"{_cells_with(lambda c: self.nonlinearity in c.nonlinearities)})"
            )
        inits = ("default", *(("orthogonal",) if cell.recurrent else ()))
        inits += ("identity",) if cell.identity_init else ()
        if self.init not in inits:
            takers = _cells_with(
                (lambda c: c.identity_init) if self.init == "identity" else (lambda c: c.recurrent)
            )
            raise ValueError(
                f"init: expected {' | '.join(inits)} for cell {cell.name}, received "
                f"{self.init!r} (cells that take {self.init}: {takers})"
            )
        if cell.forget_gate is None and self.forget_bias != 0.0:
            takers = _cells_with(lambda c: c.forget_gate)
            raise ValueError(
                f"forget_bias: expected 0 for cell {cell.name}, which has no forget gate, "
                f"received {self.forget_bias} (cells with one: {takers})"
            )
        return self
