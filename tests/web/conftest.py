"""Fixtures of the web tests: an app on a temporary home, a client that names the server
as 127.0.0.1 (the Host check refuses TestClient's default "testserver"), tiny runs
trained in-process, and a reader of server-sent events with a deadline."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnlab import service
from rnnlab.web import create_app

BASE = "http://127.0.0.1"
TINY_FORECAST: dict[str, Any] = {
    "task": "forecast",
    "data": {"path": "sample:monthly_series", "seq_len": 12, "season": 12},
    "model": {"cell": "gru", "hidden_size": 8},
    "train": {"max_steps": 12, "epochs": 100, "eval_every": 6, "probe_every": 6},
}
TINY_CLASSIFY: dict[str, Any] = {
    "task": "classify",
    "data": {"path": "sample:sentiment", "tokenizer": "word", "lowercase": True},
    "embedding": {"dim": 8},
    "model": {"cell": "lstm", "hidden_size": 8, "bidirectional": True},
    "train": {"batch_size": 64, "max_steps": 8, "eval_every": 4, "probe_every": 4},
}
TINY_LM: dict[str, Any] = {
    "task": "language-model",
    "data": {"path": "sample:tiny_stories", "seq_len": 16},
    "embedding": {"dim": 8},
    "model": {"cell": "rnn", "hidden_size": 8},
    "train": {"batch_size": 8, "max_steps": 8, "eval_every": 4, "probe_every": 4},
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def make_client(home: Path) -> Iterator[Callable[..., TestClient]]:
    """`make_client(**create_app options)`: a started client (lifespan run), closed after."""
    clients: list[TestClient] = []

    def make(base_url: str = BASE, **options: Any) -> TestClient:
        options.setdefault("home", home)
        options.setdefault("train_threads", 1)
        client = TestClient(create_app(**options), base_url=base_url)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@dataclass
class Trained:
    """Runs trained in-process into one home: task -> run id."""

    home: Path
    ids: dict[str, str]


@pytest.fixture(scope="package")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    home = tmp_path_factory.mktemp("web-trained")
    ids = {}
    for config in (TINY_FORECAST, TINY_CLASSIFY, TINY_LM):
        ids[config["task"]] = service.train(config, home=home)["id"]
    return Trained(home, ids)


@pytest.fixture
def trained_client(trained: Trained) -> Iterator[TestClient]:
    with TestClient(create_app(home=trained.home), base_url=BASE) as client:
        yield client


def read_events(
    client: TestClient, run_id: str, timeout: float = 60.0, until: str = "end"
) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a run's event stream up to `until` (inclusive)."""
    events: list[tuple[str, dict[str, Any]]] = []

    def read() -> None:
        name = None
        with client.stream("GET", f"/api/runs/{run_id}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: ") and name is not None:
                    events.append((name, json.loads(line.removeprefix("data: "))))
                    if name == until:
                        return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"no {until!r} event within {timeout} s: {events[-3:]}"
    return events


def wait_for(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")
