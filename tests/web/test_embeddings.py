"""Embeddings over the API: build from a data set, upload a file, list, neighbours, map,
and their use as embedding:<id> in a run config."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from rnnlab import service

from .conftest import TestClient

GLOVE = b"good 1 0 0\ngreat 0.9 0.1 0\nbad -1 0 0\nawful -0.9 -0.1 0\nfilm 0 0 1\n"


def test_build_list_neighbours_and_map(client: TestClient, home: Path) -> None:
    body = {"method": "ppmi-svd", "dataset": "sample:sample_text", "dim": 4, "window": 2}
    made = client.post("/api/embeddings/build", json=body)
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["info"]["d"] == 4 and created["info"]["method"] == "ppmi-svd"
    assert (home / "embeddings" / f"{created['id']}.npy").is_file()
    listed = client.get("/api/embeddings").json()
    assert [(e["id"], e["d"], e["method"]) for e in listed] == [(created["id"], 4, "ppmi-svd")]
    assert listed[0]["V"] == created["info"]["V"] and "sample:sample_text" in listed[0]["label"]
    word = "cat" if "cat" in created["info"]["examples"] else created["info"]["examples"][-1]
    near = client.get(f"/api/embeddings/{created['id']}/neighbours", params={"word": word, "k": 3})
    path = home / "embeddings" / f"{created['id']}.npy"
    assert near.json() == service.embed_neighbours(path, word, 3)
    figure = client.get(f"/api/embeddings/{created['id']}/map", params={"max_words": 20}).json()
    assert figure["kind"] == "scatter"


def test_upload_a_text_file_and_use_it_in_a_config(client: TestClient, home: Path) -> None:
    response = client.post("/api/embeddings", files={"file": ("my glove.txt", GLOVE)})
    assert response.status_code == 201
    created = response.json()
    assert (created["info"]["V"], created["info"]["d"]) == (5, 3)
    entry = client.get("/api/embeddings").json()[0]
    assert entry["label"] == "my glove.txt" and entry["method"] == "file"
    near = client.get(f"/api/embeddings/{created['id']}/neighbours?word=good&k=1").json()
    assert near[0]["word"] == "great" and near[0]["cosine"] > 0.99
    config = {"task": "classify", "data": {"path": "sample:sentiment"}}
    config["embedding"] = {"init": f"embedding:{created['id']}"}
    resolved = service.resolve_config_refs(config, home, allow_files=False)
    assert resolved["embedding"]["init"] == f"file:{home / 'embeddings' / created['id']}.npy"


def test_upload_an_npy_with_its_words(client: TestClient) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.eye(3, dtype=np.float32))
    words = {"format": "rnnlab-embedding-words", "version": 1, "words": ["a", "b", "c"]}
    files = {
        "file": ("E.npy", buffer.getvalue()),
        "words": ("E.vocab.json", json.dumps(words).encode()),
    }
    response = client.post("/api/embeddings", files=files)
    assert response.status_code == 201 and response.json()["info"]["V"] == 3
    alone = client.post("/api/embeddings", files={"file": ("E.npy", buffer.getvalue())})
    assert alone.status_code == 422
    assert alone.json()["detail"] == (
        "E.npy: an .npy embedding needs its word list: send E.vocab.json as the field `words`"
    )
    bad_words = {**files, "words": ("E.vocab.json", b'{"format": "x"}')}
    wrong = client.post("/api/embeddings", files=bad_words).json()["detail"]
    assert wrong.startswith("E.vocab.json: field 'format'") and ".upload-" not in wrong


def test_bad_embedding_files(client: TestClient, home: Path) -> None:
    ragged = client.post("/api/embeddings", files={"file": ("r.txt", b"a 1 2\nb 1\n")})
    assert ragged.status_code == 422
    detail = ragged.json()["detail"]
    assert detail.startswith("r.txt: line 2") and str(home) not in detail
    suffix = client.post("/api/embeddings", files={"file": ("e.pkl", b"x")})
    assert suffix.status_code == 422 and "expected an embedding file" in suffix.json()["detail"]
    assert client.get("/api/embeddings").json() == []
    assert not [p for p in (home / "embeddings").iterdir() if p.name != "index.json"]


def test_unknown_ids_and_words(client: TestClient) -> None:
    unknown = "0" * 32
    assert client.get(f"/api/embeddings/{unknown}/neighbours?word=a").status_code == 404
    assert client.get("/api/embeddings/nope/map").status_code == 404
    assert client.delete(f"/api/embeddings/{unknown}").status_code == 404
    created = client.post("/api/embeddings", files={"file": ("g.txt", GLOVE)}).json()
    missing = client.get(f"/api/embeddings/{created['id']}/neighbours?word=zebra")
    assert missing.status_code == 422 and "zebra" in missing.json()["detail"]
    body = {"task": "classify", "data": {"path": "sample:sentiment"}}
    config = {**body, "embedding": {"init": f"embedding:{unknown}"}}
    started = client.post("/api/runs", json={"config": config})
    assert started.status_code == 422 and "no stored embedding" in started.json()["detail"]
    files = {"task": "classify", "data": {"path": "sample:sentiment"}}
    as_file = client.post("/api/runs", json={"config": {**files, "embedding": {"init": "file:/x"}}})
    assert as_file.status_code == 422 and "embedding:<id>" in as_file.json()["detail"]
    assert client.delete(f"/api/embeddings/{created['id']}").status_code == 204
    assert client.get("/api/embeddings").json() == []


def test_build_errors(client: TestClient) -> None:
    no_dim = client.post(
        "/api/embeddings/build", json={"method": "ppmi-svd", "dataset": "sample:sample_text"}
    )
    assert no_dim.status_code == 422 and "dim" in no_dim.json()["detail"]
    bad = client.post(
        "/api/embeddings/build", json={"method": "glove", "dim": 3, "dataset": "sample:sample_text"}
    )
    assert bad.status_code == 422 and "method" in bad.json()["detail"]
    outside = {"method": "onehot", "dataset": "/etc/hosts"}
    assert client.post("/api/embeddings/build", json=outside).status_code == 422


def test_a_tsne_map_is_made_in_a_job_process(client: TestClient) -> None:
    created = client.post("/api/embeddings", files={"file": ("tiny.txt", GLOVE)}).json()
    params = {"method": "tsne", "max_words": 5}
    figure = client.get(f"/api/embeddings/{created['id']}/map", params=params)
    assert figure.status_code == 200, figure.text
    data = figure.json()
    assert data["kind"] == "scatter" and data["title"] == "Embedding map (TSNE)"
    assert len(data["x"]) == len(data["labels"]) == 5
