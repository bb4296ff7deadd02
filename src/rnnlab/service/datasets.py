"""Data-set use cases for the web workbench: the bundled samples, uploads, a preview.

An upload is validated like a data file given to the CLI (UTF-8; a table has a header
and rows of equal width) and stored as ``$RNNLAB_HOME/data/<id>.<ext>``; its data path
is ``upload:<id>``. Configs coming from the web may name ``upload:<id>`` and
``embedding:<id>``; ``resolve_config_refs`` turns them into server-side paths and, for
the web, refuses plain server file paths (a page must never read a file it was not given).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data import infer_format, list_samples, prepare, read_table_lines, read_text
from rnnlab.data import resolve_path as resolve_sample
from rnnlab.data.readers import series_column
from rnnlab.data.samples import sample_format
from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.service.training import load_config
from rnnlab.service.translating import seq2seq_preview
from rnnlab.service.web_store import (
    EMBEDDING_PREFIX,
    FORMAT_SUFFIX,
    check_id,
    check_size,
    data_index,
    file_label,
    new_id,
    relabelled,
    resolve_embedding_ref,
    upload_labels,
    utc_now,
)
from rnnlab.spec.run import TAG_FORMATS
from rnnlab.store import atomic_write_bytes

UPLOAD_PREFIX = "upload:"
WEB_DATA_PREFIXES = ("sample:", "synthetic:", "seq2seq:", UPLOAD_PREFIX)
UPLOAD_FORMATS = {".txt": "text", ".tsv": "tsv", ".csv": "csv"}
PREVIEW_ROWS = 10
PREVIEW_CHARS = 2000
HISTOGRAM_BINS = 20


def list_datasets(home: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The bundled samples and the uploads, each with the task it suits."""
    samples = []
    for name, description in list_samples().items():
        path = resolve_sample(f"sample:{name}")
        if sample_format(f"sample:{name}") in TAG_FORMATS:
            task = "tag"
        else:
            task = suited_task(path, infer_format(path, None))
        entry = {"name": name, "path": f"sample:{name}", "description": description}
        samples.append({**entry, "task": task})
    index = data_index(home)
    uploads = [
        entry
        for item_id, entry in index.entries().items()
        if (index.folder / f"{item_id}{FORMAT_SUFFIX[entry['format']]}").is_file()
    ]
    return {"samples": samples, "uploads": uploads}


