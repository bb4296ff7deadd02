"""Fixtures of the hostile corpus: a web app on a temporary home, started (lifespan run),
with a client that names the server as 127.0.0.1."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnlab.web import create_app

BASE = "http://127.0.0.1"


@pytest.fixture
def web_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def make_web_client(web_home: Path) -> Iterator[Callable[..., TestClient]]:
    """`make_web_client(**create_app options)`: a started client, closed after the test."""
    clients: list[TestClient] = []

    def make(base_url: str = BASE, **options: Any) -> TestClient:
        options.setdefault("home", web_home)
        options.setdefault("train_threads", 1)
        client = TestClient(create_app(**options), base_url=base_url)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def web_client(make_web_client: Callable[..., TestClient]) -> TestClient:
    return make_web_client()
