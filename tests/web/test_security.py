"""The guards of docs/web-api.md: Host header, token (header, cookie, query), Origin,
and the refusal to serve a public host without a token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rnnlab.errors import ConfigError
from rnnlab.web import create_app
from rnnlab.web.security import parse_authority, parse_origin

TOKEN = "s3cret-token"


def test_a_foreign_host_header_is_refused(make_client: Callable[..., TestClient]) -> None:
    client = make_client(base_url="http://testserver")
    response = client.get("/api/datasets")
    assert response.status_code == 400
    assert "host 'testserver' refused" in response.json()["detail"]
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert client.get("/api/runs", headers={"host": host}).status_code == 200, host
    assert client.get("/api/runs", headers={"host": "evil.example:8000"}).status_code == 400


def test_the_started_host_is_accepted(make_client: Callable[..., TestClient]) -> None:
    client = make_client(base_url="http://10.1.2.3:8000", host="10.1.2.3", token=TOKEN)
    headers = {"authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/runs", headers=headers).status_code == 200
    assert client.get("/api/runs", headers={**headers, "host": "10.9.9.9"}).status_code == 400


def test_a_public_host_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--host 0\.0\.0\.0 needs --token or RNNLAB_TOKEN"):
        create_app(home=tmp_path, host="0.0.0.0")
    with pytest.raises(ConfigError, match="--token"):
        create_app(home=tmp_path, host="0.0.0.0", token="has space")
    create_app(home=tmp_path, host="0.0.0.0", token=TOKEN)  # fine with one
    create_app(home=tmp_path, host="localhost")  # loopback: fine without


def test_with_a_token_every_request_must_carry_it(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token=TOKEN)
    missing = client.get("/api/runs")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "missing or wrong token" in missing.json()["detail"]
    assert client.get("/build").status_code == 401  # pages and files too
    assert client.get("/api/runs", headers={"authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/runs?token=nope").status_code == 401
    assert client.get("/api/runs", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get(f"/api/runs?token={TOKEN}").status_code == 200  # EventSource's way
    assert client.get("/api/runs", headers={"cookie": f"rnnlab_token={TOKEN}"}).status_code == 200
    assert client.get("/api/runs", headers={"cookie": "rnnlab_token=nope"}).status_code == 401


def test_opening_a_page_with_the_token_sets_the_cookie(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(token=TOKEN)
    response = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/build"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"rnnlab_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get("/api/runs").status_code == 200  # the client now sends the cookie
    api = make_client(token=TOKEN).get(f"/api/runs?token={TOKEN}")
    assert "set-cookie" not in api.headers  # only pages set it


def test_a_cross_site_post_is_refused(client: TestClient) -> None:
    body = {"task": "forecast", "data": {"path": "sample:monthly_series"}}
    other = client.post(
        "/api/datasets/preview", json=body, headers={"origin": "http://evil.example"}
    )
    assert other.status_code == 400 and "cross-site" in other.json()["detail"]
    same = client.post("/api/datasets/preview", json=body, headers={"origin": "http://127.0.0.1"})
    assert same.status_code == 200
    port = client.post(
        "/api/datasets/preview", json=body, headers={"origin": "http://127.0.0.1:8000"}
    )
    assert port.status_code == 400  # another port is another origin
    assert client.get("/api/runs", headers={"origin": "http://evil.example"}).status_code == 200


def test_host_headers_are_parsed_strictly() -> None:
    assert parse_authority("LocalHost:8000") == ("localhost", 8000)
    assert parse_authority("[::1]:8000") == ("::1", 8000)
    assert parse_authority("127.0.0.1") == ("127.0.0.1", None)
    for bad in ("example.org.", "user@127.0.0.1", "127.0.0.1:0", "localhost:", "::1", "a b"):
        with pytest.raises(ValueError):
            parse_authority(bad)
    assert parse_origin("HTTP://127.0.0.1") == ("http", "127.0.0.1", 80)
    assert parse_origin("https://localhost:8443") == ("https", "localhost", 8443)
    for bad in ("null", "127.0.0.1:8000", "ftp://127.0.0.1", "http://127.0.0.1/"):
        with pytest.raises(ValueError):
            parse_origin(bad)


def test_a_chunked_body_past_the_limit_is_cut_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_upload_mb=1)
    chunks = (b" " * 2**19 for _ in range(6))  # 3 MB, sent without a Content-Length
    response = client.post(
        "/api/datasets/preview", content=chunks, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "the request is larger than the upload limit of 1 MB"