def save_upload(
    filename: str | None,
    content: bytes,
    home: str | Path | None = None,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Check and store an uploaded data file; its index entry (``path`` is upload:<id>)."""
    label = file_label(filename)
    check_size(len(content), max_bytes, label)
    suffix = Path(label).suffix.lower()
    if suffix not in UPLOAD_FORMATS:
        if suffix not in (".text", ".md"):
            infer_format(label, None)  # the CLI's message for an unknown suffix
        raise DataError(f"{label}: expected a .txt, .tsv or .csv file, received {suffix!r}")
    fmt = UPLOAD_FORMATS[suffix]
    index = data_index(home)
    upload_id = new_id()
    path = index.folder / f"{upload_id}{suffix}"
    atomic_write_bytes(path, content)
    try:
        task = _check_file(path, fmt)
    except RnnlabError as err:
        path.unlink(missing_ok=True)
        raise relabelled(err, {str(path): label}) from None
    entry = {
        "id": upload_id,
        "path": f"{UPLOAD_PREFIX}{upload_id}",
        "filename": label,
        "format": fmt,
        "bytes": len(content),
        "uploaded_at": utc_now(),
        "task": task,
    }
    index.add(upload_id, entry)
    return entry


def _check_file(path: Path, fmt: str) -> str:
    """Read the file as the data readers would; the task it suits."""
    if fmt == "text":
        read_text(path)
        return "language-model"
    _, rows, _ = read_table_lines(path, fmt)  # type: ignore[arg-type]
    if not rows:
        raise DataError(f"{path}: the table has a header but no rows; expected examples")
    return _table_task(rows)


def suited_task(path: Path, fmt: str) -> str:
    """language-model for text; classify or forecast for a table, guessed from its values."""
    if fmt == "text":
        return "language-model"
    _, rows, _ = read_table_lines(path, fmt)  # type: ignore[arg-type]
    return _table_task(rows)


def _table_task(rows: list[list[str]]) -> str:
    """forecast when the last column holds many distinct numbers, else classify."""
    last = [row[-1] for row in rows]
    numeric = all(_is_number(value) for value in last)
    many = len(set(last)) > max(20, len(rows) // 2)
    only_numbers = all(_is_number(value) for row in rows for value in row)
    return "forecast" if numeric and (many or only_numbers) else "classify"


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def delete_upload(upload_id: str, home: str | Path | None = None) -> None:
    """Remove an upload's file and index entry (UnknownId if there is none)."""
    index = data_index(home)
    entry = index.remove(upload_id)
    (index.folder / f"{upload_id}{FORMAT_SUFFIX[entry['format']]}").unlink(missing_ok=True)


def resolve_data_path(path: str, home: str | Path | None = None) -> str:
    """``upload:<id>`` -> the absolute path of the stored file; other paths unchanged."""
    if not path.startswith(UPLOAD_PREFIX):
        return path
    upload_id = path.removeprefix(UPLOAD_PREFIX).strip()
    index = data_index(home)
    try:
        entry = index.get(check_id(upload_id, "uploaded data set"))
    except RnnlabError:
        raise DataError(
            f"data.path {path!r}: no uploaded data set with this id; GET /api/datasets lists them"
        ) from None
    return str(index.folder / f"{upload_id}{FORMAT_SUFFIX[entry['format']]}")


def web_data_path(path: Any, home: str | Path | None = None, allow_files: bool = True) -> Any:
    """A data path from a page resolved; without `allow_files`, only samples, synthetic
    tasks and uploads are accepted (ConfigError otherwise)."""
    if not isinstance(path, str):
        return path
    if not allow_files and not path.startswith(WEB_DATA_PREFIXES):
        raise ConfigError(
            f"data.path: the web workbench reads sample:NAME, synthetic:TASK, seq2seq:TASK or "
            f"upload:<id> (upload the file first), received {path!r}"
        )
    return resolve_data_path(path, home)


def resolve_config_refs(
    config: dict[str, Any], home: str | Path | None = None, allow_files: bool = True
) -> dict[str, Any]:
    """A copy of a run config mapping with upload:<id> and embedding:<id> resolved."""
    if not isinstance(config, dict):
        raise ConfigError(f"config: expected a mapping, received {type(config).__name__}")
    result = copy.deepcopy(config)
    data = result.get("data")
    if isinstance(data, dict) and "path" in data:
        data["path"] = web_data_path(data["path"], home, allow_files)
    embedding = result.get("embedding")
    init = embedding.get("init") if isinstance(embedding, dict) else None
    if isinstance(init, str) and init.startswith(EMBEDDING_PREFIX):
        embedding["init"] = f"file:{resolve_embedding_ref(init, home)}"
    elif isinstance(init, str) and init.startswith("file:") and not allow_files:
        raise ConfigError(
            "embedding.init: the web workbench takes a recipe or embedding:<id> (upload the "
            f"file with POST /api/embeddings first), received {init!r}"
        )
    return result


def preview_dataset(
    task: str, data: dict[str, Any], home: str | Path | None = None, allow_files: bool = True
) -> dict[str, Any]:
    """What a data set looks like to a task: first rows or text, prepare()'s summary,
    vocabulary size, classes, and a histogram of tokens per line (values for a series)."""
    mapping = resolve_config_refs({"task": task, "data": data}, home, allow_files)
    with upload_labels(home):
        config = load_config(mapping)
        prepared = prepare(config)
        shown = _shown(config, prepared)
    vocab = prepared.vocab
    return {
        "task": config.task,
        **shown,
        "summary": prepared.summary,
        "vocab_size": None if vocab is None else len(vocab),
        "classes": None if prepared.classes is None else list(prepared.classes),
    }


def _shown(config: Any, prepared: Any) -> dict[str, Any]:
    """rows, columns, text and lengths of the preview."""
    summary = prepared.summary
    shown: dict[str, Any] = {"rows": [], "columns": None, "text": None}
    if config.task == "seq2seq":  # generated or read: the pairs as text
        return {**shown, **seq2seq_preview(prepared.data, PREVIEW_ROWS)}
    if "file" not in summary:  # a synthetic task: nothing to show but the summary
        return {**shown, "lengths": {"edges": [], "counts": []}}
    if config.task == "tag":  # sentences in file order: tokens and tags, space-separated
        tagged = sorted([*prepared.tagged["train"], *prepared.tagged["val"]], key=lambda s: s.line)
        rows = [[" ".join(s.tokens), " ".join(s.tags)] for s in tagged[:PREVIEW_ROWS]]
        lengths = histogram([len(s.tokens) for s in tagged])
        return {**shown, "rows": rows, "columns": ["tokens", "tags"], "lengths": lengths}
    path, fmt, spec = Path(summary["file"]), summary["format"], config.data
    if fmt == "text":
        text = read_text(path)
        lines = [line for line in text.split("\n") if line.strip()]
        counts = [len(prepared.tokenizer.tokenize(line)) for line in lines]
        rows = [[line] for line in lines[:PREVIEW_ROWS]]
        return {**shown, "rows": rows, "text": text[:PREVIEW_CHARS], "lengths": histogram(counts)}
    header, rows, lines = read_table_lines(path, fmt)
    if config.task == "forecast":
        values = series_column(header, rows, lines, path, spec.value_column, spec.missing).values
        lengths = histogram(values.tolist(), integers=False)
    else:
        column = header.index(spec.text_column)
        lengths = histogram([len(prepared.tokenizer.tokenize(row[column])) for row in rows])
    return {**shown, "rows": rows[:PREVIEW_ROWS], "columns": header, "lengths": lengths}


def histogram(values: list[float], integers: bool = True) -> dict[str, list[float]]:
    """``{"edges": [...], "counts": [...]}`` with at most 20 bins; for whole numbers (lengths)
    the bins are centred on whole numbers and equally wide (1, 2, 3 ... values each)."""
    if not values:
        return {"edges": [], "counts": []}
    array = np.asarray(values, dtype=np.float64)
    low, high = float(array.min()), float(array.max())
    if integers:
        width = max(1, math.ceil((high - low + 1) / HISTOGRAM_BINS))
        bins = math.ceil((high - low + 1) / width)
        edges = low - 0.5 + width * np.arange(bins + 1)
    else:
        edges = np.histogram_bin_edges(array, bins=HISTOGRAM_BINS if high > low else 1)
    counts, edges = np.histogram(array, bins=edges)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}
