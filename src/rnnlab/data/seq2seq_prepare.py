"""Data of ``task: seq2seq`` from a run's ``data`` section.

    seq2seq:TASK?size=S&n=N&val=M   a generated task (``seq2seq_tasks``; data.seed seeds it,
                                    the characters are its tokens, one fixed vocabulary)
    a .tsv file (or sample:NAME)    columns data.source_column and data.target_column,
                                    tokens by data.tokenizer, split by data.val_fraction and
                                    data.seed, one vocabulary of both sides built from the
                                    training rows (data.min_freq, data.max_vocab)

data.max_target_len bounds the target tokens of a row (<eos> not counted): a longer one is
a DataError naming the file and line (or the generated pair). The data hash is the file's
sha256, or ``seq2seq_tasks.task_hash`` of a generated task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnlab.data.readers import file_hash
from rnnlab.data.samples import resolve_path
from rnnlab.data.seq2seq import Seq2SeqData, load_seq2seq_tsv
from rnnlab.data.seq2seq_tasks import build_task_path, is_task_path, parse_task_path, task_hash
from rnnlab.data.tokenize import Tokenizer
from rnnlab.errors import DataError
from rnnlab.spec.run import DataSpec


def prepare_seq2seq(spec: DataSpec) -> tuple[Seq2SeqData, str, dict[str, Any]]:
    """(data, data hash, summary) of data.path: a generated task or a TSV file."""
    if is_task_path(spec.path):
        name, params = parse_task_path(spec.path)
        data = build_task_path(spec.path, spec.seed)
        check_target_lengths(data, spec.max_target_len, spec.path)
        data_hash = task_hash(name, params, spec.seed)
        base: dict[str, Any] = {"generator": name, **params, "tokenizer": "char"}
    else:
        path = resolve_path(spec.path)
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "file not found"
            raise DataError(f"{path}: {what} (data.path {spec.path!r})")
        data = _read_tsv(spec, path)
        data_hash = file_hash(path)
        base = {"file": str(path), "format": "tsv", "tokenizer": spec.tokenizer}
        base |= {"source_column": spec.source_column, "target_column": spec.target_column}
    summary = {"task": "seq2seq", "path": spec.path, "sha256": data_hash, **base}
    summary |= data.summary()
    if spec.max_target_len is not None:
        summary["max_target_len"] = spec.max_target_len
    return data, data_hash, summary


def _read_tsv(spec: DataSpec, path: Path) -> Seq2SeqData:
    return load_seq2seq_tsv(
        path,
        Tokenizer(spec.tokenizer, lowercase=spec.lowercase),
        val_fraction=spec.val_fraction,
        seed=spec.seed,
        source_column=spec.source_column,
        target_column=spec.target_column,
        max_target_len=spec.max_target_len,
        min_freq=spec.min_freq,
        max_vocab=spec.max_vocab,
    )


def check_target_lengths(data: Seq2SeqData, limit: int | None, source: str) -> None:
    """DataError naming the split and pair of the first target over data.max_target_len."""
    if limit is None:
        return
    for split in ("train", "val"):
        for index, (_, target) in enumerate(data.pairs(split)):
            if len(target) > limit:
                raise DataError(
                    f"data.path {source!r}: {split} pair {index}: the target has {len(target)} "
                    f"tokens, more than data.max_target_len {limit}; raise the limit or "
                    f"lower the task's size"
                )
