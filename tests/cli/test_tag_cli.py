"""`rnnlab train | predict | runs show` on tag runs: token/TAG pairs, punctuated text,
--json, the per-tag table beside the baselines, and errors as `error: ...`, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import EXAMPLES, invoke, set_args

TINY = ["model.hidden_size=8", "embedding.dim=8", "train.epochs=2"]


@pytest.fixture(scope="module")
def tag_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("cli-tag")
    ids = {
        name: service.train(EXAMPLES / f"{name}.yaml", TINY, home=home)["id"]
        for name in ("toy_ner", "punctuation")
    }
    return home, ids


@pytest.fixture
def ids(tag_runs, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("RNNLAB_HOME", str(tag_runs[0]))
    monkeypatch.setenv("COLUMNS", "200")
    return tag_runs[1]


def test_predict_prints_each_token_with_its_tag(ids) -> None:
    result = invoke("predict", ids["toy_ner"], "Anna lives in Paris", "Bo sings")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    tokens = [pair.rsplit("/", 1) for pair in lines[0].split()]
    assert [t for t, _ in tokens] == ["Anna", "lives", "in", "Paris"]
    tags = set(service.tag_text(ids["toy_ner"], ["x"])["tags"])
    assert all(tag in tags for _, tag in tokens)


def test_predict_on_a_punctuation_run_prints_the_text_with_its_marks(ids) -> None:
    result = invoke("predict", ids["punctuation"], "余居山中屋前有水")
    assert result.exit_code == 0, result.output
    expected = service.punctuate(ids["punctuation"], "余居山中屋前有水")["punctuated"]
    assert result.stdout.strip() == expected and expected.startswith("余")


def test_predict_json_is_the_service_result(ids) -> None:
    result = invoke("predict", ids["toy_ner"], "Anna sings", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == service.tag_text(ids["toy_ner"], ["Anna sings"])


def test_an_empty_text_is_an_error_naming_it(ids) -> None:
    result = invoke("predict", ids["toy_ner"], "Anna", " ")
    assert result.exit_code == 1
    assert "error: text 2: empty; expected tokens to tag" in result.stderr


def test_runs_show_prints_the_per_tag_table_and_the_baselines(ids) -> None:
    result = invoke("runs", "show", ids["punctuation"])
    assert result.exit_code == 0, result.output
    assert "majority F1" in result.stdout and "bigram F1" in result.stdout
    assert "baseline bigram: micro F1" in result.stdout


def test_train_a_tag_config_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    config = EXAMPLES / "toy_ner.yaml"
    result = invoke("train", str(config), *set_args([*TINY, "train.epochs=1"]))
    assert result.exit_code == 0, result.output
    assert "baseline majority: micro F1" in result.stderr  # the progress console


def test_a_conll_file_with_a_missing_tag_is_an_error_naming_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    data = tmp_path / "bad.conll"
    data.write_text("Anna B-PER\nsings\n", encoding="utf-8")
    overrides = [f"data.path={data}", *TINY]
    result = invoke("train", str(EXAMPLES / "toy_ner.yaml"), *set_args(overrides))
    assert result.exit_code == 1
    assert f"{data}: line 2: expected 2 fields" in result.stderr


def test_predict_file_scores_a_labelled_file(ids, tmp_path: Path) -> None:
    data = tmp_path / "test.conll"
    data.write_text("Anna B-PER\nsings O\n\nBo B-PER\nruns O\n", encoding="utf-8")
    result = invoke("predict", ids["toy_ner"], "--file", str(data))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 sentences, 4 tokens: accuracy ")
    assert "span F1" in result.stdout and "\nB-PER\tP " in result.stdout
    as_json = json.loads(invoke("predict", ids["toy_ner"], "--file", str(data), "--json").stdout)
    assert as_json["per_tag"]["B-PER"]["support"] == 2


def test_predict_file_with_an_unknown_tag_names_its_line(ids, tmp_path: Path) -> None:
    data = tmp_path / "test.conll"
    data.write_text("Anna B-PER\n\nParis B-CITY\n", encoding="utf-8")
    result = invoke("predict", ids["toy_ner"], "--file", str(data))
    assert result.exit_code == 1
    assert f"error: {data}: line 3: unknown tag 'B-CITY'" in result.stderr


def test_predict_without_texts_is_an_error(ids) -> None:
    result = invoke("predict", ids["toy_ner"])
    assert result.exit_code == 1
    assert "error: texts: expected at least one text to classify or tag" in result.stderr
