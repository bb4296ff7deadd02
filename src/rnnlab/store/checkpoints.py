"""Checkpoints: arrays in safetensors, metadata in JSON; never pickle.

A checkpoint with tag ``last`` in a folder is two files:

    last.json                          {"format": "rnnlab-checkpoint", "version": 1,
                                        "arrays_file": "last.<sha16>.safetensors",
                                        "arrays_sha256": "<64 hex>", "meta": {...}}
    last.<sha16>.safetensors           the arrays (sha16: the first 16 hex of their sha256)

The arrays are written first, the JSON last, each atomically: a JSON file present
means its arrays are complete. The arrays file is named after its content so that
writing a tag again never touches the arrays the current JSON points to: a process
killed at any moment leaves the previous checkpoint or the new one, whole. Arrays
files no JSON points to any more are removed after the JSON is replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.files import atomic_write_bytes
from rnnlab.spec.io import parse_json_data
from rnnlab.store.files import atomic_write_json

FORMAT = "rnnlab-checkpoint"
VERSION = 1
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# what a training run's checkpoint meta must hold (and may hold), with the JSON type of each
RUN_META: dict[str, type] = {"config": dict, "progress": dict}
RUN_META_OPTIONAL: dict[str, type] = {
    "rng": dict,
    "metrics": dict,
    "best_metrics": dict,
    "vocab": dict,
    "classes": list,
}
PROGRESS_COUNTERS = ("step", "epoch", "batch_index")
_W_HH = re.compile(r"\.weight_hh_l\d+(_reverse)?$")  # W_hh of layer k: (gates*H, H)
_KIND_NAMES = {dict: "object", list: "array"}
_ARRAYS_FILE = re.compile(r"^(?P<tag>[A-Za-z0-9][A-Za-z0-9_-]*)\.[0-9a-f]{16}\.safetensors$")


def write_checkpoint(
    folder: str | Path, tag: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> Path:
    """Write checkpoint `tag` (arrays, then JSON) into `folder`; return the JSON's path."""
    folder = Path(folder)
    _check_tag(tag)
    data = save_arrays({key: _contiguous(key, value) for key, value in arrays.items()})
    digest = hashlib.sha256(data).hexdigest()
    arrays_name = f"{tag}.{digest[:16]}.safetensors"
    document = {
        "format": FORMAT,
        "version": VERSION,
        "tag": tag,
        "arrays_file": arrays_name,
        "arrays_sha256": digest,
        "meta": meta,
    }
    try:
        json.dumps(document)
    except (TypeError, ValueError) as err:
        raise DataError(f"checkpoint {tag!r} in {folder}: meta is not JSON-able: {err}") from None
    atomic_write_bytes(folder / arrays_name, data)
    json_path = atomic_write_json(folder / f"{tag}.json", document)
    _remove_stale_arrays(folder, tag, keep=arrays_name)
    return json_path


