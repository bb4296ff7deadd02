"""Data sets over the API: samples, uploads (validated like CLI input, stored under
server-chosen names), deletion and the preview of each task."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rnnlab.cli.main import app as cli
from rnnlab.data import Tokenizer, read_table, sample_path

from .conftest import TestClient

TSV = b"text\tlabel\na fine film\tpos\ndull and slow\tneg\nwarm and funny\tpos\ntoo long\tneg\n"
CSV = b"month,value\n" + b"".join(f"2020-{m:02d},{100 + m * 3.5}\n".encode() for m in range(1, 40))
TXT = b"The cat sat on the mat.\nThe dog sat on the log.\n\nA bird sang.\n"


def upload(client: TestClient, name: str, content: bytes) -> dict:
    response = client.post("/api/datasets", files={"file": (name, content, "text/plain")})
    return {"status": response.status_code, **response.json()}


def cli_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes) -> str:
    """What `rnnlab train` prints for a config whose data.path is a file `name` holding
    `content` (run in `tmp_path`, so the message names the file as `name`)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(content)
    config = {"task": "classify", "data": {"path": name}, "train": {"max_steps": 1}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "cli-home"))
    result = CliRunner().invoke(cli, ["train", "config.yaml"])
    assert result.exit_code == 1
    return result.stderr.strip().removeprefix("error: ")


def test_samples_are_listed_with_their_tasks(client: TestClient) -> None:
    listing = client.get("/api/datasets").json()
    tasks = {sample["name"]: sample["task"] for sample in listing["samples"]}
    assert tasks == {
        "tiny_stories": "language-model",
        "sample_text": "language-model",
        "sentiment": "classify",
        "monthly_series": "forecast",
        "toy_ner": "tag",
        "punctuation": "tag",
    }
    assert all(s["path"] == f"sample:{s['name']}" and s["description"] for s in listing["samples"])
    assert listing["uploads"] == []


def test_good_uploads_are_stored_and_listed(client: TestClient, home: Path) -> None:
    entries = [upload(client, n, c) for n, c in (("r.tsv", TSV), ("s.csv", CSV), ("t.txt", TXT))]
    assert [e["status"] for e in entries] == [201, 201, 201]
    assert [(e["format"], e["task"]) for e in entries] == [
        ("tsv", "classify"),
        ("csv", "forecast"),
        ("text", "language-model"),
    ]
    for entry, content, suffix in zip(entries, (TSV, CSV, TXT), ("tsv", "csv", "txt"), strict=True):
        assert entry["path"] == f"upload:{entry['id']}" and entry["bytes"] == len(content)
        assert (home / "data" / f"{entry['id']}.{suffix}").read_bytes() == content
    listed = client.get("/api/datasets").json()["uploads"]
    assert [u["filename"] for u in listed] == ["r.tsv", "s.csv", "t.txt"]
    assert {u["id"] for u in listed} == {e["id"] for e in entries}


def test_the_users_file_name_never_reaches_the_disk(client: TestClient, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*")}
    entry = upload(client, "../../evil.tsv", TSV)
    assert entry["status"] == 201 and entry["filename"] == "evil.tsv"
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(tmp_path / "home") for p in created)
    assert not [p for p in tmp_path.parent.rglob("evil.tsv")]
    files = [p for p in created if p.is_file() and p.suffix == ".tsv"]
    assert [p.name for p in files] == [f"{entry['id']}.tsv"] and len(entry["id"]) == 32
    assert files[0].parent == tmp_path / "home" / "data"


def test_too_large_uploads_get_413(make_client, home: Path) -> None:
    client = make_client(max_upload_mb=1)
    big = b"text\tlabel\n" + b"a long line of text\t1\n" * 80_000  # 1.7 MB
    response = client.post("/api/datasets", files={"file": ("big.tsv", big)})
    assert response.status_code == 413
    detail = response.json()["detail"]
    limit = "the file is larger than the upload limit of 1 MB (rnnlab serve --max-upload-mb)"
    assert detail == f"big.tsv: {limit}"
    huge = client.post("/api/datasets", files={"file": ("huge.tsv", big * 2)})  # by Content-Length
    assert huge.status_code == 413 and "upload limit of 1 MB" in huge.json()["detail"]
    assert not list((home / "data").glob("*.tsv")) if (home / "data").exists() else True


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("data.exe", TSV),
        ("latin1.tsv", "text\tlabel\ncafé crème\t1\n".encode("latin-1")),
        ("ragged.tsv", b"text\tlabel\na fine film\t1\ndull\t0\textra\n"),
        ("header_only.csv", b"text,label\n"),
    ],
)
def test_bad_uploads_get_the_cli_message(
    client: TestClient,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes,
) -> None:
    response = client.post("/api/datasets", files={"file": (name, content)})
    assert response.status_code == 422
    assert response.json()["detail"] == cli_error(tmp_path, monkeypatch, name, content)
    assert not (home / "data").exists() or not [
        p for p in (home / "data").iterdir() if p.name != "index.json"
    ]


