"""Store: artifacts are files inside the run folder, and nothing outside it gets in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab.errors import ConfigError, RunNotFound
from rnnlab.store import RunRecord, Store

MakeRun = Callable[..., RunRecord]


def test_add_and_list_artifacts(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    folder = store.run_dir(run.id)
    (folder / "figures").mkdir()
    (folder / "figures" / "loss.png").write_bytes(b"png")
    assert store.add_artifact(run.id, "figure", "figures/loss.png", step=10) == "figures/loss.png"
    absolute = folder / "figures" / "loss.png"
    assert store.add_artifact(run.id, "figure", absolute, step=20) == "figures/loss.png"
    assert store.add_artifact(run.id, "report", "./notes//report.md") == "notes/report.md"
    listed = store.artifacts(run.id)
    assert [(a["kind"], a["path"], a["step"]) for a in listed] == [
        ("figure", "figures/loss.png", 20),  # the same path again replaces the row
        ("report", "notes/report.md", None),
    ]
    assert all(a["created_at"] for a in listed)
    assert store.artifact_path(run.id, "figures/loss.png") == absolute
    with pytest.raises(RunNotFound):
        store.artifacts("20990101-000000-0000")
    with pytest.raises(RunNotFound):
        store.add_artifact("20990101-000000-0000", "figure", "x.png")


@pytest.mark.parametrize(
    "bad",
    ["../x", "figures/../../x", "..", "", ".", "/etc/passwd", "a\x00b", "..\\x", "C:/x"],
)
def test_paths_leaving_the_run_folder_are_rejected(
    store: Store, make_run: MakeRun, bad: str
) -> None:
    run = make_run()
    with pytest.raises(ConfigError, match=f"run {run.id}: expected a path inside"):
        store.add_artifact(run.id, "figure", bad)
    with pytest.raises(ConfigError, match="expected a path inside"):
        store.artifact_path(run.id, bad)
    assert store.artifacts(run.id) == []


def test_absolute_path_of_another_run_is_rejected(store: Store, make_run: MakeRun) -> None:
    run, other = make_run(), make_run()
    with pytest.raises(ConfigError, match="absolute path outside"):
        store.add_artifact(run.id, "figure", store.run_dir(other.id) / "config.yaml")
    with pytest.raises(ConfigError, match=r"'\.\.'"):
        store.add_artifact(run.id, "figure", store.run_dir(run.id) / ".." / other.id / "x")


def test_symlinks_leading_out_are_rejected(store: Store, make_run: MakeRun, tmp_path: Path) -> None:
    run = make_run()
    folder = store.run_dir(run.id)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (folder / "escape").symlink_to(outside, target_is_directory=True)
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "self").symlink_to(folder, target_is_directory=True)
    for bad in ["escape/secret.txt", "escape", "secret.txt", "self"]:
        with pytest.raises(ConfigError, match="symlink leading out"):
            store.add_artifact(run.id, "figure", bad)
        with pytest.raises(ConfigError, match="symlink leading out"):
            store.artifact_path(run.id, bad)


def test_symlinks_staying_inside_are_accepted(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    folder = store.run_dir(run.id)
    (folder / "latest.yaml").symlink_to(folder / "config.yaml")
    assert store.add_artifact(run.id, "config", "latest.yaml") == "latest.yaml"
    assert (
        store.artifact_path(run.id, "latest.yaml").read_text()
        == (folder / "config.yaml").read_text()
    )
