"""Figure data: plain dicts of lists that any view can draw."""

from __future__ import annotations

from typing import Any

from rnnlab.embeddings import EmbeddingMatrix, project_2d


def embedding_map(
    matrix: EmbeddingMatrix,
    words: list[str] | None = None,
    method: str = "pca",
    max_words: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Words of an embedding placed on a 2-D projection (PCA, or t-SNE with scikit-learn)."""
    points = project_2d(matrix, words, method=method, seed=seed, max_words=max_words)
    subtitle = ""
    if points.get("explained_variance"):
        shares = ", ".join(f"{100 * v:.1f}%" for v in points["explained_variance"])
        subtitle = f"variance explained: {shares}"
    return {
        "kind": "scatter",
        "title": f"Embedding map ({points['method'].upper()})",
        "subtitle": subtitle,
        "x": list(points["x"]),
        "y": list(points["y"]),
        "labels": list(points["words"]),
        "xlabel": "component 1",
        "ylabel": "component 2",
    }