def read_checkpoint(folder: str | Path, tag: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and meta of checkpoint `tag` in `folder`, validated (DataError otherwise)."""
    folder = Path(folder)
    _check_tag(tag)
    json_path = folder / f"{tag}.json"
    for attempt in range(3):
        document = _read_document(json_path, folder, tag)
        arrays_path = folder / document["arrays_file"]
        try:
            data = arrays_path.read_bytes()
            break
        except FileNotFoundError:
            if attempt == 2 or _read_document(json_path, folder, tag) == document:
                raise DataError(
                    f"{arrays_path}: missing; checkpoint {tag!r} ({json_path}) is incomplete"
                ) from None
            # the tag was rewritten while we read it: read the new JSON
        except OSError as err:
            raise DataError(f"{arrays_path}: cannot read: {err.strerror or err}") from err
    if hashlib.sha256(data).hexdigest() != document["arrays_sha256"]:
        raise DataError(
            f"corrupt checkpoint: {arrays_path}: its sha256 does not match arrays_sha256 "
            f"in {json_path}; checkpoint {tag!r} is incomplete or corrupted"
        )
    try:
        arrays = load_arrays(data)
    except (SafetensorError, ValueError, TypeError) as err:
        raise DataError(
            f"corrupt checkpoint: {arrays_path}: not a valid safetensors file: {err}"
        ) from None
    return arrays, document["meta"]


def read_run_checkpoint(
    folder: str | Path, tag: str
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A training run's checkpoint (read_checkpoint), its meta checked for what resuming and
    predicting read: DataError "corrupt checkpoint: <file>: ..." naming the missing or wrong
    field, instead of a KeyError later."""
    arrays, meta = read_checkpoint(folder, tag)
    json_path = Path(folder) / f"{tag}.json"
    for key, kind in RUN_META.items():
        if key not in meta:
            raise DataError(f"corrupt checkpoint: {json_path}: missing {key!r} in meta")
        _check_kind(json_path, key, meta[key], kind)
    for key, kind in RUN_META_OPTIONAL.items():
        if key in meta:
            _check_kind(json_path, key, meta[key], kind)
    progress = meta["progress"]
    for key in PROGRESS_COUNTERS:
        value = progress.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DataError(
                f"corrupt checkpoint: {json_path}: progress.{key}: expected an integer >= 0, "
                f"received {_short(value)}"
            )
    _check_optim_shapes(json_path, arrays)
    _check_config_shapes(json_path, arrays, meta)
    return arrays, meta


def _check_kind(json_path: Path, key: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind):
        raise DataError(
            f"corrupt checkpoint: {json_path}: {key!r}: expected a JSON "
            f"{_KIND_NAMES[kind]}, received {_short(value)}"
        )


def _check_optim_shapes(json_path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Each optimiser slot ``optim.<slot>.<name>`` of a parameter ``model.<name>`` has its
    shape (0-d counters excepted)."""
    for key, value in arrays.items():
        if not key.startswith("optim.") or value.ndim == 0:
            continue
        name = key.split(".", 2)[-1]
        param = arrays.get(f"model.{name}")
        if param is not None and param.shape != value.shape:
            raise DataError(
                f"corrupt checkpoint: {json_path}: array {key!r} has shape {value.shape}, "
                f"but the parameter model.{name} has {param.shape}; expected the same shape"
            )


def _check_config_shapes(
    json_path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> None:
    """W_hh of every layer is (gates*H, H) for the config's hidden size H, and the
    embedding has one row per token of the checkpoint's vocab."""
    model = meta["config"].get("model")
    H = model.get("hidden_size") if isinstance(model, dict) else None
    for key, value in arrays.items():
        if not (isinstance(H, int) and H > 0 and _W_HH.search(key) and key.startswith("model.")):
            continue
        if value.ndim != 2 or value.shape[1] != H or value.shape[0] % H:
            raise DataError(
                f"corrupt checkpoint: {json_path}: array {key!r} has shape {value.shape}, but "
                f"config model.hidden_size is {H}; expected (gates*{H}, {H})"
            )
    tokens = meta.get("vocab", {}).get("tokens")
    embedding = arrays.get("model.embedding.weight")
    if isinstance(tokens, list) and embedding is not None and len(embedding) != len(tokens):
        raise DataError(
            f"corrupt checkpoint: {json_path}: array 'model.embedding.weight' has "
            f"{len(embedding)} rows, but the vocab in meta has {len(tokens)} tokens; expected "
            "one row per token"
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def list_checkpoints(folder: str | Path) -> list[str]:
    """The tags of the checkpoints in `folder` (those with a JSON file), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if p.is_file() and _TAG.match(p.stem))


def _check_tag(tag: str) -> None:
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise ConfigError(
            f"checkpoint tag {tag!r}: expected letters, digits, '_' or '-' (at most 64, "
            "starting with a letter or digit)"
        )


def _contiguous(key: str, value: Any) -> np.ndarray:
    """A C-contiguous array of a safetensors dtype (0-d arrays stay 0-d)."""
    if not isinstance(key, str) or not isinstance(value, np.ndarray):
        raise DataError(
            f"checkpoint array {key!r}: expected a str key and a NumPy array, "
            f"received {type(value).__name__}"
        )
    if value.dtype.kind not in "biuf":
        raise DataError(
            f"checkpoint array {key!r}: expected a bool, integer or float dtype, "
            f"received {value.dtype}"
        )
    return value if value.flags.c_contiguous else np.array(value, order="C")


def _read_document(json_path: Path, folder: Path, tag: str) -> dict[str, Any]:
    """The checkpoint JSON, parsed and checked field by field."""
    try:
        text = json_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        tags = ", ".join(list_checkpoints(folder)) or "none"
        raise DataError(f"{json_path}: no checkpoint {tag!r} here (checkpoints: {tags})") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"corrupt checkpoint: {json_path}: not UTF-8 text (byte {err.start})"
        ) from None
    except OSError as err:
        raise DataError(f"{json_path}: cannot read: {err.strerror or err}") from err
    document = parse_json_data(text, f"corrupt checkpoint: {json_path}")
    _check_document(json_path, document)
    return document


def _check_document(json_path: Path, document: Any) -> None:
    where = f"corrupt checkpoint: {json_path}"
    if not isinstance(document, dict):
        raise DataError(f"{where}: expected a JSON object, received {type(document).__name__}")
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise DataError(
            f"{where}: format/version: expected {FORMAT!r} version {VERSION}, received "
            f"{_short(document.get('format'))} version {_short(document.get('version'))}"
        )
    arrays_file = document.get("arrays_file")
    if not isinstance(arrays_file, str) or not _ARRAYS_FILE.match(arrays_file):
        raise DataError(
            f"{where}: arrays_file: expected TAG.<16 hex>.safetensors, "
            f"received {_short(arrays_file)}"
        )
    digest = document.get("arrays_sha256")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise DataError(
            f"{where}: arrays_sha256: expected 64 hex digits, received {_short(digest)}"
        )
    if not isinstance(document.get("meta"), dict):
        raise DataError(f"{where}: meta: expected a JSON object")


def _remove_stale_arrays(folder: Path, tag: str, keep: str) -> None:
    """Remove arrays files of `tag` other than `keep` (left by earlier writes or crashes)."""
    for path in folder.glob(f"{tag}.*.safetensors"):
        match = _ARRAYS_FILE.match(path.name)
        if match and match["tag"] == tag and path.name != keep:
            with contextlib.suppress(OSError):
                path.unlink()
