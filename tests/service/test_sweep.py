"""service.run_sweep / show_sweep: a small sweep end to end (pruning included) and its
bad inputs. The sweep param parser has its own tests (test_sweep_params.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, RnnlabError, RunNotFound, StoreUnavailable
from rnnlab.service.sweep_params import override

from .conftest import SMALL, config_path

GOOD_LR, BAD_LR = 0.03, 1e-6  # BAD_LR leaves the validation curve flat: worse than GOOD_LR's
PARAMS = [f"train.lr={GOOD_LR},{BAD_LR}"]
# seed 0 samples BAD_LR, GOOD_LR, BAD_LR: trial 0 completes (the pruner's only startup
# trial), trial 1 beats it, trial 2 is worse than their median at its second evaluation
# (step 6; the first, at step 3, is the warm-up that never prunes) and is pruned.
SEED, STARTUP = 0, 1
CHAR_LM = [*SMALL["char_lm"], "train.max_steps=9"]  # evaluated at steps 3, 6 and 9
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"


@dataclass
class Swept:
    home: Path
    summary: dict[str, Any]
    reported: list[dict[str, Any]]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    home = tmp_path_factory.mktemp("sweep-home")
    reported: list[dict[str, Any]] = []
    summary = service.run_sweep(
        config_path("char_lm"),
        PARAMS,
        3,
        name="lr",
        overrides=CHAR_LM,
        home=home,
        startup_trials=STARTUP,
        seed=SEED,
        on_trial=reported.append,
    )
    return Swept(home, summary, reported)


def test_the_seed_samples_the_order_the_pruning_test_needs(swept: Swept) -> None:
    lrs = [trial["params"]["train.lr"] for trial in swept.summary["trials"]]
    assert lrs == [BAD_LR, GOOD_LR, BAD_LR]  # else the assertions below test another story


def test_each_trial_is_a_named_tagged_run(swept: Swept) -> None:
    trials = swept.summary["trials"]
    assert [t["number"] for t in swept.reported] == [0, 1, 2]  # on_trial after each trial
    for trial in trials:
        run = service.show_run(trial["run_id"], home=swept.home)
        assert run["name"] == f"lr-t{trial['number']}"
        assert run["config"]["train"]["lr"] == trial["params"]["train.lr"]
        assert run["config"]["model"]["hidden_size"] == 8  # the sweep's --set applied too
        assert run["summary"]["sweep"] == {
            "id": "lr",
            "trial": trial["number"],
            "params": trial["params"],
        }
    listed = service.list_runs(sweep="lr", home=swept.home)
    assert sorted(row["id"] for row in listed) == sorted(t["run_id"] for t in trials)
    assert service.list_runs(sweep="other", home=swept.home) == []
    assert len(service.list_runs(home=swept.home)) == 3


def test_the_objective_is_the_best_validation_loss_minimised(swept: Swept) -> None:
    summary = swept.summary
    assert (summary["metric"], summary["direction"]) == ("loss", "minimize")
    for trial in summary["trials"][:2]:
        run = service.show_run(trial["run_id"], home=swept.home)
        assert trial["state"] == "complete"
        assert trial["value"] == pytest.approx(run["best_metrics"]["val_loss"])
    assert summary["best"]["number"] == 1
    assert summary["best"]["params"] == {"train.lr": GOOD_LR}
    assert summary["counts"] == {"complete": 2, "pruned": 1, "fail": 0, "running": 0, "waiting": 0}


def test_a_pruned_trial_ends_its_run_interrupted_with_its_checkpoint(swept: Swept) -> None:
    trial = swept.summary["trials"][2]
    assert trial["state"] == "pruned"
    run = service.show_run(trial["run_id"], home=swept.home)
    assert run["status"] == "interrupted"
    assert run["steps"] == 6  # stopped after the second evaluation, not trained to step 9
    assert run["message"].startswith(
        "pruned by sweep lr (trial 2) at step 6 (evaluation 2): val_loss"
    )
    assert trial["message"] == run["message"]
    assert "last" in run["checkpoints"]


def test_show_gives_importance_and_draws_the_figure(swept: Swept, tmp_path: Path) -> None:
    out = tmp_path / "sweep.png"
    shown = service.show_sweep("lr", home=swept.home, out=out)
    assert shown["importance"] == {"train.lr": pytest.approx(1.0)}
    assert shown["importance_note"] is None
    assert shown["best"] == swept.summary["best"]
    assert shown["figure"] == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_refuses_a_figure_name_that_is_not_png(swept: Swept, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sweep\.txt: expected a \.png file name"):
        service.show_sweep("lr", home=swept.home, out=tmp_path / "sweep.txt")


def test_show_names_the_sweeps_there_for_an_unknown_one(swept: Swept) -> None:
    with pytest.raises(RunNotFound, match=r"no sweep named 'nope' in sqlite:///.*sweeps there: lr"):
        service.show_sweep("nope", home=swept.home)


def test_a_continued_sweep_must_search_the_same_space(swept: Swept) -> None:
    with pytest.raises(ConfigError, match=r"--name lr: this sweep .* searches train.lr by loss"):
        service.run_sweep(
            config_path("char_lm"), ["train.lr=0.1,0.2"], 1, name="lr", home=swept.home
        )


def test_a_classifier_sweep_maximises_accuracy(tmp_path: Path) -> None:
    summary = service.run_sweep(
        config_path("sentiment"),
        ["model.hidden_size=8"],
        1,
        overrides=[*SMALL["sentiment"], "train.epochs=1"],
        home=tmp_path,
    )
    assert (summary["metric"], summary["direction"]) == ("accuracy", "maximize")
    assert summary["sweep"].startswith("sweep-")  # a name made up when none is given
    assert 0.0 <= summary["best"]["value"] <= 1.0
    assert summary["importance"] == {}
    assert summary["importance_note"] == (
        "parameter importance needs at least 2 complete trials; this sweep has 1"
    )


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"trials": 0}, "--trials: expected 1..10000, received 0"),
        ({"jobs": 0}, "--jobs: expected 1..64, received 0"),
        ({"warmup_evals": -1}, "--warmup-evals: expected 0..100000000, received -1"),
        ({"seed": 2**32}, "--seed: expected 0..4294967295, received 4294967296"),
    ],
)
def test_bad_counts_are_refused_before_anything_is_written(
    tmp_path: Path, counts: dict[str, int], message: str
) -> None:
    arguments = {"trials": 3} | counts
    with pytest.raises(ConfigError, match=message):
        service.run_sweep(config_path("char_lm"), PARAMS, home=tmp_path, **arguments)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_param_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--param model.hidden_size=0,8: 0 is refused"):
        service.run_sweep(config_path("char_lm"), ["model.hidden_size=0,8"], 3, home=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_postgres_is_a_quick_clear_error(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        service.run_sweep(config_path("char_lm"), PARAMS, 3, storage=UNREACHABLE, home=tmp_path)
    assert time.monotonic() - started < 15
    assert str(caught.value).startswith(f"--storage {UNREACHABLE}: cannot open the sweep storage")
    assert "127.0.0.1" in str(caught.value).removeprefix(f"--storage {UNREACHABLE}")
    assert list(tmp_path.iterdir()) == []  # no run store, no sweeps.db


def test_a_storage_password_never_shows_in_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        service.show_sweep("x", storage="postgresql://nobody:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("--storage postgresql://nobody:***@127.0.0.1:1/x:")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"--storage 'not a url': not a database URL; expected e\.g\. postgresql"),
        (
            "mysql://nobody@127.0.0.1:1/x",
            r"--storage mysql://nobody@127.0.0.1:1/x: the mysql database driver is not installed",
        ),
    ],
)
def test_a_bad_storage_url_is_a_config_error(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        service.show_sweep("x", storage=url, home=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_run_interrupted_by_the_user_stops_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C ends the trial's run `interrupted` (the trainer's clean stop): no more trials."""
    from rnnlab.service import sweep as sweep_module

    def train_then_stop(*args: Any, trainer_hook: Any, **kwargs: Any) -> dict[str, Any]:
        def hook(trainer: Any) -> None:
            trainer_hook(trainer)
            trainer.request_stop()  # what the first Ctrl-C does

        return service.train(*args, trainer_hook=hook, **kwargs)

    monkeypatch.setattr(sweep_module, "train", train_then_stop)
    summary = service.run_sweep(
        config_path("char_lm"), PARAMS, 3, name="cut", overrides=CHAR_LM, home=tmp_path
    )
    assert [trial["state"] for trial in summary["trials"]] == ["fail"]
    run_id = summary["trials"][0]["run_id"]
    assert summary["stopped"] == f"run {run_id} of trial 0 was interrupted"
    assert service.show_run(run_id, home=tmp_path)["status"] == "interrupted"


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnnlab.service import sweep as sweep_module

    def train_or_fail(source: Any, overrides: list[str], **kwargs: Any) -> dict[str, Any]:
        if override("train.lr", BAD_LR) in overrides:
            raise ConfigError("refused for the test")
        return service.train(source, overrides, **kwargs)

    monkeypatch.setattr(sweep_module, "train", train_or_fail)
    summary = service.run_sweep(
        config_path("char_lm"), PARAMS, 3, overrides=CHAR_LM, home=tmp_path, seed=SEED
    )
    states = {trial["params"]["train.lr"]: trial["state"] for trial in summary["trials"]}
    assert states == {BAD_LR: "fail", GOOD_LR: "complete"}
    failed = [trial for trial in summary["trials"] if trial["state"] == "fail"]
    assert [trial["message"] for trial in failed] == ["refused for the test"] * 2


def test_a_missing_data_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(RnnlabError, match=r"missing\.txt"):
        service.run_sweep(
            config_path("char_lm"), PARAMS, 3, overrides=[f"data.path={missing}"], home=tmp_path
        )
    assert list(tmp_path.iterdir()) == []


def test_show_without_any_sweep_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(RunNotFound, match=r"no sweeps yet: .*sweeps\.db does not exist"):
        service.show_sweep("x", home=tmp_path / "home")
    assert list(tmp_path.iterdir()) == []


def test_the_web_lists_a_sweeps_trials(swept: Swept) -> None:
    from fastapi.testclient import TestClient

    from rnnlab.web import create_app

    with TestClient(create_app(home=swept.home), base_url="http://127.0.0.1") as client:
        listed = client.get("/api/runs", params={"sweep": "lr"}).json()
        other = client.get("/api/runs", params={"sweep": "other"}).json()
    assert sorted(row["id"] for row in listed) == sorted(
        t["run_id"] for t in swept.summary["trials"]
    )
    assert other == []
