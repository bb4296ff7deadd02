"""Model use cases for the web workbench: what a model spec builds, and forecasting from
values given in memory.

``model_summary`` lists every parameter of the network a config would build, with its
PyTorch name, its symbol in DESIGN.md's notation (``rnn.weight_ih_l0`` is W_xh of layer
1, ``head.weight`` is W_hy), its shape and count, and the data of the unrolled diagram.
The network is built on PyTorch's "meta" device: shapes only, no memory for the weights.
A recurrent parameter's symbol and gates, and the diagram's cell state, are the cell
registry's (``rnnlab.cells``): its ``Param.symbol`` per stem, its gates in storage order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.service.runs import predictor
from rnnlab.service.training import load_config
from rnnlab.torch_engine import model_from_config, model_sizes
from rnnlab.train.build import frozen_parameters

DIAGRAM_STEPS = 4
_RNN_PARAM = re.compile(r"^rnn\.(?P<stem>\w+?)_l(?P<layer>\d+)(?P<reverse>_reverse)?$")
_OTHER_SYMBOL = {"embedding.weight": "E", "head.weight": "W_hy", "head.bias": "b_y"}


def _symbols(cell: str | None) -> dict[str, str]:
    """Parameter stem -> symbol of `cell`'s parameters (of every registered cell if None)."""
    chosen = (cells.get(cell),) if cell is not None else cells.all_cells()
    symbols: dict[str, str] = {}
    for cell_type in chosen:
        for param in cell_type.params:
            symbols.setdefault(param.stem, param.symbol)
    return symbols


def parameter_symbol(name: str, cell: str | None = None) -> str:
    """DESIGN.md's symbol of a parameter: rnn.weight_hh_l1_reverse -> W_hh (layer 1, backward).

    The recurrent stems are the registered cells' (`cell`'s alone when given); layers
    count from 0, as PyTorch's names (``_l0``), the figures and ``--layer`` do."""
    if name in _OTHER_SYMBOL:
        return _OTHER_SYMBOL[name]
    match = _RNN_PARAM.match(name)
    symbol = _symbols(cell).get(match["stem"]) if match else None
    if match is None or symbol is None:
        return name
    where = f"layer {int(match['layer'])}" + (", backward" if match["reverse"] else "")
    return f"{symbol} ({where})"


def model_summary(
    task: str,
    model: dict[str, Any] | None = None,
    embedding: dict[str, Any] | None = None,
    vocab_size: int | None = None,
    num_classes: int | None = None,
    horizon: int | None = None,
    input_size: int | None = None,
) -> dict[str, Any]:
    """Parameters (name, symbol, shape, count, gates), totals and the unrolled diagram.

    vocab_size is needed by token tasks, num_classes by classify; input_size, when
    given, is the width D of x_t (an embedding's d, or the features of a series).
    """
    config = _summary_config(task, model, embedding, horizon)
    sizes = _sizes(config, vocab_size, num_classes, input_size)
    m = config.model
    with torch.device("meta"):  # shapes without memory
        network = model_from_config(config, sizes=sizes)
    frozen = frozen_parameters(config)
    parameters = [
        _parameter(name, tuple(p.shape), m.cell) for name, p in network.named_parameters()
    ]
    total = sum(p["count"] for p in parameters)
    trainable = sum(p["count"] for p in parameters if p["name"] not in frozen)
    return {
        "parameters": parameters,
        "total": total,
        "trainable": trainable,
        "sizes": sizes,
        "diagram": _diagram(config),
    }


def _summary_config(
    task: str, model: dict[str, Any] | None, embedding: dict[str, Any] | None, horizon: int | None
) -> Any:
    """A RunConfig with these sections (the data path is a placeholder: shapes only)."""
    embedding = dict(embedding or {})
    init = embedding.get("init")
    if isinstance(init, str) and (init.startswith("embedding:") or init.startswith("file:")):
        embedding["init"] = "random"  # a stored file decides d: pass it as input_size
    data = {"path": "model-summary", "horizon": horizon or 1}
    mapping = {"task": task, "data": data, "model": model or {}, "embedding": embedding}
    return load_config(mapping)


def _sizes(
    config: Any, vocab_size: int | None, num_classes: int | None, input_size: int | None
) -> dict[str, Any]:
    if config.task != "forecast" and not vocab_size:
        raise ConfigError(f"vocab_size: task {config.task} needs the vocabulary size (>= 1)")
    if config.task == "classify" and not num_classes:
        raise ConfigError("num_classes: task classify needs the number of classes (>= 2)")
    if config.task == "tag" and not num_classes:
        raise ConfigError("num_classes: task tag needs the number of tags (>= 1)")
    sizes = model_sizes(config, vocab_size, num_classes)
    onehot = config.task != "forecast" and config.embedding.init == "onehot"
    if input_size is not None and not onehot:
        sizes["input_size"] = input_size
    return sizes


def _parameter(name: str, shape: tuple[int, ...], cell: str) -> dict[str, Any]:
    """One row of the table; `gates`: the cell's gate blocks stacked in the rows (or None)."""
    gates = " ".join(cells.get(cell).gate_names) or None
    return {
        "name": name,
        "symbol": parameter_symbol(name, cell),
        "shape": list(shape),
        "count": int(np.prod(shape)),
        "gates": gates if name.startswith("rnn.") else None,
    }


def _diagram(config: Any) -> dict[str, Any]:
    """What the page draws: T unrolled steps of L layers, 1 or 2 directions, the readout."""
    m = config.model
    cell = cells.get(m.cell)
    labels = {"x": "x_t", "h": "h_t", "y": "y_hat"}
    if cell.has_cell_state:
        labels["c"] = "c_t"
    return {
        "steps": DIAGRAM_STEPS,
        "layers": m.num_layers,
        "directions": 2 if m.bidirectional else 1,
        "readout": "every" if config.task in ("language-model", "tag") else "last",
        "cell": m.cell,
        "display_name": cell.display_name,
        "embedding": config.task != "forecast",
        "labels": labels,
    }


def forecast_values(
    ref: str, steps: int, values: list[float] | None = None, home: str | Path | None = None
) -> dict[str, Any]:
    """Forecast `steps` values after `values` (default: the end of the training series)."""
    history = None if values is None else np.asarray(values, dtype=np.float64)
    return predictor(ref, home).forecast(steps, history)
