"""The cell registry: every package asks here what a cell is, instead of switching on names.

    from rnnlab import cells
    lstm = cells.get("lstm")            # a CellType (rnnlab.cells.base)
    lstm.gate_names                     # ("i", "f", "g", "o")
    cells.names()                       # ("rnn", "lstm", "gru", ...) in registration order

A cell lives in one module of this package, ``rnnlab/cells/<name>.py``, which defines
``CELL = CellType(...)`` and the NumPy implementation and calculator equations it points
to; a cell that torch.nn lacks adds ``<name>_torch.py`` (its ``sequence`` and ``step``
functions), imported only when the torch engine runs it. Modules are found by walking
the package: adding a cell means adding its module(s), nothing here. Modules whose name
starts with ``_`` or ends with ``_torch`` are not cells (helpers, torch code); every
other module that defines ``CELL`` is one.

Layering (DESIGN.md): this package sits above ``rnnlab.errors`` and below ``spec``, so
config validation can ask it; it imports NumPy (and torch lazily), nothing of rnnlab's
higher layers.
"""

from __future__ import annotations

import importlib
import pkgutil

from rnnlab.cells.base import CellType, Gate, Param
from rnnlab.errors import ConfigError

__all__ = ["CellType", "Gate", "Param", "all_cells", "get", "names"]

_ORDER = ("rnn", "lstm", "gru")  # the classic cells first; the rest in name order
_NOT_CELLS = ("base", "tape", "functions", "equation")
_REGISTRY: dict[str, CellType] = {}


def _discover() -> dict[str, CellType]:
    if _REGISTRY:
        return _REGISTRY
    found: dict[str, CellType] = {}
    for info in pkgutil.iter_modules(__path__):
        name = info.name
        if name.startswith("_") or name.endswith("_torch") or name in _NOT_CELLS:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        cell = getattr(module, "CELL", None)
        if isinstance(cell, CellType):
            if cell.name in found:
                raise RuntimeError(f"cell {cell.name!r} is defined twice (module {name})")
            found[cell.name] = cell
    ordered = sorted(found, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    _REGISTRY.update({n: found[n] for n in ordered})
    return _REGISTRY


def names() -> tuple[str, ...]:
    """Every registered cell name, the value ``model.cell`` accepts."""
    return tuple(_discover())


def all_cells() -> tuple[CellType, ...]:
    return tuple(_discover().values())


def get(name: str) -> CellType:
    """The cell called `name`; ConfigError listing the cells there are otherwise."""
    registry = _discover()
    if name not in registry:
        raise ConfigError(f"cell: expected one of {' | '.join(registry)}, received {name!r}")
    return registry[name]
