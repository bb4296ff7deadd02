"""GET /api/cells: the pages' one source of cell names, gates and options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnlab import cells, service
from tests.toy_cells import register

from .conftest import TestClient


def test_the_cells_endpoint_describes_every_registered_cell(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy = register(monkeypatch)
    response = client.get("/api/cells")
    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body] == list(cells.names())
    assert body == [cell.describe() for cell in cells.all_cells()]
    assert body[-1]["name"] == toy.name and [g["name"] for g in body[-1]["gates"]] == ["a", "b"]


def test_one_cell_and_an_unknown_one(client: TestClient) -> None:
    lstm = client.get("/api/cells/lstm").json()
    assert lstm["forget_gate"] == "f" and lstm["has_cell_state"] is True
    assert [p["symbol"] for p in lstm["params"]] == ["W_xh", "W_hh", "b_ih", "b_hh"]
    response = client.get("/api/cells/lsmt")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"cell: expected one of {' | '.join(cells.names())}, received 'lsmt'"
    )


def test_the_random_trace_takes_the_registered_cells(client: TestClient) -> None:
    response = client.post("/api/trace/random", json={"cell": "lsmt"})
    assert response.status_code == 422
    assert all(name in response.text for name in cells.names())


def test_the_build_and_results_pages_keep_no_cell_or_gate_names() -> None:
    """They ask GET /api/cells (static/js/cells.js); a quoted cell name would be a copy."""
    static = Path(service.__file__).parents[1] / "web" / "static"
    names = "|".join(re.escape(name) for name in cells.names())
    quoted = re.compile(rf"""["'`]({names})["'`]|value="({names})\"""")
    for path in ("js/build.js", "js/diagram.js", "js/results.js", "pages/build.html"):
        text = (static / path).read_text()
        assert not quoted.search(text), (path, quoted.search(text))
        assert "i f g o" not in text and "r z n" not in text, path
