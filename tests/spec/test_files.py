"""The one atomic write: content, file modes, and what a failed write leaves behind."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rnnlab.errors import RnnlabError
from rnnlab.spec import files
from rnnlab.spec.files import TMP_NAME, atomic_write, atomic_write_bytes, atomic_write_text


def test_writes_bytes_and_text_and_returns_the_path(tmp_path: Path) -> None:
    assert atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01") == tmp_path / "a.bin"
    assert atomic_write_text(str(tmp_path / "b.txt"), "héllo\r\n") == tmp_path / "b.txt"
    atomic_write_text(tmp_path / "c.txt", "é", encoding="latin-1")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "héllo\r\n".encode()  # no newline translation
    assert (tmp_path / "c.txt").read_bytes() == b"\xe9"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt", "c.txt"]


def test_a_writer_callable_streams_into_the_file(tmp_path: Path) -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    atomic_write(tmp_path / "E.npy", lambda handle: np.save(handle, array))
    assert np.array_equal(np.load(tmp_path / "E.npy"), array)


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "runs" / "r1" / "config.yaml", "a: 1\n")
    assert (tmp_path / "runs" / "r1" / "config.yaml").read_text() == "a: 1\n"


def test_a_new_file_is_readable_by_all_and_an_overwrite_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    atomic_write_text(target, "one")
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and target.stat().st_mode & 0o777 == 0o600


def test_the_temp_file_sits_in_the_same_folder_named_as_stale_cleanup_expects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append(Path(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_bytes(tmp_path / "last.safetensors", b"x")
    (tmp,) = seen
    assert tmp.parent == tmp_path and tmp.name.startswith(f".last.safetensors.{os.getpid()}.")
    match = TMP_NAME.match(tmp.name)
    assert match is not None and match["pid"] == str(os.getpid())


def test_the_folder_is_fsynced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders: list[Path] = []
    monkeypatch.setattr(files, "fsync_folder", folders.append)
    atomic_write_text(tmp_path / "x.txt", "x")
    assert folders == [tmp_path]


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod"])
def test_an_os_error_names_the_path_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "x.txt"
    atomic_write_text(target, "old")

    def no_space(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(RnnlabError, match=r"x\.txt: cannot write: No space left on device"):
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]  # the temp file is gone


def test_an_error_while_writing_keeps_the_old_file_and_propagates(tmp_path: Path) -> None:
    target = tmp_path / "E.npy"
    atomic_write_bytes(target, b"old")

    def half_then_fail(handle: object) -> None:
        handle.write(b"half")  # type: ignore[attr-defined]
        raise ValueError("cannot serialise")

    with pytest.raises(ValueError, match="cannot serialise"):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["E.npy"]


def test_a_path_under_a_file_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file, not a folder")
    with pytest.raises(RnnlabError, match=r"plain/x\.txt: cannot write: "):
        atomic_write_text(tmp_path / "plain" / "x.txt", "x")


def test_fsync_folder_is_a_no_op_where_folders_cannot_be_opened(tmp_path: Path) -> None:
    files.fsync_folder(tmp_path / "missing")  # os.open fails: nothing raised
    files.fsync_folder(tmp_path)
