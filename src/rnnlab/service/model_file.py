"""The model file (``rnnlab export --format safetensors``): one self-contained safetensors file.

Tensors: the model's weights under PyTorch's state_dict names (``embedding.weight``,
``rnn.weight_ih_l0`` ... ``rnn.bias_hh_l{k}_reverse``, ``head.weight``, ``head.bias``).
Header metadata (safetensors allows string values only; the JSON ones are JSON text):

    format          "rnnlab-model"
    format_version  "1"      (MODEL_FILE_VERSION; a reader refuses any other)
    rnnlab_version  the version that wrote it
    run             the run id it was exported from
    task            language-model | classify | forecast | tag
    config          JSON: the run's full config (model.cell, hidden_size, data.tokenizer ...)
    vocab           JSON (token tasks): {"format": "rnnlab-vocab", "version", "tokens": [...]}
    classes         JSON (classify): the class names, in output order
    tags, tag_format
                    JSON (tag): the tag vocabulary {"format": "rnnlab-tags", "tags": [...]},
                    in output order, and the data format trained on (punctuated: characters)
    scaler, series, history
                    JSON (forecast): how values are scaled / transformed for the net, and the
                    training series' last values

The ONNX and TorchScript exports carry the same metadata (``model_metadata``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from rnnlab import __version__
from rnnlab.data.tagging import TagVocab
from rnnlab.data.vocab import Vocab
from rnnlab.errors import DataError, RnnlabError
from rnnlab.predict import ModelBundle
from rnnlab.spec.io import parse_json_data
from rnnlab.spec.run import parse_run_config

MODEL_FILE_FORMAT = "rnnlab-model"
MODEL_FILE_VERSION = 1
_OPTIONAL_JSON = ("vocab", "classes", "scaler", "series", "history", "tags", "tag_format")


def model_metadata(bundle: ModelBundle, run_id: str) -> dict[str, str]:
    """The metadata every export carries, as strings (JSON text for structured fields)."""
    config = bundle.config
    values: dict[str, Any] = {
        "vocab": None if bundle.vocab is None else bundle.vocab.to_json(),
        "classes": bundle.classes,
        "scaler": bundle.scaler,
        "series": bundle.series,
        "history": bundle.history,
        "tags": None if bundle.tags is None else bundle.tags.to_dict(),
        "tag_format": bundle.tag_format,
    }
    meta = {
        "format": MODEL_FILE_FORMAT,
        "format_version": str(MODEL_FILE_VERSION),
        "rnnlab_version": __version__,
        "run": run_id,
        "task": config.task,
        "config": json.dumps(config.model_dump(mode="json"), ensure_ascii=False),
    }
    for key, value in values.items():
        if value is not None:
            meta[key] = json.dumps(value, ensure_ascii=False)
    return meta


def model_file_bytes(bundle: ModelBundle, run_id: str) -> bytes:
    """The model file's content: the bundle's weights and ``model_metadata``."""
    arrays = {key: np.ascontiguousarray(value) for key, value in bundle.weights.items()}
    return save_arrays(arrays, metadata=model_metadata(bundle, run_id))


def read_model_file(path: str | Path) -> ModelBundle:
    """A model file's weights, config, vocab, classes and scaler, validated: a DataError
    names the file and the field that is missing or wrong."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        arrays = load_arrays(data)
        header = _header(data)
    except (SafetensorError, ValueError, TypeError, RnnlabError) as err:
        raise DataError(f"{path}: not a safetensors file: {err}") from None
    meta = header.get("__metadata__") or {}
    if meta.get("format") != MODEL_FILE_FORMAT:
        raise DataError(
            f"{path}: metadata 'format': expected {MODEL_FILE_FORMAT!r}, "
            f"received {meta.get('format')!r}"
        )
    if meta.get("format_version") != str(MODEL_FILE_VERSION):
        raise DataError(
            f"{path}: metadata 'format_version': expected {MODEL_FILE_VERSION}, "
            f"received {meta.get('format_version')!r}"
        )
    fields = {key: _json_field(path, meta, key) for key in ("config", *_OPTIONAL_JSON)}
    if fields["config"] is None:
        raise DataError(f"{path}: metadata 'config': missing")
    return ModelBundle(
        config=parse_run_config(fields["config"], f"{path}: config"),
        weights=arrays,
        vocab=None if fields["vocab"] is None else Vocab.from_json(fields["vocab"], f"{path}"),
        classes=fields["classes"],
        scaler=fields["scaler"],
        history=fields["history"],
        series=fields["series"],
        tags=None
        if fields["tags"] is None
        else TagVocab.from_dict(fields["tags"], f"{path}: tags"),
        tag_format=fields["tag_format"],
    )


def _header(data: bytes) -> dict[str, Any]:
    """The JSON header of safetensors bytes (8-byte little-endian length, then JSON)."""
    size = int.from_bytes(data[:8], "little")
    header = parse_json_data(data[8 : 8 + size], "header")
    if not isinstance(header, dict):
        raise DataError("header: expected a JSON object")
    return header


def _json_field(path: Path, meta: dict[str, str], key: str) -> Any:
    if key not in meta:
        return None
    return parse_json_data(meta[key], f"{path}: metadata {key!r}")
