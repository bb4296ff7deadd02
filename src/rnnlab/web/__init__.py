"""The web workbench: a FastAPI app (JSON API + pages) over ``rnnlab.service``.

``create_app`` is imported lazily, so a training worker (``rnnlab.web.worker``) starts
without loading FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from rnnlab.web.app import create_app

        return create_app
    raise AttributeError(f"module 'rnnlab.web' has no attribute {name!r}")
