"""What the web workbench keeps beside the runs: uploaded files under server-chosen names.

    $RNNLAB_HOME/data/<id>.<ext>             an uploaded data set (.txt .tsv .csv)
    $RNNLAB_HOME/data/index.json             {"<id>": {"filename", "format", ...}}
    $RNNLAB_HOME/embeddings/<id>.npy         an embedding matrix (V, d) float32
    $RNNLAB_HOME/embeddings/<id>.vocab.json  its words (see rnnlab.embeddings.io)
    $RNNLAB_HOME/embeddings/index.json       {"<id>": {"label", "V", "d", ...}}

An id is 32 hex digits (uuid4), chosen here; the name a person gave a file is kept
only as a label in the index, never as a path. Index writes are atomic and serialised
by one lock per process.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.spec.io import parse_json_data
from rnnlab.store import Store, atomic_write_json, default_home

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
INDEX_NAME = "index.json"
MAX_LABEL = 120
LOOPBACK_NAME = "localhost"
EMBEDDING_PREFIX = "embedding:"
FORMAT_SUFFIX = {"text": ".txt", "tsv": ".tsv", "csv": ".csv"}
_LOCK = threading.RLock()


class UploadTooLarge(DataError):
    """An upload is larger than the server accepts (the web answers 413)."""


class UnknownId(RnnlabError, LookupError):
    """No stored upload or embedding has this id (the web answers 404)."""


def resolve_home(home: str | Path | None = None) -> Path:
    """The absolute home folder: `home`, else ``$RNNLAB_HOME``, else ``./.rnnlab``."""
    root = Path(home).expanduser() if home is not None else default_home()
    return root.absolute()


def is_loopback(host: str) -> bool:
    """True for exactly ``localhost`` or an IP literal of the loopback network
    (127.0.0.0/8, ::1, ::ffff:127.x.y.z), with or without IPv6 brackets. A name is never
    loopback by its prefix: ``127.evil.com`` and ``127.0.0.1.nip.io`` are names anyone
    can point anywhere."""
    name = host.lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == LOOPBACK_NAME:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def require_token(host: str, token: str | None) -> None:
    """ConfigError when a server reachable from other machines would run without a token."""
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"--host {host} needs --token or RNNLAB_TOKEN: a server other machines can "
            "reach must ask for a token (only localhost and loopback addresses such as "
            "127.0.0.1 or ::1 may run without one)"
        )


def new_id() -> str:
    """A fresh server-chosen id: 32 hex digits."""
    return uuid.uuid4().hex


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def file_label(filename: str | None, fallback: str = "upload") -> str:
    """The last part of a user's file name, without control characters, kept short."""
    raw = filename or ""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip(".") or fallback
    return name[-MAX_LABEL:]


def check_size(size: int, max_bytes: int | None, label: str) -> None:
    """UploadTooLarge when `size` bytes exceed `max_bytes` (None: no limit)."""
    if max_bytes is not None and size > max_bytes:
        raise UploadTooLarge(
            f"{label}: the file is larger than the upload limit of {max_bytes / 2**20:.0f} MB "
            "(rnnlab serve --max-upload-mb)"
        )


def relabelled(err: RnnlabError, paths: dict[str, str]) -> RnnlabError:
    """The same kind of error with each server path in its message replaced by a label."""
    message = str(err)
    for path, label in paths.items():
        message = message.replace(path, label)
    return type(err)(message)


class Index:
    """A small JSON index ``{id: entry}`` kept in `folder`/index.json."""

    def __init__(self, folder: Path, what: str) -> None:
        self.folder = folder
        self.path = folder / INDEX_NAME
        self.what = what

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every entry, oldest first ({} when nothing was stored yet)."""
        if not self.path.is_file():
            return {}
        data = parse_json_data(self.path.read_bytes(), f"{self.path} (index of {self.what}s)")
        if not isinstance(data, dict):
            raise DataError(f"{self.path}: expected a JSON object of {self.what}s")
        return data

    def get(self, item_id: str) -> dict[str, Any]:
        """The entry of `item_id` (UnknownId if there is none)."""
        entry = self.entries().get(check_id(item_id, self.what))
        if entry is None:
            raise UnknownId(f"no {self.what} with id {item_id!r}")
        return entry

    def add(self, item_id: str, entry: dict[str, Any]) -> None:
        with _LOCK:
            entries = self.entries()
            entries[item_id] = entry
            atomic_write_json(self.path, entries)

    def remove(self, item_id: str) -> dict[str, Any]:
        """Drop `item_id` from the index and return its entry."""
        with _LOCK:
            entries = self.entries()
            entry = entries.pop(check_id(item_id, self.what), None)
            if entry is None:
                raise UnknownId(f"no {self.what} with id {item_id!r}")
            atomic_write_json(self.path, entries)
        return entry


def check_id(item_id: str, what: str) -> str:
    """`item_id` if it has the form of a server-chosen id, else UnknownId."""
    if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
        raise UnknownId(f"no {what} with id {item_id!r} (ids are 32 hex digits)")
    return item_id


def data_index(home: str | Path | None) -> Index:
    return Index(resolve_home(home) / "data", "data set")


def embedding_index(home: str | Path | None) -> Index:
    return Index(resolve_home(home) / "embeddings", "embedding")


def embedding_file(item_id: str, home: str | Path | None = None) -> Path:
    """The .npy file of a stored embedding (UnknownId if there is none)."""
    index = embedding_index(home)
    index.get(item_id)
    path = index.folder / f"{item_id}.npy"
    if not path.is_file():
        raise UnknownId(f"embedding {item_id}: its file {path.name} is missing")
    return path


def resolve_embedding_ref(ref: str, home: str | Path | None = None) -> str:
    """``embedding:<id>`` -> the absolute path of the stored matrix (DataError if unknown)."""
    item_id = ref.removeprefix(EMBEDDING_PREFIX).strip()
    try:
        return str(embedding_file(item_id, home))
    except UnknownId:
        raise DataError(
            f"embedding.init {ref!r}: no stored embedding with this id; "
            "GET /api/embeddings lists them"
        ) from None


@contextmanager
def upload_labels(home: str | Path | None) -> Iterator[None]:
    """Errors raised inside name uploaded files by their labels, not by server paths."""
    try:
        yield
    except RnnlabError as err:
        paths = {}
        for item_id, entry in data_index(home).entries().items():
            suffix = FORMAT_SUFFIX.get(entry.get("format", ""), "")
            paths[str(data_index(home).folder / f"{item_id}{suffix}")] = entry.get("filename", "")
        for item_id, entry in embedding_index(home).entries().items():
            paths[str(embedding_index(home).folder / f"{item_id}.npy")] = entry.get("label", "")
        changed = relabelled(err, {path: label or "upload" for path, label in paths.items()})
        if str(changed) == str(err):
            raise
        raise changed from None


def artifact_file(ref: str, path: str, home: str | Path | None = None) -> Path:
    """A file inside a run's folder, named relative to it (UnknownId for anything else:
    '..', an absolute path, a folder, a missing file)."""
    with Store(home) as store:
        record = store.get_run(ref)
        if PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute():
            raise UnknownId(f"artifact path {path!r}: expected a path relative to the run folder")
        try:
            target = store.artifact_path(record.id, path)
        except ConfigError as err:
            raise UnknownId(str(err)) from None
    if not target.is_file():
        raise UnknownId(f"run {record.id} has no file {path!r}")
    return target
