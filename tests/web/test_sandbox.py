"""The heavy requests' child processes (rnnlab.web.sandbox): results and errors come back
as the same kinds; limits, timeouts and the job count are tested through the API in
tests/hostile/test_web_guards.py."""

from __future__ import annotations

import json
import multiprocessing

import numpy as np
import pytest

from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.web.sandbox import Limits, OverBudget, answer, run_child, to_json


def test_a_subclass_error_comes_back_as_the_kind_it_is_of() -> None:
    message = {"kind": "StoreDamaged", "bases": ["DataError", "RnnlabError"], "message": "m"}
    with pytest.raises(DataError, match=r"^m$"):
        answer("job", message, Limits())
    with pytest.raises(ConfigError):
        answer("job", {"kind": "ConfigError", "message": "c"}, Limits())
    with pytest.raises(RnnlabError, match=r"^x$") as caught:
        answer("job", {"kind": "Strange", "bases": ["Exception"], "message": "x"}, Limits())
    assert type(caught.value) is RnnlabError  # unknown kinds: the server's 500
    with pytest.raises(OverBudget, match="job: needed more than its memory budget of 7 MB"):
        answer("job", {"kind": "MemoryError"}, Limits(memory_mb=7))
    assert answer("job", {"result": {"a": 1}}, Limits()) == {"a": 1}


def test_results_are_strict_json() -> None:
    text = to_json({"result": {"n": np.int64(3), "x": np.float32(0.5), "bad": float("nan")}})
    assert json.loads(text) == {"result": {"n": 3, "x": 0.5, "bad": None}}


def fails_with(kind: str) -> None:
    """A job function of the tests: raises the error named."""
    raise {"config": ConfigError("bad field"), "memory": MemoryError(), "bug": KeyError("k")}[kind]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("config", {"kind": "ConfigError", "message": "bad field"}),
        ("memory", {"kind": "MemoryError"}),
        ("bug", {"kind": "RnnlabError", "message": "KeyError: 'k'"}),
    ],
)
def test_the_child_reports_what_ended_it(kind: str, expected: dict[str, str]) -> None:
    context = multiprocessing.get_context("fork")  # run_child limits the process it runs in
    receiver, sender = context.Pipe(duplex=False)
    budget = (2**30, 60.0)
    child = context.Process(target=run_child, args=(fails_with, (kind,), {}, sender, budget))
    child.start()
    sender.close()
    message = json.loads(receiver.recv_bytes())
    child.join(10)
    message.pop("bases", None)
    assert message == expected and child.exitcode == 0
