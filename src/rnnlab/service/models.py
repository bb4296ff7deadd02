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
from rnnlab.torch_engine.seq2seq_build import seq2seq_from_config
from rnnlab.train.build import frozen_parameters

DIAGRAM_STEPS = 4
_RNN_PARAM = re.compile(r"^rnn\.(?P<stem>\w+?)_l(?P<layer>\d+)(?P<reverse>_reverse)?$")
_OTHER_SYMBOL = {"embedding.weight": "E", "head.weight": "W_hy", "head.bias": "b_y"}
# An encoder-decoder's parameters outside its recurrent cells, as torch_engine.seq2seq and
# seq2seq_attention write them: E_x / E_y the source / target embeddings, W_b and W_c the
# bridge to the decoder's s_0 and c_0, W_o the output layer, W_s W_h v (additive) and W_a
# (general) the attention's.
_SEQ2SEQ_SYMBOL = {
    "encoder.embedding.weight": "E_x",
    "decoder.embedding.weight": "E_y",
    "bridge.W_b.weight": "W_b",
    "bridge.W_b.bias": "b_b",
    "bridge.W_c.weight": "W_c",
    "bridge.W_c.bias": "b_c",
    "decoder.out.weight": "W_o",
    "decoder.out.bias": "b_o",
    "decoder.attention.W_s.weight": "W_s",
    "decoder.attention.W_h.weight": "W_h",
    "decoder.attention.W_h.bias": "b_h",
    "decoder.attention.v.weight": "v",
    "decoder.attention.W_a.weight": "W_a",
}
_ENCODER, _DECODER = "encoder.rnn.", "decoder.cell."


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
    return _recurrent_symbol(name, cell) or name


def _recurrent_symbol(name: str, cell: str | None, part: str = "") -> str | None:
    """W_hh (layer 1, backward) of rnn.weight_hh_l1_reverse; `part` ("encoder, ") leads
    the brackets; None for a name that is not a recurrent parameter of `cell`."""
    match = _RNN_PARAM.match(name)
    symbol = _symbols(cell).get(match["stem"]) if match else None
    if match is None or symbol is None:
        return None
    where = f"layer {int(match['layer'])}" + (", backward" if match["reverse"] else "")
    return f"{symbol} ({part}{where})"


def seq2seq_symbol(name: str, cell: str, decoder_cell: str) -> str:
    """The symbol of an encoder-decoder's parameter: encoder.rnn.weight_hh_l0 -> W_hh
    (encoder, layer 0), decoder.cell.weight_ih -> W_xh (decoder), decoder.out.weight ->
    W_o; the name itself where none is known."""
    if name in _SEQ2SEQ_SYMBOL:
        return _SEQ2SEQ_SYMBOL[name]
    if name.startswith(_ENCODER):
        return _recurrent_symbol("rnn." + name.removeprefix(_ENCODER), cell, "encoder, ") or name
    if name.startswith(_DECODER):
        symbol = _symbols(decoder_cell).get(name.removeprefix(_DECODER))
        return f"{symbol} (decoder)" if symbol else name
    return name


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
    if config.task == "seq2seq":
        return _seq2seq_summary(config, vocab_size, input_size)
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


def _seq2seq_summary(config: Any, vocab_size: int | None, input_size: int | None) -> dict[str, Any]:
    """An encoder-decoder's parameters (source and target vocabularies both V, the
    embeddings' width input_size when given), its totals and its diagram."""
    if not vocab_size:
        raise ConfigError("vocab_size: task seq2seq needs the vocabulary size (>= 1)")
    if input_size is not None:
        config = config.model_copy(
            update={"embedding": config.embedding.model_copy(update={"dim": input_size})}
        )
    with torch.device("meta"):  # shapes without memory
        network = seq2seq_from_config(config, vocab_size, vocab_size)
    m = config.model
    decoder_cell = m.decoder_cell or m.cell
    parameters = []
    for name, p in network.named_parameters():
        row = _parameter(name, tuple(p.shape), m.cell)
        row["symbol"] = seq2seq_symbol(name, m.cell, decoder_cell)
        recurrent = m.cell if name.startswith(_ENCODER) else decoder_cell
        inside = name.startswith((_ENCODER, _DECODER))
        row["gates"] = (" ".join(cells.get(recurrent).gate_names) or None) if inside else None
        parameters.append(row)
    total = sum(p["count"] for p in parameters)
    sizes = {
        "input_size": config.embedding.dim,
        "num_outputs": vocab_size,
        "vocab_size": vocab_size,
    }
    return {
        "parameters": parameters,
        "total": total,
        "trainable": total,
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
