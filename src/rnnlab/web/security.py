"""The server's guards, as one ASGI middleware in front of every route and file:

1. Host: the ``Host`` header must name a loopback host (localhost, 127.0.0.1, [::1],
   any port) or the host the server was started with; anything else is 400, so a
   web page on another name that resolves to this machine (DNS rebinding) gets nothing.
2. Origin: a state-changing request (POST, PUT, PATCH, DELETE) sent by a browser from
   a page on another host is 400 (a cross-site form cannot upload or start runs).
3. Token (when the server has one): ``Authorization: Bearer <t>``, the cookie
   ``rnnlab_token`` or ``?token=<t>``, compared in constant time; otherwise 401. A page
   opened with a right ``?token=`` sets the cookie (HttpOnly, SameSite=Strict).
4. Body size: a request body beyond the upload limit (plus 1 MB for the form around
   the file) is 413, by its Content-Length or, when chunked, as soon as it grows past it.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser

from rnnlab import service
from rnnlab.errors import ConfigError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "rnnlab_token"
FORM_SLACK = 2**20
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9._~+/=:-]+$")


@dataclass(frozen=True)
class Settings:
    """What the server was started with."""

    home: Path
    host: str
    token: str | None
    max_upload_bytes: int
    static_dir: Path

    def allows(self, host: str) -> bool:
        """A loopback host, or the host the server was started with."""
        name = host_name(host)
        return service.is_loopback(name) or name == host_name(self.host)


def check_settings(host: str, token: str | None) -> str | None:
    """The token to require (None: none); ConfigError for a public host without one or a
    token a cookie cannot carry."""
    token = token or None
    service.require_token(host, token)
    if token is not None and not TOKEN_PATTERN.match(token):
        raise ConfigError(
            "--token: use letters, digits and . _ ~ + / = : - only (it travels in a cookie)"
        )
    return token


def host_name(value: str) -> str:
    """The host of a Host header or URL authority, lower-case, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


class SecurityMiddleware:
    """Host, Origin, token and body-size checks of every HTTP request (module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await respond(send, *refusal)
            return
        limit = self.settings.max_upload_bytes + FORM_SLACK
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await respond(send, 413, self._too_large())
            return
        query_token = self._query_token(scope)
        if query_token and not scope["path"].startswith("/api"):
            send = with_cookie(send, query_token)
        await self.app(scope, limited(receive, send, limit, self._too_large()), send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if not self.settings.allows(host):
            return 400, (
                f"host {host!r} refused: open the workbench at http://127.0.0.1 "
                "or at the --host the server was started with"
            )
        origin = headers.get("origin")
        cross_site = origin is not None and not self.settings.allows(urlsplit(origin).netloc)
        if scope["method"] in STATE_CHANGING and cross_site:
            return 400, f"cross-site request from origin {origin!r} refused"
        token = self.settings.token
        if token is not None and not any(same(c, token) for c in candidates(scope, headers)):
            return 401, (
                "missing or wrong token: send Authorization: Bearer <token>, "
                "the rnnlab_token cookie or ?token=<token>"
            )
        return None

    def _query_token(self, scope: Scope) -> str | None:
        token = self.settings.token
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        return token if token is not None and any(same(g, token) for g in given) else None

    def _too_large(self) -> str:
        mb = self.settings.max_upload_bytes / 2**20
        return f"the request is larger than the upload limit of {mb:.0f} MB"


def candidates(scope: Scope, headers: Headers) -> list[str]:
    """The tokens a request carries: bearer header, cookie, ?token=."""
    found = []
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        found.append(value.strip())
    cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE)
    if cookie:
        found.append(cookie)
    found += parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
    return found


def same(given: str, token: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def with_cookie(send: Send, token: str) -> Send:
    """`send` that adds the token cookie to the response's headers."""
    cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
        await send(message)

    return sender


def limited(receive: Receive, send: Send, limit: int, detail: str) -> Receive:
    """`receive` that ends the request with 413 once the body passes `limit` bytes."""
    total = 0

    async def receiver() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise HTTPException(413, detail)  # FastAPI passes it on while parsing
        return message

    return receiver


async def respond(send: Send, status: int, detail: str) -> None:
    """A JSON ``{"detail": ...}`` response."""
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
