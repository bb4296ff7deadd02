"""`rnnlab predict | generate | forecast`, with and without --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import Runs, invoke

TEXTS = ["a warm and funny film", "dull, slow and far too long"]


def test_predict_table(runs: Runs) -> None:
    result = invoke("predict", runs.ids["sentiment"], *TEXTS)
    assert result.exit_code == 0, result.output
    expected = service.classify(runs.ids["sentiment"], TEXTS, home=runs.home)
    assert "p(0)" in result.stdout and "p(1)" in result.stdout
    for row in expected:
        line = next(line for line in result.stdout.splitlines() if row["text"] in line)
        assert f"{row['probabilities']['0']:.3f}" in line
        assert f"{row['probabilities']['1']:.3f}" in line


def test_predict_json(runs: Runs) -> None:
    result = invoke("predict", runs.ids["sentiment"], *TEXTS, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows == service.classify(runs.ids["sentiment"], TEXTS, home=runs.home)
    assert [row["text"] for row in rows] == TEXTS
    for row in rows:
        assert sum(row["probabilities"].values()) == pytest.approx(1.0)


def test_predict_with_a_language_model_exits_1(runs: Runs) -> None:
    result = invoke("predict", runs.ids["char_lm"], "hello")
    assert result.exit_code == 1
    assert "error:" in result.stderr and "classify" in result.stderr
    assert "language-model" in result.stderr and "Traceback" not in result.output


GENERATE = ["--prompt", "The ", "--length", "30", "--temperature", "0.9", "--seed", "5"]


def test_generate_text_is_the_same_twice(runs: Runs) -> None:
    first = invoke("generate", runs.ids["char_lm"], *GENERATE)
    second = invoke("generate", runs.ids["char_lm"], *GENERATE)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    expected = service.generate(runs.ids["char_lm"], "The ", 30, 0.9, seed=5, home=runs.home)
    assert first.stdout == expected["full_text"] + "\n"
    assert first.stdout.startswith("The ")


def test_generate_json(runs: Runs) -> None:
    args = ["generate", runs.ids["char_lm"], *GENERATE, "--top-k", "5", "--json"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["tokens"]) == 30 and data["prompt"] == "The "
    assert data["full_text"] == "The " + data["text"]
    assert json.loads(invoke(*args).stdout) == data


def test_generate_with_a_classifier_exits_1(runs: Runs) -> None:
    result = invoke("generate", runs.ids["sentiment"], "--prompt", "a")
    assert result.exit_code == 1
    assert "error:" in result.stderr and "classify" in result.stderr


def test_forecast_text(runs: Runs) -> None:
    result = invoke("forecast", runs.ids["forecast"], "--steps", "5")
    assert result.exit_code == 0, result.output
    expected = service.forecast(runs.ids["forecast"], 5, home=runs.home)["forecast"]
    lines = result.stdout.strip().splitlines()
    assert lines == [f"+{i}\t{value:.4f}" for i, value in enumerate(expected, start=1)]


def test_forecast_json(runs: Runs) -> None:
    result = invoke("forecast", runs.ids["forecast"], "--steps", "5", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["forecast"]) == 5 and data["horizon"] == 1
    assert data == service.forecast(runs.ids["forecast"], 5, home=runs.home)


def test_forecast_after_given_values(runs: Runs, tmp_path: Path) -> None:
    path = tmp_path / "recent.csv"
    values = [300.0 + i for i in range(30)]
    path.write_text("level,note\n" + "".join(f"{v},x\n" for v in values))
    args = ["forecast", runs.ids["forecast"], "--steps", "3", "--input", str(path)]
    result = invoke(*args, "--column", "level", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["history"] == values[-24:]
    wrong = invoke(*args)  # the last column, "note", is not numeric
    assert wrong.exit_code == 1
    assert "error:" in wrong.stderr and "recent.csv" in wrong.stderr and "'note'" in wrong.stderr


def test_forecast_with_a_bad_steps_exits_1(runs: Runs) -> None:
    result = invoke("forecast", runs.ids["forecast"], "--steps", "0")
    assert result.exit_code == 1
    assert "error:" in result.stderr and "steps" in result.stderr


def test_greedy_is_temperature_0_and_help_says_so(runs: Runs) -> None:
    greedy = invoke("generate", runs.ids["char_lm"], "--prompt", "The ", "--greedy")
    zero = invoke("generate", runs.ids["char_lm"], "--prompt", "The ", "--temperature", "0")
    assert greedy.exit_code == 0, greedy.output
    assert greedy.stdout == zero.stdout
    helped = invoke("generate", "--help")
    assert "--greedy" in helped.stdout and "--temperature 0" in helped.stdout
    assert "--stop-at-eos" in helped.stdout and "--n" in helped.stdout
    both = invoke("generate", runs.ids["char_lm"], "--greedy", "--temperature", "0.5")
    assert both.exit_code == 2 and "--greedy is --temperature 0" in both.output


def test_n_samples_print_one_after_another(runs: Runs) -> None:
    args = ["generate", runs.ids["char_lm"], *GENERATE, "--n", "3"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    expected = service.generate(runs.ids["char_lm"], "The ", 30, 0.9, seed=5, n=3, home=runs.home)
    assert result.stdout == "".join(
        f"--- sample {k}\n{s['full_text']}\n" for k, s in enumerate(expected["samples"], start=1)
    )
    data = json.loads(invoke(*args, "--json").stdout)
    assert len(data["samples"]) == 3 and data["samples"] == expected["samples"]


def test_prompt_characters_outside_the_vocabulary_warn(runs: Runs) -> None:
    result = invoke("generate", runs.ids["char_lm"], "--prompt", "The Ω§", "--length", "5")
    assert result.exit_code == 0, result.output
    assert "warning: 2 prompt token(s) not in the vocabulary, read as <unk>: 'Ω', '§'" in (
        result.stderr
    )
    assert result.stdout.startswith("The Ω§")
    data = json.loads(invoke("generate", runs.ids["char_lm"], "--prompt", "Ω", "--json").stdout)
    assert data["unknown_tokens"] == ["Ω"] and "'Ω'" in data["warnings"][0]


def test_stop_at_eos_flag_ends_a_char_sample_at_a_line_break(runs: Runs) -> None:
    args = ["generate", runs.ids["char_lm"], "--length", "300", "--seed", "2", "--json"]
    free = json.loads(invoke(*args).stdout)
    assert len(free["tokens"]) == 300 and free["stopped_at_eos"] is False
    assert "\n" in free["text"]  # off by default for a char model
    stopped = json.loads(invoke(*args, "--stop-at-eos").stdout)
    assert stopped["stopped_at_eos"] is True and "\n" not in stopped["text"]
    assert stopped["tokens"] == free["tokens"][: free["tokens"].index("\n")]
    bad = invoke("generate", runs.ids["char_lm"], "--n", "0")
    assert bad.exit_code == 1 and "error: n: expected" in bad.stderr
