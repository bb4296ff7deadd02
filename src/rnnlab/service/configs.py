"""RunConfig's JSON schema: the one source of the fields, defaults, choices and bounds
that the web pages show (they read it from the API instead of keeping a copy)."""

from __future__ import annotations

from typing import Any

from rnnlab.spec.run import RunConfig


def config_schema() -> dict[str, Any]:
    """RunConfig as a JSON schema (sections under $defs, each field with its default)."""
    return RunConfig.model_json_schema()
