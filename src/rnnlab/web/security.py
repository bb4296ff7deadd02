"""The server's guards, as one ASGI middleware in front of every route and file:

1. Host: exactly one ``Host`` header, parsed strictly (a name or IP literal, IPv6 in
   brackets, an optional port 1-65535; no userinfo, no trailing dot), naming a loopback
   host (exactly ``localhost``, or an IP literal in 127.0.0.0/8 or ::1) or exactly the
   host the server was started with; anything else is 400, so a page on another name
   that resolves to this machine (DNS rebinding: ``127.evil.com``) gets nothing.
2. Origin: a state-changing request (POST, PUT, PATCH, DELETE) that carries an
   ``Origin`` must come from this server's own origin (same scheme, host and port as
   the request); another origin, ``null`` or a malformed one is 400 (a cross-site form
   cannot upload or start runs).
3. Token (when the server has one): ``Authorization: Bearer <t>``, the cookie
   ``rnnlab_token`` or ``?token=<t>``, compared in constant time; otherwise 401. A page
   opened with a right ``?token=`` sets the cookie (HttpOnly, SameSite=Strict).
4. Body size: a request body beyond the upload limit (plus 1 MB for the form around
   the file) is 413, by its Content-Length or, when chunked, as soon as it grows past it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"  # one part of a DNS name, at most 63 characters
NAME_PATTERN = re.compile(rf"{LABEL}(\.{LABEL})*")
MAX_NAME = 253
PORT_PATTERN = re.compile(r"[0-9]{1,5}")
DEFAULT_PORTS = {"http": 80, "https": 443}
SHOWN = "http://127.0.0.1"  # where the refusals send people
MAX_SHOWN = 200  # characters of a refused header echoed back


@dataclass(frozen=True)
class Settings:
    """What the server was started with."""

    home: Path
    host: str
    token: str | None
    max_upload_bytes: int
    static_dir: Path

    def allows(self, name: str) -> bool:
        """A loopback host, or exactly the host the server was started with (`name` as
        ``parse_authority`` gives it: lower-case, without brackets)."""
        started = self.host.lower()
        if started.startswith("[") and started.endswith("]"):
            started = started[1:-1]
        return service.is_loopback(name) or name == started


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


def parse_authority(value: str) -> tuple[str, int | None]:
    """(host, port) of a Host header or an origin's authority, the host lower-case and
    without brackets; ValueError unless it is a host name, an IPv4 literal or a bracketed
    IPv6 literal with an optional port 1-65535 (no userinfo, no path, no trailing dot)."""
    text = value.lower()
    if text.startswith("["):
        end = text.find("]")
        host, rest = (text[1:end], text[end + 1 :]) if end > 0 else ("", "")
        ipaddress.IPv6Address(host)  # ValueError if it is not one
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
        if len(host) > MAX_NAME or not NAME_PATTERN.fullmatch(host):
            raise ValueError(f"not a host name: {host!r}")
    if not rest:
        return host, None
    port = rest.removeprefix(":")
    if not rest.startswith(":") or not PORT_PATTERN.fullmatch(port) or not 0 < int(port) < 2**16:
        raise ValueError(f"not a port: {rest!r}")
    return host, int(port)


def parse_origin(value: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an Origin header (the scheme's default port filled in);
    ValueError unless it is ``http://`` or ``https://`` and an authority."""
    scheme, separator, authority = value.partition("://")
    if not separator or scheme.lower() not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) origin: {value!r}")
    host, port = parse_authority(authority)
    return scheme.lower(), host, port or DEFAULT_PORTS[scheme.lower()]


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
        refused = self._host_refusal(headers) or self._origin_refusal(scope, headers)
        if refused is not None:
            return 400, refused
        token = self.settings.token
        if token is not None and not any(same(c, token) for c in candidates(scope, headers)):
            return 401, (
                "missing or wrong token: send Authorization: Bearer <token>, "
                "the rnnlab_token cookie or ?token=<token>"
            )
        return None

    def _host_refusal(self, headers: Headers) -> str | None:
        """Why the Host header is refused, or None."""
        hosts = headers.getlist("host")
        if len(hosts) != 1:
            return f"expected one Host header, received {len(hosts)}: open the workbench at {SHOWN}"
        try:
            name, _ = parse_authority(hosts[0])
        except ValueError:
            return (
                f"host {shown(hosts[0])} refused: expected a host name or IP address and an "
                f"optional port 1-65535; open the workbench at {SHOWN}"
            )
        if not self.settings.allows(name):
            return (
                f"host {shown(hosts[0])} refused: open the workbench at {SHOWN} "
                "or at the --host the server was started with"
            )
        return None

    def _origin_refusal(self, scope: Scope, headers: Headers) -> str | None:
        """Why a state-changing request's Origin is refused (not this server's), or None."""
        origins = headers.getlist("origin")
        if scope["method"] not in STATE_CHANGING or not origins:
            return None
        scheme = str(scope.get("scheme", "http")).lower()
        host, port = parse_authority(headers["host"])  # checked by _host_refusal
        own = (scheme, host, port or DEFAULT_PORTS.get(scheme, 80))
        try:
            same_origin = len(origins) == 1 and parse_origin(origins[0]) == own
        except ValueError:
            same_origin = False
        if same_origin:
            return None
        where = f"{own[0]}://{headers['host'].lower()}"
        return (
            f"cross-site request from origin {shown(', '.join(origins))} refused: only pages "
            f"of this server ({where}) may change anything"
        )

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


def shown(value: str) -> str:
    """A header value as a refusal quotes it: repr, cut to MAX_SHOWN characters."""
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "...")


async def respond(send: Send, status: int, detail: str) -> None:
    """A JSON ``{"detail": ...}`` response."""
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
