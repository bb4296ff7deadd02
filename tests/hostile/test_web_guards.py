"""Hostile requests to the web server (issue 12): Host and Origin bypasses (DNS rebinding,
CSRF), a public name without a token, loose request bodies (bools, negative or huge
seeds, non-finite numbers), and requests that would take the machine's memory or CPU.
Each gets its status and a message that says why; none gets a 500."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rnnlab.cli.main import app as cli
from rnnlab.errors import ConfigError
from rnnlab.web import create_app
from rnnlab.web.sandbox import Limits
from tests.web.conftest import TestClient

FORECAST = {"task": "forecast", "data": {"path": "sample:monthly_series"}}
MISSING_RUN = "0" * 32
SYNTHETIC = {"path": "synthetic:copy?n=10&val=2", "seq_len": 10}


# ---- Host ------------------------------------------------------------------------------------

REFUSED_HOSTS = [
    ("127.evil.com", "refused: open the workbench"),
    ("127.EVIL.COM:8000", "refused: open the workbench"),
    ("127.0.0.1.nip.io:8000", "refused: open the workbench"),
    ("127.attacker.example", "refused: open the workbench"),
    ("127.1", "refused: open the workbench"),  # not the exact literal
    ("2130706433", "refused: open the workbench"),  # 127.0.0.1 as one number
    ("0x7f.0.0.1", "refused: open the workbench"),
    ("localhost.evil.com", "refused: open the workbench"),
    ("evil.localhost", "refused: open the workbench"),
    ("[::2]:8000", "refused: open the workbench"),
    ("[fe80::1]", "refused: open the workbench"),
    ("[::ffff:10.0.0.1]", "refused: open the workbench"),
    ("localhost.", "expected a host name or IP address"),  # trailing dot
    ("127.0.0.1.", "expected a host name or IP address"),
    ("user@127.0.0.1", "expected a host name or IP address"),
    ("127.0.0.1@evil.com", "expected a host name or IP address"),
    ("evil.com#@127.0.0.1", "expected a host name or IP address"),
    ("127.0.0.1 evil.com", "expected a host name or IP address"),
    ("127.0.0.1:", "expected a host name or IP address"),
    ("127.0.0.1:0", "expected a host name or IP address"),
    ("127.0.0.1:65536", "expected a host name or IP address"),
    ("127.0.0.1:http", "expected a host name or IP address"),
    ("127.0.0.1:80:80", "expected a host name or IP address"),
    ("127.0.0.1:-1", "expected a host name or IP address"),
    ("::1", "expected a host name or IP address"),  # IPv6 needs brackets
    ("[::1", "expected a host name or IP address"),
    ("[::1]x", "expected a host name or IP address"),
    ("[127.0.0.1]", "expected a host name or IP address"),
    ("", "expected a host name or IP address"),
    ("x" * 5000, "expected a host name or IP address"),
]
ACCEPTED_HOSTS = [
    "127.0.0.1",
    "127.0.0.1:8000",
    "LOCALHOST:8000",
    "localhost",
    "127.0.0.2:65535",
    "127.255.255.254",
    "[::1]",
    "[::1]:8000",
    "[0:0:0:0:0:0:0:1]:8000",
    "[::ffff:127.0.0.1]:8000",
]


@pytest.mark.parametrize(("host", "why"), REFUSED_HOSTS)
def test_a_host_that_is_not_loopback_by_its_exact_form_is_refused(
    client: TestClient, host: str, why: str
) -> None:
    response = client.get("/api/runs", headers={"host": host})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("host ") and why in detail
    assert len(detail) < 400  # a huge header is not echoed back whole


@pytest.mark.parametrize("host", ACCEPTED_HOSTS)
def test_loopback_hosts_are_accepted(client: TestClient, host: str) -> None:
    assert client.get("/api/runs", headers={"host": host}).status_code == 200


def test_two_host_headers_are_refused(client: TestClient) -> None:
    headers = [("host", "127.0.0.1"), ("host", "evil.example")]
    response = client.get("/api/runs", headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("expected one Host header, received 2")


def test_a_request_without_a_host_header_is_refused(client: TestClient) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.0", "method": "GET",
        "scheme": "http", "path": "/api/runs", "raw_path": b"/api/runs", "query_string": b"",
        "headers": [], "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # In a thread of its own: after the browser tests the main thread may hold a running loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, client.app(scope, receive, send)).result()
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["detail"].startswith("expected one Host header, received 0")


def test_a_started_name_is_matched_exactly(make_client: Callable[..., TestClient]) -> None:
    client = make_client(host="lab.example.org", token="t0ken")
    auth = {"authorization": "Bearer t0ken"}
    assert client.get("/api/runs", headers={**auth, "host": "lab.example.org:8000"}).is_success
    assert client.get("/api/runs", headers={**auth, "host": "LAB.example.org"}).is_success
    for host in ("lab.example.org.evil.com", "x.lab.example.org", "lab.example.org."):
        response = client.get("/api/runs", headers={**auth, "host": host})
        assert response.status_code == 400, host


def test_a_rebinding_upload_is_refused_and_stores_nothing(client: TestClient, home: Path) -> None:
    headers = {"host": "127.attacker.example", "origin": "http://127.attacker.example"}
    files = {"file": ("a.txt", b"some text\n" * 50)}
    response = client.post("/api/datasets", files=files, headers=headers)
    assert response.status_code == 400 and "127.attacker.example" in response.json()["detail"]
    assert not (home / "data").exists()


# ---- Origin ----------------------------------------------------------------------------------

REFUSED_ORIGINS = [
    "http://127.evil.com",
    "http://127.0.0.1.nip.io",
    "http://127.attacker.example",
    "http://evil.example",
    "null",
    "http://127.0.0.1:9999",  # another port is another origin
    "https://127.0.0.1",  # another scheme too
    "http://localhost",  # another name for the same machine: still another origin
    "http://user@127.0.0.1",
    "http://127.0.0.1/",
    "http://127.0.0.1/build",
    "127.0.0.1",
    "file://",
    "",
    "http://[::1]",
]


@pytest.mark.parametrize("origin", REFUSED_ORIGINS)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_state_change_from_another_origin_is_refused(
    client: TestClient, home: Path, origin: str, method: str
) -> None:
    if method == "POST":
        response = client.post("/api/trace/random", json={}, headers={"origin": origin})
    else:
        response = client.delete(f"/api/runs/{MISSING_RUN}", headers={"origin": origin})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith(f"cross-site request from origin {origin!r} refused")
    assert "only pages of this server (http://127.0.0.1)" in detail


def test_two_origins_are_refused(client: TestClient) -> None:
    headers = [("origin", "http://127.0.0.1"), ("origin", "http://evil.example")]
    response = client.post("/api/trace/random", json={}, headers=headers)
    assert response.status_code == 400 and "cross-site" in response.json()["detail"]


def test_the_servers_own_origin_may_change_state(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(base_url="http://localhost:8000")
    own = client.post("/api/trace/random", json={}, headers={"origin": "http://localhost:8000"})
    assert own.status_code == 200
    plain = client.post("/api/trace/random", json={})  # no Origin: not a browser page
    assert plain.status_code == 200
    read = client.get("/api/runs", headers={"origin": "http://evil.example"})
    assert read.status_code == 200  # reading is guarded by Host (and the browser's CORS)


# ---- a public name needs a token ---------------------------------------------------------------

NEED_A_TOKEN = ["127.evil.com", "127.0.0.1.nip.io", "localhost.", "0.0.0.0", "::", "", "lab"]


@pytest.mark.parametrize("host", NEED_A_TOKEN)
def test_serving_a_name_that_is_not_loopback_needs_a_token(
    host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RNNLAB_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="needs --token or RNNLAB_TOKEN"):
        create_app(home=tmp_path, host=host)
    result = CliRunner().invoke(cli, ["serve", "--host", host])
    assert result.exit_code == 1
    assert f"error: --host {host} needs --token or RNNLAB_TOKEN" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "localhost", "::1", "[::1]"])
def test_loopback_addresses_need_no_token(host: str, tmp_path: Path) -> None:
    assert create_app(home=tmp_path, host=host).state.settings.token is None


# ---- strict request bodies ---------------------------------------------------------------------

GENERATE = f"/api/runs/{MISSING_RUN}/generate"
FORECAST_ROUTE = f"/api/runs/{MISSING_RUN}/forecast"
LOOSE_BODIES = [
    ("/api/embeddings/build", {"method": "random", "dim": 4, "seed": -1}, "seed"),
    ("/api/embeddings/build", {"method": "random", "dim": 4, "seed": 2**32}, "seed"),
    ("/api/embeddings/build", {"method": "random", "dim": 4, "seed": True}, "seed"),
    ("/api/embeddings/build", {"method": "random", "dim": True}, "dim"),
    ("/api/embeddings/build", {"method": "random", "dim": 4.0}, "dim"),
    ("/api/embeddings/build", {"method": "random", "dim": "4"}, "dim"),
    ("/api/embeddings/build", {"method": "random", "dim": 4, "window": 10**30}, "window"),
    ("/api/embeddings/build", {"method": "random", "dim": 4, "lowercase": 1}, "lowercase"),
    ("/api/trace/random", {"seed": -5}, "seed"),
    ("/api/trace/random", {"seed": 2**64}, "seed"),
    ("/api/trace/random", {"steps": True}, "steps"),
    ("/api/trace/random", {"hidden_size": 2.0}, "hidden_size"),
    ("/api/trace", {"spec": {}, "precision": True}, "precision"),
    (GENERATE, {"seed": -1}, "seed"),
    (GENERATE, {"seed": 4294967296}, "seed"),
    (GENERATE, {"length": True}, "length"),
    (GENERATE, {"prompt": "x" * 10_001}, "prompt"),
    (FORECAST_ROUTE, {"steps": True}, "steps"),
    (FORECAST_ROUTE, {"values": [1.0, "2"]}, "values.1"),
    (f"/api/runs/{MISSING_RUN}/classify", {"texts": ["ok", "y" * 10_001]}, "texts.1"),
    ("/api/models/summary", {"task": "language-model", "vocab_size": True}, "vocab_size"),
    ("/api/models/summary", {"task": "classify", "num_classes": 2.5}, "num_classes"),
]


CONFIG_SEEDS = [
    ("/api/datasets/preview", {"task": "language-model", "data": {**SYNTHETIC, "seed": -1}}),
    ("/api/datasets/preview", {"task": "language-model", "data": {**SYNTHETIC, "seed": True}}),
    ("/api/datasets/preview", {"task": "language-model", "data": {**SYNTHETIC, "seed": 2**32}}),
    ("/api/runs", {"config": {**FORECAST, "data": {**FORECAST["data"], "seed": -1}}}),
    ("/api/runs", {"config": {**FORECAST, "train": {"seed": -3}}}),
    ("/api/runs", {"config": {**FORECAST, "train": {"seed": 2**40}}}),
]


@pytest.mark.parametrize(("route", "body"), CONFIG_SEEDS)
def test_seeds_in_configs_are_422_naming_the_field(
    client: TestClient, route: str, body: dict[str, Any]
) -> None:
    response = client.post(route, json=body)
    assert response.status_code == 422, response.text
    assert re.match(r"config: (data|train)\.seed: ", response.json()["detail"])


@pytest.mark.parametrize(("route", "body", "field"), LOOSE_BODIES)
def test_a_loose_body_is_422_naming_the_field(
    client: TestClient, route: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(route, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: ")


NON_FINITE = [
    (GENERATE, '{"temperature": NaN}', "temperature"),
    (GENERATE, '{"temperature": Infinity}', "temperature"),
    (GENERATE, '{"top_p": -Infinity}', "top_p"),
    (GENERATE, '{"temperature": 1e999}', "temperature"),
    (FORECAST_ROUTE, '{"values": [1.0, NaN]}', "values.1"),
]


@pytest.mark.parametrize(("route", "text", "field"), NON_FINITE)
def test_non_finite_numbers_are_422(client: TestClient, route: str, text: str, field: str) -> None:
    headers = {"content-type": "application/json"}
    response = client.post(route, content=text.encode(), headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}: Input should be a finite number")


# ---- one request cannot take the machine -------------------------------------------------------


def test_a_synthetic_task_too_large_to_generate_is_refused_before_allocating(
    client: TestClient,
) -> None:
    data = {"path": "synthetic:copy?n=1000000&val=1000", "seq_len": 5000}
    response = client.post("/api/datasets/preview", json={"task": "language-model", "data": data})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("data.seq_len / data.path: synthetic:copy with n=1000000")
    assert "needs about 112.3 GiB to generate (estimate)" in detail and "limit of 2 GiB" in detail


def test_an_embedding_past_the_memory_budget_is_refused_by_its_estimate(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(limits=Limits(memory_mb=16))
    text = "\n".join(" ".join(f"w{i}x{j}" for j in range(20)) for i in range(100))
    upload = client.post("/api/datasets", files={"file": ("words.txt", text.encode())}).json()
    body = {"method": "random", "dataset": upload["path"], "dim": 4096}
    response = client.post("/api/embeddings/build", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"dim: a random embedding of {upload['path']} (2002 words x dim 4096) needs about "
        "188 MB (estimate), more than the limit of 16 MB; use a smaller dim, a larger "
        "min_count or a smaller data set"
    )
    onehot = client.post("/api/embeddings/build", json={**body, "method": "onehot"})
    assert onehot.status_code == 422
    assert onehot.json()["detail"].startswith(
        f"method: a onehot embedding of {upload['path']} (2002 x 2002) needs about 92 MB"
    )
    small = client.post("/api/embeddings/build", json={**body, "dim": 8})
    assert small.status_code == 201 and small.json()["info"]["V"] == 2002


def test_a_job_past_its_memory_budget_is_503_and_the_server_carries_on(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(limits=Limits(memory_mb=32))
    data = {"path": "synthetic:adding?n=200000&val=0", "seq_len": 50}  # ~400 MB to make
    response = client.post("/api/datasets/preview", json={"task": "forecast", "data": data})
    assert response.status_code == 503
    assert response.json()["detail"] == (
        "data preview: needed more than its memory budget of 32 MB "
        "(rnnlab serve --job-memory-mb); try a smaller data set or setting"
    )
    assert client.post("/api/datasets/preview", json=FORECAST).status_code == 200


def test_a_run_whose_data_passes_the_budget_is_refused_before_any_worker(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(limits=Limits(memory_mb=32))
    data = {"path": "synthetic:adding?n=200000&val=0", "seq_len": 50}  # prepared to check it
    response = client.post("/api/runs", json={"config": {"task": "forecast", "data": data}})
    assert response.status_code == 503
    assert response.json()["detail"].startswith(
        "config check: needed more than its memory budget of 32 MB"
    )
    assert client.get("/api/runs").json() == [] and not client.app.state.jobs._all


SLOW = {"path": "synthetic:order?n=1000000&val=0", "seq_len": 20}  # seconds of Python loops


def test_a_job_past_its_time_budget_is_killed_with_504(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(limits=Limits(seconds=1.0))
    client.post("/api/datasets/preview", json=FORECAST)  # the fork server is up
    response = client.post("/api/datasets/preview", json={"task": "classify", "data": SLOW})
    assert response.status_code == 504
    assert response.json()["detail"].startswith(
        "data preview: stopped after its time budget of 1 s (rnnlab serve --job-seconds)"
    )
    assert not client.app.state.heavy._running  # killed and reaped


def test_heavy_jobs_beyond_the_limit_get_429(make_client: Callable[..., TestClient]) -> None:
    client = make_client(limits=Limits(max_jobs=1, seconds=3.0))
    client.post("/api/datasets/preview", json=FORECAST)  # the fork server is up
    slow: list[int] = []
    thread = threading.Thread(
        target=lambda: slow.append(
            client.post(
                "/api/datasets/preview", json={"task": "classify", "data": SLOW}
            ).status_code
        )
    )
    thread.start()
    heavy = client.app.state.heavy
    deadline = time.monotonic() + 20
    while not heavy._running and time.monotonic() < deadline:
        time.sleep(0.02)
    response = client.post("/api/datasets/preview", json=FORECAST)
    thread.join(30)
    assert response.status_code == 429
    assert response.json()["detail"] == (
        "data preview: the server is already running 1 job(s), its limit "
        "(rnnlab serve --max-jobs); try again when one has finished"
    )
    assert slow == [504]
    assert client.post("/api/datasets/preview", json=FORECAST).status_code == 200


@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_the_cli_embed_build_refuses_the_same_seeds(seed: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\nb c d\n", encoding="utf-8")
    options = ["--method", "random", "--dim", "4", "--corpus", str(corpus), "--seed", seed]
    result = CliRunner().invoke(cli, ["embed", "build", *options, "-o", str(tmp_path / "e.npy")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: seed: expected 0..4294967295, received {seed}" in result.stderr
