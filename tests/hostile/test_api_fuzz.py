"""Every route of the JSON API fuzzed from its OpenAPI schema with schemathesis, in-process
(ASGI) against an app on a temporary home that holds a trained language model, so that
the run routes are fuzzed with a real id as well as random ones: no answer is a 5xx.

Cases that match the schema (positive) and cases that break it (negative) are drawn by
Hypothesis, derandomized and without an example database, a bounded number per route;
heavy requests run under a small time and memory budget."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, Phase, given, settings

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode

from rnnlab import service
from rnnlab.web import create_app
from rnnlab.web.sandbox import Limits

HOST = {"host": "127.0.0.1"}
SCALE = int(os.environ.get("RNNLAB_FUZZ_SCALE", "1"))  # more examples for a long hunt
EXAMPLES = {GenerationMode.POSITIVE: 20 * SCALE, GenerationMode.NEGATIVE: 10 * SCALE}
TINY_LM = {
    "task": "language-model",
    "data": {"path": "sample:tiny_stories", "seq_len": 8},
    "embedding": {"dim": 4},
    "model": {"cell": "gru", "hidden_size": 4},
    "train": {"batch_size": 4, "max_steps": 2, "eval_every": 2, "probe_every": 2},
}


def cases() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) of every operation of the API: positive cases for each, negative
    ones for those with a request body (a query string cannot be sent with a wrong type)."""
    with tempfile.TemporaryDirectory() as home:
        paths = create_app(home=home).openapi()["paths"]
    found = []
    for path, item in paths.items():
        for method, operation in item.items():
            modes = list(EXAMPLES) if "requestBody" in operation else [GenerationMode.POSITIVE]
            found += [(method.upper(), path, mode) for mode in modes]
    return found


CASES = cases()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """The loaded schema (its app on a home with one trained run) and that run's id."""
    home: Path = tmp_path_factory.mktemp("fuzz-home")
    run_id = service.train(TINY_LM, home=home)["id"]
    torch.set_flush_denormal(False)  # training set it for this process; Hypothesis needs it off
    app = create_app(home=home, train_threads=1, limits=Limits(seconds=20, memory_mb=512))
    return schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=HOST), run_id


@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES]
)
def test_no_route_answers_with_a_server_error(
    api: tuple[Any, str], method: str, path: str, mode: GenerationMode
) -> None:
    schema, run_id = api
    operation = schema[path][method]

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        chosen = (case.path_parameters or {}).get("run_id")
        if isinstance(chosen, str) and len(chosen) % 2 == 0:  # about half: the trained run
            case.path_parameters["run_id"] = run_id
        response = case.call(headers=HOST)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}"
            f" -> {response.status_code}: {response.text[:500]}"
        )

    call()
