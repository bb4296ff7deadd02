"""Bad configs and bad data: RnnlabError kinds whose messages name the field or the file,
raised before any run exists in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from rnnlab import service
from rnnlab.errors import ConfigError, DataError, RnnlabError, RunNotFound
from rnnlab.events import StepDone

from .conftest import config_path


def write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def assert_no_run(home: Path) -> None:
    assert service.list_runs(home=home) == []
    runs = home / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []


def test_unknown_field_in_a_file(tmp_path: Path) -> None:
    config = {"task": "forecast", "data": {"path": "sample:monthly_series"}}
    path = write_config(tmp_path, {**config, "model": {"hiden_size": 8}})
    with pytest.raises(ConfigError) as info:
        service.train(path, home=tmp_path / "home")
    message = str(info.value)
    assert str(path) in message and "model.hiden_size" in message and "unknown field" in message
    assert_no_run(tmp_path / "home")


def test_bad_enum_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        service.train(config_path("char_lm"), ["model.cell=transformer"], home=tmp_path)
    message = str(info.value)
    assert "model.cell" in message and "'transformer'" in message
    assert all(cell in message for cell in ("rnn", "lstm", "gru"))  # the allowed values
    assert "char_lm.yaml" in message
    assert_no_run(tmp_path)


def test_bad_task(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"task": "translate", "data": {"path": "sample:sample_text"}})
    with pytest.raises(ConfigError, match="task") as info:
        service.train(path, home=tmp_path / "home")
    assert "'translate'" in str(info.value) and "language-model" in str(info.value)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("model.hiden_size=8", "model.hiden_size"),
        ("trian.lr=0.1", "trian.lr"),
        ("train.lr.x=1", "train.lr.x"),
    ],
)
def test_set_of_an_unknown_field(tmp_path: Path, override: str, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        service.train(config_path("sentiment"), [override], home=tmp_path)
    message = str(info.value)
    assert f"--set {named}" in message and "unknown field" in message
    assert_no_run(tmp_path)


def test_set_without_a_value_separator(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"section\.field=value"):
        service.train(config_path("sentiment"), ["model.hidden_size"], home=tmp_path)


@pytest.mark.parametrize(
    ("override", "field", "received"),
    [
        ("model.hidden_size=abc", "model.hidden_size", "'abc'"),
        ("train.lr=100", "train.lr", "100"),
        ("data.val_fraction=1.5", "data.val_fraction", "1.5"),
    ],
)
def test_set_of_a_bad_value(tmp_path: Path, override: str, field: str, received: str) -> None:
    with pytest.raises(ConfigError) as info:
        service.train(config_path("sentiment"), [override], home=tmp_path)
    assert field in str(info.value) and received in str(info.value)
    assert_no_run(tmp_path)


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DataError, match="no such file") as info:
        service.train(path, home=tmp_path / "home")
    assert str(path) in str(info.value)


def test_missing_data_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(DataError) as info:
        service.train(config_path("char_lm"), [f"data.path={missing}"], home=tmp_path / "home")
    message = str(info.value)
    assert str(missing) in message and "not found" in message and "data.path" in message
    assert_no_run(tmp_path / "home")


def test_unknown_sample(tmp_path: Path) -> None:
    with pytest.raises(RnnlabError, match="no_such_sample"):
        service.train(config_path("char_lm"), ["data.path=sample:no_such_sample"], home=tmp_path)
    assert_no_run(tmp_path)


def test_classify_table_with_one_class(tmp_path: Path) -> None:
    table = tmp_path / "one_class.tsv"
    table.write_text("text\tlabel\na good film\t1\nnice work\t1\ngreat fun\t1\nsolid\t1\n")
    config = {"task": "classify", "data": {"path": str(table)}, "model": {"hidden_size": 4}}
    with pytest.raises(DataError) as info:
        service.train(config, home=tmp_path / "home")
    message = str(info.value)
    assert str(table) in message and "'label'" in message and "single class" in message
    assert_no_run(tmp_path / "home")


def test_forecast_csv_with_a_word_among_the_numbers(tmp_path: Path) -> None:
    table = tmp_path / "series.csv"
    rows = [f"2020-{m:02d},{100 + m}" for m in range(1, 13)]
    rows[6] = "2020-07,about 107"  # line 8 of the file (the header is line 1)
    table.write_text("month,value\n" + "\n".join(rows) + "\n")
    config = {"task": "forecast", "data": {"path": str(table), "seq_len": 3}}
    with pytest.raises(DataError) as info:
        service.train(config, home=tmp_path / "home")
    message = str(info.value)
    assert str(table) in message and "line 8" in message
    assert "'value'" in message and "'about 107'" in message
    assert_no_run(tmp_path / "home")


def test_forecast_series_shorter_than_a_window(tmp_path: Path) -> None:
    table = tmp_path / "series.csv"
    table.write_text("value\n" + "".join(f"{v}\n" for v in range(10)))
    config = {"task": "forecast", "data": {"path": str(table), "seq_len": 24}}
    with pytest.raises(DataError) as info:
        service.train(config, home=tmp_path / "home")
    assert str(table) in str(info.value) and "data.seq_len" in str(info.value)
    assert_no_run(tmp_path / "home")


def test_language_model_text_shorter_than_one_batch_window(tmp_path: Path) -> None:
    text = tmp_path / "tiny.txt"
    text.write_text("hello\n")  # 6 characters: not one step for each of 16 streams
    data = {"path": str(text), "val_fraction": 0.0}
    config = {"task": "language-model", "data": data, "train": {"batch_size": 16}}
    with pytest.raises(DataError) as info:
        service.train(config, home=tmp_path / "home")
    message = str(info.value)
    assert str(text) in message and "train.batch_size" in message and "16" in message
    assert_no_run(tmp_path / "home")


def test_classify_config_with_a_text_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("some words\n")
    config = {"task": "classify", "data": {"path": str(text)}}
    with pytest.raises(ConfigError, match=r"data\.format") as info:
        service.train(config, home=tmp_path / "home")
    assert str(text) in str(info.value)
    assert_no_run(tmp_path / "home")


def test_unknown_runs_are_reported_by_name(tmp_path: Path) -> None:
    for use in (
        lambda: service.show_run("nope", home=tmp_path),
        lambda: service.resume("nope", home=tmp_path),
        lambda: service.remove_run("nope", home=tmp_path),
        lambda: service.classify("nope", ["x"], home=tmp_path),
    ):
        with pytest.raises(RunNotFound, match="'nope'"):
            use()


def test_a_config_the_engine_rejects_leaves_no_running_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: train.device=cuda on a machine without CUDA fails in build_learner, after the
    run was created and outside the try that records failures: the run stays "running"."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # any machine: no CUDA
    with pytest.raises(ConfigError, match=r"train\.device"):
        service.train(config_path("sentiment"), ["train.device=cuda"], home=tmp_path)
    assert service.list_runs(status="running", home=tmp_path) == []


def test_an_error_during_training_marks_the_run_failed(tmp_path: Path) -> None:
    def explode(event: object) -> None:
        if isinstance(event, StepDone) and event.step == 2:
            raise RuntimeError("subscriber broke")

    overrides = ["model.hidden_size=8", "train.max_steps=5"]
    with pytest.raises(RuntimeError, match="subscriber broke"):
        service.train(config_path("forecast"), overrides, on_event=explode, home=tmp_path)
    (row,) = service.list_runs(home=tmp_path)
    assert row["status"] == "failed"
    assert "RuntimeError: subscriber broke" in row["message"]
    assert row["finished_at"] is not None


def test_a_missing_embedding_file_is_an_error(tmp_path: Path) -> None:
    """Bug: embedding.init=file:PATH passes validation and is then ignored (random vectors),
    so a missing or wrong embedding file trains without a word."""
    missing = tmp_path / "glove.50d.txt"
    overrides = [f"embedding.init=file:{missing}", "model.hidden_size=8", "train.max_steps=2"]
    with pytest.raises(RnnlabError, match=r"glove\.50d\.txt"):
        service.train(config_path("sentiment"), overrides, home=tmp_path / "home")
    assert_no_run(tmp_path / "home")