def test_an_upload_can_be_deleted(client: TestClient, home: Path) -> None:
    entry = upload(client, "r.tsv", TSV)
    assert client.delete(f"/api/datasets/{entry['id']}").status_code == 204
    assert not (home / "data" / f"{entry['id']}.tsv").exists()
    assert client.get("/api/datasets").json()["uploads"] == []
    again = client.delete(f"/api/datasets/{entry['id']}")
    assert again.status_code == 404 and entry["id"] in again.json()["detail"]
    assert client.delete("/api/datasets/..%2F..%2Fetc").status_code == 404


def test_preview_of_a_language_model_text(client: TestClient) -> None:
    body = {"task": "language-model", "data": {"path": "sample:tiny_stories", "tokenizer": "word"}}
    preview = client.post("/api/datasets/preview", json=body).json()
    content = sample_path("tiny_stories").read_text(encoding="utf-8")
    lines = [line for line in content.split("\n") if line.strip()]
    assert preview["text"] == content[:2000] and preview["columns"] is None
    assert preview["rows"] == [[line] for line in lines[:10]]
    lengths = [len(Tokenizer("word").tokenize(line)) for line in lines]
    assert sum(preview["lengths"]["counts"]) == len(lines)
    assert preview["lengths"]["edges"][0] == min(lengths) - 0.5
    edges = preview["lengths"]["edges"]
    assert edges[-2] < max(lengths) < edges[-1] and len(edges) <= 21
    assert len({b - a for a, b in itertools.pairwise(edges)}) == 1  # equal widths
    assert preview["vocab_size"] == preview["summary"]["vocab_size"] > 10
    assert preview["classes"] is None and preview["task"] == "language-model"


def test_preview_of_a_classification_table(client: TestClient) -> None:
    body = {"task": "classify", "data": {"path": "sample:sentiment", "tokenizer": "word"}}
    preview = client.post("/api/datasets/preview", json=body).json()
    header, rows = read_table(sample_path("sentiment"), "tsv")
    assert preview["columns"] == header == ["text", "label"]
    assert preview["rows"] == rows[:10]
    assert preview["classes"] == ["0", "1"]
    assert sum(preview["lengths"]["counts"]) == len(rows) == 1000
    assert preview["vocab_size"] > 50 and preview["text"] is None


def test_preview_of_an_uploaded_series(client: TestClient) -> None:
    entry = upload(client, "s.csv", CSV)
    body = {"task": "forecast", "data": {"path": entry["path"], "seq_len": 6}}
    preview = client.post("/api/datasets/preview", json=body).json()
    assert preview["columns"] == ["month", "value"] and len(preview["rows"]) == 10
    assert sum(preview["lengths"]["counts"]) == 39
    assert preview["lengths"]["edges"][0] == pytest.approx(103.5)
    assert preview["lengths"]["edges"][-1] == pytest.approx(100 + 39 * 3.5)
    assert preview["vocab_size"] is None and preview["classes"] is None


def test_preview_errors(client: TestClient) -> None:
    entry = upload(client, "r.tsv", TSV)
    cases = {
        "/etc/passwd": "data.path: the web workbench reads sample:NAME",
        "upload:" + "0" * 32: "no uploaded data set with this id",
    }
    for path, message in cases.items():
        body = {"task": "classify", "data": {"path": path}}
        response = client.post("/api/datasets/preview", json=body)
        assert response.status_code == 422 and message in response.json()["detail"], path
    body = {"task": "classify", "data": {"path": entry["path"], "text_column": "sentence"}}
    detail = client.post("/api/datasets/preview", json=body).json()["detail"]
    assert detail == "r.tsv: no column 'sentence'; the columns are 'text', 'label'"
    bad_field = {"task": "classify", "data": {"path": entry["path"], "seq_len": 0}}
    response = client.post("/api/datasets/preview", json=bad_field)
    assert response.status_code == 422 and "data.seq_len" in response.json()["detail"]
    missing = client.post("/api/datasets/preview", json={"data": {}})
    assert missing.status_code == 422 and missing.json()["detail"].startswith("task: ")
