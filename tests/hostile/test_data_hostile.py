"""Hostile data and runs that end badly, through `rnnlab train` (issue 12): a data.min_freq
that leaves only <unk>, label columns that are not classes, the text column as its own
label: exit code 1 naming the file and field, no traceback, and no run trained into a
meaningless "finished". A run that diverges exits 1 (train and train --resume)."""

from __future__ import annotations

import json
import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app
from rnnlab.web import create_app

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
SENTIMENT = str(EXAMPLES / "sentiment.yaml")
CHAR_LM = str(EXAMPLES / "char_lm.yaml")
TINY = ["model.hidden_size=4", "embedding.dim=4", "train.max_steps=2"]
# A ReLU RNN with SGD at the largest allowed rate and no clipping blows up within a few steps.
EXPLODING = [
    "model.cell=rnn",
    "model.nonlinearity=relu",
    "model.bidirectional=false",
    "model.hidden_size=8",
    "embedding.dim=8",
    "train.optimizer=sgd",
    "train.lr=10",
    "train.clip_grad_norm=null",
    "train.eval_every=2",
    "train.max_steps=60",
]


def train(config: str, *overrides: str) -> Result:
    args = ["train", config, *(part for item in overrides for part in ("--set", item))]
    return CliRunner().invoke(app, args)


