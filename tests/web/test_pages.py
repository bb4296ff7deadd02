"""Pages, static files, the vendored Plotly and the OpenAPI docs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rnnlab.web.pages import PAGES

from .conftest import TestClient


def test_pages_come_from_the_static_folder(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    static = tmp_path / "static"
    (static / "pages").mkdir(parents=True)
    (static / "css").mkdir()
    (static / "pages" / "build.html").write_text("<h1>build</h1>")
    (static / "css" / "app.css").write_text("body {}")
    client = make_client(static_dir=static)
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 303 and root.headers["location"] == "/build"
    page = client.get("/build")
    assert page.status_code == 200 and page.text == "<h1>build</h1>"
    assert page.headers["content-type"].startswith("text/html")
    for name in ("data", "train", "results", "predict", "calculator"):
        missing = client.get(f"/{name}")
        assert missing.status_code == 404
        assert missing.json()["detail"] == (
            f"page {name!r} is not installed: {static / 'pages' / f'{name}.html'} is missing"
        )
    assert client.get("/static/css/app.css").text == "body {}"
    assert client.get("/static/nothing.js").status_code == 404


def test_a_page_includes_the_shared_parts(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    pages = tmp_path / "static" / "pages"
    pages.mkdir(parents=True)
    (pages / "_bar.html").write_text("<nav>bar</nav>\n")
    (pages / "build.html").write_text("<body>\n<!--#include _bar.html-->\n<h1>build</h1>\n")
    (pages / "data.html").write_text("<!--#include _gone.html-->\n")
    client = make_client(static_dir=tmp_path / "static")
    assert client.get("/build").text == "<body>\n<nav>bar</nav>\n<h1>build</h1>\n"
    broken = client.get("/data")
    assert broken.status_code == 500
    assert broken.json()["detail"] == f"data.html includes {pages / '_gone.html'}, which is missing"


def test_every_installed_page_has_the_workbench_navigation_once(client: TestClient) -> None:
    for name in PAGES:
        html = client.get(f"/{name}").text
        assert html.count('<nav aria-label="Workbench">') == 1, name
        assert "<!--#include" not in html and f'data-page="{name}"' in html


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert len(response.content) > 1_000_000


def test_openapi_docs(client: TestClient) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = client.get("/api/openapi.json").json()["paths"]
    expected = {
        "/api/datasets", "/api/datasets/{upload_id}", "/api/datasets/preview",
        "/api/embeddings", "/api/embeddings/build", "/api/embeddings/{embedding_id}/neighbours",
        "/api/embeddings/{embedding_id}/map", "/api/models/summary", "/api/runs",
        "/api/runs/{run_id}", "/api/runs/{run_id}/cancel", "/api/runs/{run_id}/resume",
        "/api/runs/{run_id}/events", "/api/runs/{run_id}/metrics",
        "/api/runs/{run_id}/figures/{figure}", "/api/compare",
        "/api/runs/{run_id}/artifacts/{path}", "/api/runs/{run_id}/classify",
        "/api/runs/{run_id}/generate", "/api/runs/{run_id}/forecast", "/api/trace/examples",
        "/api/trace/random", "/api/trace",
    }  # fmt: skip
    assert expected <= set(paths)
    assert not [path for path in paths if not path.startswith("/api/")]  # pages stay out
