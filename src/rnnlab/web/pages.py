"""The pages and static files: /build, /data, /train, /results, /predict, /calculator are
``static/pages/<name>.html``; /static serves ``static/``; Plotly.js comes from the
installed ``plotly`` package (never from the internet).

A page's ``<!--#include NAME-->`` line is replaced by ``static/pages/NAME`` (the header and
navigation every page shares live once, in ``_topbar.html``)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles

PAGES = ("build", "data", "train", "results", "predict", "calculator")
STATIC_DIR = Path(__file__).with_name("static")
PLOTLY_FILE = Path("package_data") / "plotly.min.js"
INCLUDE = re.compile(r"^<!--#include ([\w.-]+)-->$", re.MULTILINE)


def render_page(path: Path) -> str:
    """The page's HTML with every include line replaced by the named file's text."""

    def included(match: re.Match[str]) -> str:
        part = path.with_name(match.group(1))
        if not part.is_file():
            raise FileNotFoundError(f"{path.name} includes {part}, which is missing")
        return part.read_text(encoding="utf-8").rstrip("\n")

    return INCLUDE.sub(included, path.read_text(encoding="utf-8"))


def plotly_path() -> Path | None:
    """plotly.min.js of the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / PLOTLY_FILE
    return path if path.is_file() else None


def page_router(static_dir: Path) -> APIRouter:
    """/ (to /build), the six pages, and /static/vendor/plotly.min.js."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/build", status_code=303)

    @router.get("/static/vendor/plotly.min.js")
    def plotly() -> Response:
        path = plotly_path()
        if path is None:
            detail = "plotly.min.js not found: install the plotly package (pip install plotly)"
            return JSONResponse({"detail": detail}, status_code=404)
        return FileResponse(path, media_type="text/javascript")

    def page(name: str) -> Response:
        path = static_dir / "pages" / f"{name}.html"
        if not path.is_file():
            detail = f"page {name!r} is not installed: {path} is missing"
            return JSONResponse({"detail": detail}, status_code=404)
        try:
            return HTMLResponse(render_page(path))
        except FileNotFoundError as err:  # a broken installation
            return JSONResponse({"detail": str(err)}, status_code=500)

    def endpoint(name: str) -> Callable[[], Response]:
        def show() -> Response:
            return page(name)

        show.__name__ = f"page_{name}"
        return show

    for name in PAGES:
        router.add_api_route(f"/{name}", endpoint(name), methods=["GET", "HEAD"])
    return router


def install(app: FastAPI, static_dir: Path) -> None:
    """The page routes, then /static (the vendor route above wins over the mount)."""
    app.include_router(page_router(static_dir))
    app.mount("/static", StaticFiles(directory=static_dir, check_dir=False), name="static")
