"""The output-path check every writer of a user-named file makes: no folder made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError


def test_a_path_in_an_existing_folder_is_returned(tmp_path: Path) -> None:
    assert check_output_path(str(tmp_path / "x.png")) == tmp_path / "x.png"
    (tmp_path / "x.png").write_text("old")  # an existing file is replaced, not refused
    assert check_output_path(tmp_path / "x.png", "PNG file") == tmp_path / "x.png"


def test_bad_output_paths_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "a" / "b" / "x.npy"
    with pytest.raises(ConfigError, match=rf"^{missing}: the folder {missing.parent} does not "):
        check_output_path(missing, "embedding file")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match=rf"^{tmp_path}: is a folder; expected the path of the "):
        check_output_path(tmp_path, "trace file")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="f is a file, not a folder; cannot write the output"):
        check_output_path(tmp_path / "f" / "x.png")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as for a read-only folder
    with pytest.raises(ConfigError, match=rf"the folder {tmp_path} is not writable"):
        check_output_path(tmp_path / "x.png")