def refused(result: Result, *parts: str) -> None:
    """Exit 1, `error:` holding every part, no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for part in parts:
        assert part in result.stderr, (part, result.stderr)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("RNNLAB_HOME", str(path))
    monkeypatch.setenv("COLUMNS", "300")
    return path


def table(folder: Path, rows: list[tuple[str, str]], name: str = "data.csv") -> str:
    path = folder / name
    path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return str(path)


def no_runs(home: Path) -> None:
    """Refused before a run exists: nothing "finished" to mistake for a model."""
    assert service.list_runs(home=home) == []


# ---- vocabulary: everything <unk> ------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "overrides", "parts"),
    [
        (SENTIMENT, ["data.min_freq=1000"], ["sentiment.tsv: data.min_freq 1000 turns", "(100%)"]),
        (CHAR_LM, ["data.min_freq=10000000"], ["tiny_stories.txt: data.min_freq 10000000"]),
        (SENTIMENT, ["data.min_freq=2000", "data.max_vocab=3"], ["with data.max_vocab 3 turns"]),
    ],
)
def test_a_vocabulary_of_only_unk_is_refused(
    home: Path, config: str, overrides: list[str], parts: list[str]
) -> None:
    refused(train(config, *TINY, *overrides), *parts, "into <unk>", "lower data.min_freq")
    no_runs(home)


@pytest.mark.parametrize(
    "content", [b"\0" * 4096, "a line of text\n".encode("utf-16"), b"text\nmore\0text\n"]
)
def test_a_binary_or_utf16_text_file_is_refused(home: Path, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(content)
    line = content[: content.index(b"\0")].count(b"\n") + 1
    refused(train(CHAR_LM, *TINY, f"data.path={path}"), f"{path}: line {line}: a NUL byte")
    no_runs(home)


def test_a_vocabulary_of_mostly_unk_is_warned(home: Path) -> None:
    # xavier: the example's ppmi-svd needs two words that co-occur, and 3 entries keep one word
    result = train(SENTIMENT, *TINY, "data.max_vocab=3", "embedding.init=xavier")
    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())
    assert "warning: " in warning and "data.min_freq 1 with data.max_vocab 3 turns" in warning
    assert "training tokens (86%) into <unk>; to keep more words, raise data.max_vocab" in warning


# ---- label columns that are not classes --------------------------------------------------------


def _floats(n: int) -> list[tuple[str, str]]:
    rng = random.Random(0)
    return [(f"some words here {i}", f"{i + rng.random():.4f}") for i in range(n)]


LABELS = {
    "50-distinct-floats": (_floats(50), "looks like continuous numbers: 50 distinct labels"),
    "500-distinct-floats": (_floats(500), "looks like continuous numbers: 500 distinct"),
    "mostly-one-row-per-label": (
        [(f"text {i}", "ab"[i % 2]) for i in range(6)] + [(f"t {i}", f"x{i}") for i in range(5)],
        "is mostly one row per label: 7 distinct labels in 11 rows, 5 of them",
    ),
    "one-row-per-word": (
        [(f"text {i}", f"tag{i}") for i in range(30)],
        "has one row per label: 30 distinct labels in 30 rows",
    ),
}


@pytest.mark.parametrize("case", sorted(LABELS))
def test_labels_that_are_not_classes_are_refused(home: Path, tmp_path: Path, case: str) -> None:
    rows, part = LABELS[case]
    path = table(tmp_path, rows)
    result = train(SENTIMENT, *TINY, f"data.path={path}", "data.format=csv")
    refused(result, f"{path}: column 'label' {part}", "task: forecast", "data.label_column")
    no_runs(home)


def test_the_text_column_as_label_is_refused(home: Path) -> None:
    result = train(SENTIMENT, *TINY, "data.label_column=text")
    refused(result, "data.text_column and data.label_column are both 'text'")
    no_runs(home)


def test_a_single_example_class_is_warned_and_trains(home: Path, tmp_path: Path) -> None:
    rows = [(f"good words {i}", "pos" if i % 2 else "neg") for i in range(40)]
    path = table(tmp_path, [*rows, ("odd one out", "weird")])
    result = train(SENTIMENT, *TINY, f"data.path={path}", "data.format=csv")
    assert result.exit_code == 0, result.output
    assert "1 class(es) with a single example ('weird')" in " ".join(result.stderr.split())


# ---- exit codes of runs that end badly ----------------------------------------------------------


def test_a_diverged_run_exits_1_on_train_and_on_resume(home: Path) -> None:
    result = train(SENTIMENT, *EXPLODING)
    refused(result, "ended diverged")
    run_id = result.stdout.strip().splitlines()[-1]
    assert service.show_run(run_id, home=home)["status"] == "diverged"
    resumed = CliRunner().invoke(app, ["train", "--resume", run_id])
    refused(resumed, f"run {run_id} ended diverged")


def test_a_finished_run_exits_0(home: Path) -> None:
    result = train(SENTIMENT, *TINY)
    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr


# ---- the same data through the web API: 422 before a run exists -------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(home=tmp_path / "web-home", train_threads=1)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _csv(rows: list[tuple[str, str]]) -> bytes:
    return ("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows)).encode()


TWO_CLASSES = [(f"a fine film {i}", "ab"[i % 2]) for i in range(30)]
API_CASES = {
    **{name: ({}, _csv(rows), part) for name, (rows, part) in LABELS.items()},
    "text-as-label": ({"label_column": "text"}, _csv(_floats(30)), "are both 'text'"),
    "only-unk": ({"min_freq": 1000}, _csv(TWO_CLASSES), "d.csv: data.min_freq 1000 turns"),
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_api_refuses_the_same_data_before_a_run_exists(client: Any, case: str) -> None:
    data, content, part = API_CASES[case]
    upload = client.post("/api/datasets", files={"file": ("d.csv", content, "text/plain")})
    assert upload.status_code == 201, upload.text
    config = {"task": "classify", "data": {"path": upload.json()["path"], **data}}
    config |= {"embedding": {"dim": 4}, "model": {"hidden_size": 4}, "train": {"max_steps": 2}}
    response = client.post("/api/runs", json={"config": config})
    assert response.status_code == 422, (response.status_code, response.text)
    assert part in response.json()["detail"]
    assert client.get("/api/runs").json() == []


def _lab_row(cell: str, status: str) -> dict[str, Any]:
    return {
        "T": 50, "cell": cell, "status": status, "steps": 10, "metric": "mse", "final": 0.1,
        "baseline": 0.2, "vs_baseline": 0.5, "solved": False,
        "log10_grad_ratio_first": -6.5, "grad_underflow_first": False, "grad_step_first": 1,
        "log10_grad_ratio_last": -3.0, "grad_underflow_last": False, "grad_step_last": 10,
    }  # fmt: skip


def test_lab_exits_1_after_its_rows_when_a_run_diverged(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--json: the rows as the service gives them (the table's columns change with the lab)."""
    rows = [_lab_row("lstm", "finished"), _lab_row("rnn-relu", "diverged")]
    monkeypatch.setattr(service, "lab_vanishing", lambda *args, **kwargs: rows)
    args = ["lab", "vanishing", "--out-dir", str(tmp_path / "lab"), "--json"]
    result = CliRunner().invoke(app, args)
    refused(result, "1 of 2 runs did not train to the end (T=50 rnn-relu diverged)")
    assert [row["cell"] for row in json.loads(result.stdout)] == ["lstm", "rnn-relu"]
    monkeypatch.setattr(service, "lab_vanishing", lambda *args, **kwargs: rows[:1])
    assert CliRunner().invoke(app, args).exit_code == 0
