"""Fixtures of the hostile corpus: the web tests' app on a temporary home, started (lifespan
run), with a client that names the server as 127.0.0.1 (`client`, `make_client`, `home`)."""

from tests.web.conftest import client, home, make_client

__all__ = ["client", "home", "make_client"]
