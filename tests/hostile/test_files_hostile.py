"""Hostile files through the CLI (issue 12): embedding files whose headers claim absurd
shapes, corrupt checkpoints, and outputs (-o, --save) into folders that do not exist.
Each case: exit code 1, `error:` naming the file and what is wrong, no traceback, and
nothing allocated or created on the way."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app
from rnnlab.store import Store, read_checkpoint, write_checkpoint
from rnnlab.web import create_app

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
TINY = ["model.hidden_size=4", "embedding.dim=4", "train.max_steps=2"]
BUILD = ["embed", "build", "--method", "random", "--dim", "3"]
WORDS = {"format": "rnnlab-embedding-words", "version": 1, "words": ["a", "b", "c"]}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def refused(result: Result, *parts: str) -> None:
    """Exit 1 with one `error:` line holding every part, and no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for part in parts:
        assert part in result.stderr, (part, result.stderr)


# ---- embedding files that lie about their size -----------------------------------------------


def npy(shape: tuple[int, ...], descr: str, data: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / "E.npy"
        with path.open("wb") as handle:
            header = {"descr": descr, "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(handle, header)
            handle.write(data)
        (folder / "E.vocab.json").write_text(json.dumps(WORDS))
        return path

    return write


def text(name: str, content: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        if path.suffix == ".npy":
            (folder / "E.vocab.json").write_text(json.dumps(WORDS))
        return path

    return write


def npy_with_words(words_json: str) -> Callable[[Path], Path]:
    """A sound 3 x 2 .npy whose word list beside it is `words_json`."""

    def write(folder: Path) -> Path:
        path = folder / "E.npy"
        np.save(path, np.zeros((3, 2), np.float32))
        (folder / "E.vocab.json").write_text(words_json)
        return path

    return write


DEEP_JSON = "[" * 100_000 + "]" * 100_000  # parses only to a RecursionError
HUGE_INT_JSON = '{"format": "rnnlab-embedding-words", "version": ' + "9" * 5000 + "}"


def object_npy(folder: Path) -> Path:
    path = folder / "E.npy"
    np.save(path, np.array([[1, "a"]] * 3, dtype=object), allow_pickle=True)
    (folder / "E.vocab.json").write_text(json.dumps(WORDS))
    return path


EMBEDDING_FILES = {
    "npy-10x1e11": (npy((10, 10**11), "<f4", b"\0" * 64), "shape (10, 100000000000)"),
    "npy-1e11x10": (npy((10**11, 10), "<f4", b"\0" * 64), "4,000,000,000,000 bytes"),
    "npy-3d": (npy((3, 2, 2), "<f4", b"\0" * 48), "expected a 2-D array"),
    "npy-truncated": (npy((3, 2), "<f8", b"\0" * 40), "holds 40 bytes"),
    "npy-object": (object_npy, "object dtype"),
    "npy-strings": (npy((3, 2), "<U3", b"\0" * 72), "expected real numbers"),
    "npy-bad-header": (text("E.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}   \n"), "E.npy"),
    "text-1e12-rows": (text("e.txt", b"1000000000000 3\na 1 2 3\n"), "V=1000000000000"),
    "text-1e11-dims": (text("e.vec", b"2 100000000000\na 1 2 3\n"), "d=100000000000"),
    "binary-1e9-dims": (text("e.bin", b"2 1000000000\na \x00\x00"), "d=1000000000"),
    "binary-1e11-words": (text("e.bin", b"100000000000 1\na \0\0\0\0\n"), "word 2 of"),
}
WORD_LISTS = {
    "nested-deep": (DEEP_JSON, "nested too deeply"),
    "huge-integer": (HUGE_INT_JSON, "4300"),
}


@pytest.mark.parametrize("case", sorted(EMBEDDING_FILES))
@pytest.mark.parametrize("command", ["info", "plot"])
def test_embedding_files_that_lie_are_refused(tmp_path: Path, case: str, command: str) -> None:
    write, part = EMBEDDING_FILES[case]
    path = write(tmp_path)
    extra = ["-o", str(tmp_path / "map.png")] if command == "plot" else []
    refused(invoke("embed", command, str(path), *extra), f"error: {path}: ", part)
    assert not (tmp_path / "map.png").exists()


@pytest.mark.parametrize("case", sorted(WORD_LISTS))
def test_word_lists_that_break_the_json_parser_are_refused(tmp_path: Path, case: str) -> None:
    words_json, part = WORD_LISTS[case]
    path = npy_with_words(words_json)(tmp_path)
    refused(invoke("embed", "info", str(path)), f"error: {tmp_path / 'E.vocab.json'}: ", part)


# ---- corrupt checkpoints ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("files-hostile")
    run_id = service.train(EXAMPLES / "sentiment.yaml", TINY, home=home)["id"]
    with Store(home) as store:  # as if Ctrl-C had stopped it: resumable
        store.set_status(run_id, "interrupted", "stopped by the test")
    return home, run_id


def _drop_config(folder: Path, tag: str) -> None:
    path = folder / f"{tag}.json"
    document = json.loads(path.read_text())
    del document["meta"]["config"]
    path.write_text(json.dumps(document))


def _truncate_arrays(folder: Path, tag: str) -> None:
    arrays = folder / json.loads((folder / f"{tag}.json").read_text())["arrays_file"]
    arrays.write_bytes(arrays.read_bytes()[:100])


def _garbage_arrays(folder: Path, tag: str) -> None:
    path = folder / f"{tag}.json"
    document = json.loads(path.read_text())
    garbage = (2**62).to_bytes(8, "little") + b"{}"  # a header claiming 4 EiB
    (folder / document["arrays_file"]).write_bytes(garbage)
    document["arrays_sha256"] = hashlib.sha256(garbage).hexdigest()
    path.write_text(json.dumps(document))


def _wrong_shape(folder: Path, tag: str) -> None:
    """head.weight (and its optimiser slots) of a shape the config does not make."""
    arrays, meta = read_checkpoint(folder, tag)
    for key in [k for k in arrays if k.endswith(".head.weight") and arrays[k].ndim == 2]:
        arrays[key] = np.zeros((7, 3), np.float32)
    write_checkpoint(folder, tag, arrays, meta)


def _hidden_shape(folder: Path, tag: str) -> None:
    """W_hh of layer 0 (and its optimiser slots) for another hidden size than the config's."""
    arrays, meta = read_checkpoint(folder, tag)
    for key in [k for k in arrays if k.endswith("weight_hh_l0") and arrays[k].ndim == 2]:
        arrays[key] = np.zeros((12, 3), np.float32)
    write_checkpoint(folder, tag, arrays, meta)


def _optimiser_shape(folder: Path, tag: str) -> None:
    arrays, meta = read_checkpoint(folder, tag)
    arrays["model.head.weight"] = np.zeros((7, 3), np.float32)
    write_checkpoint(folder, tag, arrays, meta)


def _progress_text(folder: Path, tag: str) -> None:
    path = folder / f"{tag}.json"
    document = json.loads(path.read_text())
    document["meta"]["progress"]["step"] = "many"
    path.write_text(json.dumps(document))


def _meta_text(text: str) -> Callable[[Path, str], None]:
    def write(folder: Path, tag: str) -> None:
        (folder / f"{tag}.json").write_text(text)

    return write


CHECKPOINTS = {
    "json-nested-deep": (_meta_text(DEEP_JSON), ["corrupt checkpoint: ", "nested too deeply"]),
    "json-huge-integer": (_meta_text(HUGE_INT_JSON), ["corrupt checkpoint: ", "not valid data"]),
    "missing-config": (_drop_config, ["corrupt checkpoint: ", ".json: missing 'config'"]),
    "truncated-safetensors": (_truncate_arrays, ["corrupt checkpoint: ", "sha256 does not match"]),
    "garbage-safetensors": (_garbage_arrays, ["corrupt checkpoint: ", "not a valid safetensors"]),
    "step-not-a-number": (_progress_text, ["corrupt checkpoint: ", "progress.step: expected"]),
    "wrong-shape": (_wrong_shape, ["head.weight: expected shape", "received (7, 3)"]),
    "hidden-shape": (_hidden_shape, ["corrupt checkpoint: ", "config model.hidden_size is 4"]),
    "optimiser-shape": (_optimiser_shape, ["corrupt checkpoint: ", "model.head.weight has (7, 3)"]),
}


@pytest.mark.parametrize("case", sorted(CHECKPOINTS))
@pytest.mark.parametrize("command", ["resume", "predict"])
def test_corrupt_checkpoints_are_named_errors(
    trained: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    command: str,
) -> None:
    home = tmp_path / "home"
    shutil.copytree(trained[0], home)
    monkeypatch.setenv("RNNLAB_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "300")
    folder = home / "runs" / trained[1] / "checkpoints"
    corrupt, parts = CHECKPOINTS[case]
    for tag in ("last", "best"):
        corrupt(folder, tag)
    args = ["train", "--resume", trained[1]] if command == "resume" else ["predict", trained[1]]
    refused(invoke(*args, *(["a fine film"] if command == "predict" else [])), *parts)


# ---- outputs never create folders --------------------------------------------------------------


@pytest.fixture
def emb(tmp_path: Path) -> Path:
    path = tmp_path / "e.txt"
    path.write_text("a 1 2\nb 3 4\nc 5 6\n")
    return path


def test_outputs_into_missing_folders_are_refused_and_nothing_is_created(
    emb: Path, tmp_path: Path, trained: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(trained[0]))
    monkeypatch.setenv("COLUMNS", "300")
    missing = tmp_path / "no" / "such"
    run = trained[1]
    commands = [
        ["embed", "plot", str(emb), "-o", f"{missing}/map.png"],
        [*BUILD, "--corpus", str(emb), "-o", f"{missing}/e.npy"],
        ["plot", run, "--figure", "curves", "-o", f"{missing}/curves.png"],
        ["runs", "compare", run, run, "-o", f"{missing}/compare.png"],
        ["trace", "--random", "--save", f"{missing}/net.yaml"],
    ]
    for args in commands:
        refused(invoke(*args), f"the folder {missing} does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt"]


def test_outputs_that_are_folders_are_refused(emb: Path, tmp_path: Path) -> None:
    refused(invoke("embed", "plot", str(emb), "-o", str(tmp_path)), f"{tmp_path}: is a folder")
    refused(invoke("trace", "--random", "--save", str(tmp_path)), f"{tmp_path}: is a folder")
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    refused(invoke("embed", "plot", str(emb), "-o", f"{notes}/map.png"), "is a file, not a folder")


# ---- the same embedding files uploaded to the web API ------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(home=tmp_path / "home", train_threads=1)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.mark.parametrize("case", sorted(EMBEDDING_FILES))
def test_uploaded_embedding_files_that_lie_are_422(client: Any, tmp_path: Path, case: str) -> None:
    write, part = EMBEDDING_FILES[case]
    folder = tmp_path / "files"
    folder.mkdir()
    path = write(folder)
    files = {"file": (path.name, path.read_bytes())}
    if path.suffix == ".npy":
        files["words"] = ("E.vocab.json", (folder / "E.vocab.json").read_bytes())
    response = client.post("/api/embeddings", files=files)
    assert response.status_code == 422, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert detail.startswith(f"{path.name}: ") and part.replace(str(folder), "") in detail
    assert ".upload-" not in detail and str(tmp_path) not in detail


@pytest.mark.parametrize("case", sorted(WORD_LISTS))
def test_uploaded_word_lists_that_break_the_json_parser_are_422(
    client: Any, tmp_path: Path, case: str
) -> None:
    words_json, part = WORD_LISTS[case]
    path = npy_with_words(words_json)(tmp_path)
    files = {"file": (path.name, path.read_bytes()), "words": ("E.vocab.json", words_json)}
    response = client.post("/api/embeddings", files=files)
    assert response.status_code == 422, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert part in detail and str(tmp_path) not in detail, detail
    assert client.get("/api/embeddings").json() == []


# ---- embedding builds that would allocate absurd matrices or keep no word --------------------


@pytest.mark.parametrize(
    ("args", "part"),
    [
        (["--method", "random", "--dim", "100000000"], "dim: expected an integer 1..4096"),
        (["--method", "ppmi-svd", "--dim", "0"], "dim: expected an integer 1..4096, received 0"),
        (["--method", "word2vec", "--dim", "5000"], "received 5000"),
        (["--method", "random", "--dim", "4", "--min-count", "99"], "min_count=99 keeps no word"),
        (["--method", "ppmi-svd", "--dim", "4", "--min-count", "99"], "appears 3 times"),
    ],
)
def test_embedding_builds_with_absurd_sizes_are_refused(
    emb: Path, tmp_path: Path, args: list[str], part: str
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a cat sat\na cat ran\na dog sat\n")
    out = tmp_path / "out.npy"
    refused(invoke("embed", "build", *args, "--corpus", str(corpus), "-o", str(out)), part)
    assert not out.exists()


def test_a_onehot_build_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rnnlab.embeddings.build.MAX_ONEHOT_WORDS", 3)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a cat sat\na cat ran\n")
    out = tmp_path / "o.npy"
    args = ["embed", "build", "--method", "onehot", "--corpus", str(corpus), "-o", str(out)]
    refused(invoke(*args), "method onehot: 6 words make a 6 x 6 matrix; expected at most 3")
    assert not out.exists()
