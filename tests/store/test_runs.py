"""Store: creating, finding, listing, updating and deleting runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from rnnlab.errors import ConfigError, RunNotFound
from rnnlab.store import RunRecord, Store, default_home
from rnnlab.store import db as store_db

from .conftest import CONFIG, VERSIONS

MakeRun = Callable[..., RunRecord]


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], None]:
    """Make the next runs get the given ids, in order."""

    def use(ids: list[str]) -> None:
        pending: Iterator[str] = iter(ids)
        monkeypatch.setattr(store_db, "new_run_id", lambda: next(pending))

    return use


def test_create_run_records_everything(store: Store, make_run: MakeRun) -> None:
    run = make_run(name="first", summary={"vocab_size": 42})
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", run.id)
    assert (run.name, run.task, run.status, run.steps) == ("first", "classify", "running", 0)
    assert run.config == CONFIG and run.versions == VERSIONS and run.data_hash == "sha256:abc"
    assert run.summary == {"vocab_size": 42} and run.message is None
    assert run.created_at.endswith("+00:00") and run.finished_at is None
    assert store.get_run(run.id) == run
    assert json.loads(json.dumps(run.to_json())) == run.to_json()
    assert run.to_json()["config"] == CONFIG


def test_config_yaml_is_written_in_the_run_folder(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    folder = store.run_dir(run.id)
    assert folder == store.home / "runs" / run.id and folder.is_dir()
    assert yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8")) == CONFIG
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml"]


def test_a_config_that_is_not_json_leaves_nothing(store: Store, make_run: MakeRun) -> None:
    with pytest.raises(ConfigError, match="run config: expected JSON-able"):
        make_run(config={"path": Path("x")})
    with pytest.raises(ConfigError, match="task"):
        make_run(task="")
    assert store.list_runs() == []
    assert list((store.home / "runs").iterdir()) == []


def test_get_run_by_id_prefix_and_name(
    store: Store, make_run: MakeRun, fixed_ids: Callable[[list[str]], None]
) -> None:
    fixed_ids(["20260101-000000-aaaa", "20260101-000000-aaab", "20260102-120000-beef"])
    first, second, third = make_run(name="lstm"), make_run(name="lstm"), make_run(name="gru")
    assert store.get_run("20260101-000000-aaaa") == first
    assert store.get_run("20260102") == third
    assert store.get_run("20260101-000000-aaab") == second
    assert store.get_run("lstm") == second  # the most recent with that name
    assert store.get_run("gru") == third


def test_get_run_ambiguous_prefix_lists_the_matches(
    store: Store, make_run: MakeRun, fixed_ids: Callable[[list[str]], None]
) -> None:
    fixed_ids(["20260101-000000-aaaa", "20260101-000000-aaab"])
    make_run()
    make_run()
    with pytest.raises(RunNotFound, match="matches 2 runs") as err:
        store.get_run("20260101-000000-aa")
    assert "20260101-000000-aaaa" in str(err.value) and "20260101-000000-aaab" in str(err.value)


def test_get_run_not_found(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    message = "no run matches 'nope'; `rnnlab runs list` shows the runs"
    with pytest.raises(RunNotFound, match=re.escape(message)):
        store.get_run("nope")
    with pytest.raises(RunNotFound):
        store.get_run(run.id[:3])  # prefixes need at least 4 characters


def test_list_runs_newest_first_with_filters(store: Store, make_run: MakeRun) -> None:
    a = make_run(task="classify")
    b = make_run(task="forecast")
    c = make_run(task="classify")
    store.set_status(b.id, "finished")
    assert [r.id for r in store.list_runs()] == [c.id, b.id, a.id]
    assert [r.id for r in store.list_runs(task="classify")] == [c.id, a.id]
    assert [r.id for r in store.list_runs(status="finished")] == [b.id]
    assert [r.id for r in store.list_runs(task="classify", status="running", limit=1)] == [c.id]
    with pytest.raises(ConfigError, match="status: expected one of running"):
        store.list_runs(status="done")
    with pytest.raises(ConfigError, match="limit"):
        store.list_runs(limit=0)


def test_status_summary_and_steps(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    store.set_status(run.id, "diverged", "loss became NaN at step 7")
    store.set_summary(run.id, {"classes": ["neg", "pos"]})
    store.set_steps(run.id, 7)
    got = store.get_run(run.id)
    assert (got.status, got.message, got.steps) == ("diverged", "loss became NaN at step 7", 7)
    assert got.finished and got.finished_at is not None
    assert got.summary == {"classes": ["neg", "pos"]}
    store.set_status(run.id, "running")  # resumed
    assert store.get_run(run.id).finished_at is None
    with pytest.raises(ConfigError, match="status"):
        store.set_status(run.id, "done")
    with pytest.raises(ConfigError, match="steps"):
        store.set_steps(run.id, -1)
    with pytest.raises(RunNotFound, match="no run with id 'nope'"):
        store.set_status("nope", "finished")


def test_parent_run(store: Store, make_run: MakeRun) -> None:
    parent = make_run()
    child = make_run(parent_id=parent.id)
    assert child.parent_id == parent.id
    with pytest.raises(RunNotFound):
        make_run(parent_id="20990101-000000-0000")
    store.delete_run(parent.id)
    assert store.get_run(child.id).parent_id is None


def test_delete_run_removes_rows_and_folder(store: Store, make_run: MakeRun) -> None:
    run, other = make_run(), make_run()
    store.log_metrics(run.id, 1, {"loss": 1.0})
    store.log_metrics(other.id, 1, {"loss": 1.0})
    store.add_artifact(run.id, "figure", "loss.png")
    folder = store.run_dir(run.id)
    store.delete_run(run.id)
    assert not folder.exists()
    with pytest.raises(RunNotFound):
        store.get_run(run.id)
    with pytest.raises(RunNotFound):
        store.delete_run(run.id)
    assert store.metrics(other.id)["train"]["loss"]["value"] == [1.0]
    assert [r.id for r in store.list_runs()] == [other.id]


def test_run_dir_rejects_what_is_not_a_run_id(store: Store) -> None:
    with pytest.raises(RunNotFound, match="not a run id"):
        store.run_dir("../../etc")


def test_store_on_disk_uses_wal_and_rnnlab_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    assert default_home() == tmp_path / "home"
    with Store() as store:
        run = store.create_run("forecast", {"task": "forecast"}, {}, None)
        assert store.db_path == tmp_path / "home" / "rnnlab.db"
        mode = store._db.read("PRAGMA journal_mode")[0][0]
        assert mode == "wal"
    with Store(tmp_path / "home") as again:
        assert again.get_run(run.id).task == "forecast"
    monkeypatch.delenv("RNNLAB_HOME")
    monkeypatch.chdir(tmp_path)
    assert default_home() == tmp_path / ".rnnlab"


def test_in_memory_store_cleans_its_own_folder() -> None:
    store = Store.in_memory()
    home = store.home
    assert (home / "runs").is_dir()
    store.close()
    assert not home.exists()
