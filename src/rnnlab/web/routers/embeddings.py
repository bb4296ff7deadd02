"""/api/embeddings: embeddings stored by the server, built from a data set or uploaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, UploadFile

from rnnlab import service
from rnnlab.web.deps import Heavy, Home, SettingsDep
from rnnlab.web.routers.datasets import read_limited
from rnnlab.web.schemas import EmbeddingBuild, EmbeddingCreated, EmbeddingEntry, Neighbour

router = APIRouter(prefix="/embeddings", tags=["embeddings"])


@router.get("", response_model=list[EmbeddingEntry])
def list_embeddings(home: Home) -> Any:
    return service.list_embeddings(home)


@router.post("/build", status_code=201, response_model=EmbeddingCreated)
def build(body: EmbeddingBuild, home: Home, heavy: Heavy) -> Any:
    """Make an embedding by a recipe, learnt from `dataset` where the recipe needs a corpus
    (in a budgeted process: 422 when its size estimate is past the memory budget; 429, 503
    or 504 past the server's limits)."""
    budget = heavy.limits.memory_mb * 2**20
    return heavy.run("embedding build", build_within, body.model_dump(), home, budget)


def build_within(options: dict[str, Any], home: Path, max_bytes: int) -> dict[str, Any]:
    """The job of a build: the size estimate checked against `max_bytes`, then the build."""
    estimated = {k: options[k] for k in ("method", "dataset", "dim", "tokenizer", "lowercase")}
    extra = {"min_count": options["min_count"], "max_bytes": max_bytes}
    service.check_embedding_budget(**estimated, **extra, home=home, allow_files=False)
    return service.build_stored_embedding(**options, home=home, allow_files=False)


@router.post("", status_code=201, response_model=EmbeddingCreated)
def upload(
    file: UploadFile, home: Home, settings: SettingsDep, words: UploadFile | None = None
) -> Any:
    """Upload .txt/.vec (GloVe, word2vec text), .bin (word2vec binary) or .npy; an .npy
    needs its word list (the .vocab.json file) as the field `words`."""
    limit = settings.max_upload_bytes
    content = read_limited(file, limit)
    word_list = None if words is None else read_limited(words, limit)
    return service.upload_embedding(file.filename, content, home, limit, word_list)


@router.get("/{embedding_id}/neighbours", response_model=list[Neighbour])
def neighbours(embedding_id: str, home: Home, word: str, k: int = Query(10, ge=1, le=200)) -> Any:
    """The k nearest words by cosine similarity."""
    return service.stored_neighbours(embedding_id, word, k, home)


@router.get("/{embedding_id}/map")
def embedding_map(
    embedding_id: str,
    home: Home,
    heavy: Heavy,
    method: Literal["pca", "tsne"] = "pca",
    max_words: Annotated[int, Query(ge=2, le=2000)] = 200,
    words: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """A 2-D map of the words (figure data, kind scatter); t-SNE, which can take a while,
    runs as a heavy request (429, 503 or 504 past the server's limits)."""
    if method == "tsne":
        options = (embedding_id, words, method, max_words, home)
        return heavy.run("t-SNE map", service.stored_map, *options)
    return service.stored_map(embedding_id, words, method, max_words, home)


@router.delete("/{embedding_id}", status_code=204)
def delete(embedding_id: str, home: Home) -> Response:
    service.delete_embedding(embedding_id, home)
    return Response(status_code=204)
