"""`rnnlab train | predict | plot | lab attention` on seq2seq runs: outputs one per line,
--beam and --max-len, --json with the attention matrix, the attention PNG, the lab's
table, and errors as `error: ...`, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import EXAMPLES, invoke, set_args

TINY = [
    "data.path=seq2seq:reverse?size=3&n=200&val=20",
    "embedding.dim=8",
    "model.hidden_size=16",
    "train.max_steps=40",
    "train.eval_every=20",
    "train.batch_size=32",
    "train.lr=0.03",
    "train.probe_every=null",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("cli-seq2seq")
    return home, service.train(EXAMPLES / "reverse.yaml", TINY, home=home)["id"]


@pytest.fixture
def run_id(trained, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RNNLAB_HOME", str(trained[0]))
    monkeypatch.setenv("COLUMNS", "200")
    return trained[1]


def test_predict_prints_one_output_per_source(run_id) -> None:
    result = invoke("predict", run_id, "abc", "hij")
    assert result.exit_code == 0, result.output
    expected = [r["output"] for r in service.translate(run_id, ["abc", "hij"])]
    assert result.stdout.splitlines() == expected and all(expected)


def test_predict_beam_and_max_len_reach_the_service(run_id) -> None:
    result = invoke("predict", run_id, "abc", "--beam", "3", "--max-len", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == service.translate(run_id, ["abc"], 3, 2)
    assert len(json.loads(result.stdout)[0]["output_tokens"]) <= 2


def test_predict_json_carries_the_attention_matrix(run_id) -> None:
    result = invoke("predict", run_id, "abc", "--json")
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    assert item["source_tokens"] == ["a", "b", "c"]
    assert len(item["attention"]) == len(item["output_tokens"])
    assert all(len(row) == 3 for row in item["attention"])


def test_an_unknown_token_is_warned_on_stderr(run_id) -> None:
    result = invoke("predict", run_id, "abz")
    assert result.exit_code == 0, result.output
    assert "source 1: not in the vocabulary, read as <unk>: 'z'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["  "], "error: source 1: empty; expected tokens to translate"),
        (["abc", "--beam", "0"], "error: beam_size: expected an integer from 1"),
    ],
)
def test_bad_input_is_an_error(run_id, args: list[str], message: str) -> None:
    result = invoke("predict", run_id, *args)
    assert result.exit_code == 1 and message in result.stderr


def test_an_unknown_run_is_an_error(run_id) -> None:
    result = invoke("predict", "no-such-run", "abc")
    assert result.exit_code == 1 and result.stderr.startswith("error:")
    assert "no-such-run" in result.stderr


def test_plot_attention_writes_a_png(run_id, tmp_path: Path) -> None:
    out = tmp_path / "att.png"
    result = invoke("plot", run_id, "--figure", "attention", "--input", "abc", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = invoke("plot", run_id, "--figure", "attention", "--input", "abc", "--json")
    assert json.loads(data.stdout)["xticklabels"] == ["a", "b", "c"]


def test_plot_attention_without_input_is_an_error(run_id, tmp_path: Path) -> None:
    result = invoke("plot", run_id, "--figure", "attention", "-o", str(tmp_path / "a.png"))
    assert result.exit_code == 1 and "give the source to look at (--input TEXT)" in result.stderr


def test_train_a_seq2seq_config_shows_its_metrics(home: Path) -> None:
    result = invoke(
        "train", str(EXAMPLES / "reverse.yaml"), *set_args(TINY), "--set", "train.max_steps=4"
    )
    assert result.exit_code == 0, result.output
    assert "exact_match" in result.output


def test_train_with_numpy_engine_is_an_error(home: Path) -> None:
    args = set_args([*TINY, "train.engine=numpy"])
    result = invoke("train", str(EXAMPLES / "reverse.yaml"), *args)
    assert result.exit_code == 1 and "train.engine: task seq2seq runs on the torch" in result.stderr


def test_lab_attention_prints_a_row_per_length_and_attention(home: Path) -> None:
    args = ["--length", "2,3", "--steps", "3", "--n-train", "64", "--n-val", "8", "--json"]
    result = invoke("lab", "attention", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["L"], r["attention"]) for r in rows] == [
        (2, "none"),
        (2, "additive"),
        (3, "none"),
        (3, "additive"),
    ]
    for row in rows:
        assert row["status"] == "finished" and row["steps"] == 3
        assert 0 <= row["exact_match"] <= 1 and 0 <= row["token_accuracy"] <= 1
        assert row["tokens_per_s"] > 0
    names = {r["name"] for r in service.list_runs()}
    assert "lab-attention-reverse-L3-additive" in names


def test_lab_attention_table(home: Path) -> None:
    args = [
        "--length",
        "2",
        "--attention",
        "dot",
        "--steps",
        "2",
        "--n-train",
        "32",
        "--n-val",
        "4",
    ]
    result = invoke("lab", "attention", *args)
    assert result.exit_code == 0, result.output
    assert "exact match" in result.stdout and "dot" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "nope"], "error: task: expected one of reverse"),
        (["--attention", "luong"], "error: attention: expected none | additive | dot | general"),
        (["--length", "a,b"], "expected comma-separated integers"),
    ],
)
def test_lab_attention_bad_options(home: Path, args: list[str], message: str) -> None:
    result = invoke("lab", "attention", *args)
    assert result.exit_code != 0 and message in result.output + result.stderr
    assert service.list_runs() == []  # nothing trained before the check


def test_runs_list_shows_the_exact_match_of_the_checkpoint_in_use(run_id) -> None:
    result = invoke("runs", "list", "--task", "seq2seq")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if run_id in line)
    assert "exact_match" in row and "by exact_match" in row


@pytest.mark.parametrize(
    "command",
    [["generate", "--prompt", "ab"], ["export", "-o", "model.onnx"], ["forecast"]],
    ids=["generate", "export", "forecast"],
)
def test_other_uses_of_a_seq2seq_run_are_errors(run_id, command: list[str]) -> None:
    result = invoke(command[0], run_id, *command[1:])
    assert result.exit_code == 1
    assert f"error: run {run_id} is a seq2seq run: translate with it" in result.stderr
