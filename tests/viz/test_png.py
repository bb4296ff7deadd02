"""The PNG renderer writes real images and refuses what it cannot draw."""

from __future__ import annotations

import pytest

from rnnlab.errors import ConfigError
from rnnlab.viz import render_png

SCATTER = {"kind": "scatter", "title": "t", "x": [0.0, 1.0], "y": [1.0, 0.0], "labels": ["a", "b"]}


def test_writes_a_png(tmp_path):
    path = render_png(SCATTER, tmp_path / "map.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_never_creates_folders_and_refuses_a_folder(tmp_path):
    deep = tmp_path / "deep" / "er" / "map.png"
    with pytest.raises(ConfigError, match=r"map\.png: the folder .*deep/er does not exist"):
        render_png(SCATTER, deep)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match=r": is a folder; expected the path of the PNG file"):
        render_png(SCATTER, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"file is a file, not a folder"):
        render_png(SCATTER, tmp_path / "file" / "map.png")


def test_unknown_kind_and_wrong_suffix(tmp_path):
    with pytest.raises(ConfigError, match="figure kind"):
        render_png({"kind": "pie"}, tmp_path / "x.png")
    with pytest.raises(ConfigError, match=r"must be a \.png"):
        render_png(SCATTER, tmp_path / "x.jpg")
