"""The calculator's routes: examples, a random network, and a trace with every number."""

from __future__ import annotations

from rnnlab import cells, service

from .conftest import TestClient


def test_examples_are_the_bundled_files(client: TestClient) -> None:
    examples = client.get("/api/trace/examples").json()
    names = [example["name"] for example in examples]
    assert names == [
        "gru_classifier",
        "lstm_ln",
        "lstm_sequence",
        "mingru",
        "minlstm",
        "onehot_next_char",
        "relu_rnn",
        "rnn_many_to_one",
    ]
    titles = {example["name"]: example["title"] for example in examples}
    assert titles["rnn_many_to_one"] == "Tanh RNN, many-to-one: is 'not bad movie' positive?"
    assert all(example["spec"]["cell"] in cells.names() for example in examples)


def test_a_trace_has_the_numbers_of_the_service(client: TestClient) -> None:
    for example in client.get("/api/trace/examples").json():
        bundle = client.post("/api/trace", json={"spec": example["spec"]})
        assert bundle.status_code == 200
        answer = bundle.json()
        assert answer["result"] == service.trace_result(example["spec"])
        assert answer["markdown"] == service.trace(example["spec"], "markdown")
        assert answer["latex"] == service.trace(example["spec"], "latex")


def test_a_random_network_traces(client: TestClient) -> None:
    body = {"cell": "lstm", "input_size": 3, "hidden_size": 2, "steps": 4, "seed": 1}
    spec = client.post("/api/trace/random", json=body).json()
    assert spec == service.random_trace(cell="lstm", input_size=3, hidden_size=2, steps=4, seed=1)
    result = client.post("/api/trace", json={"spec": spec, "precision": 6}).json()["result"]
    assert len(result["forward"]) == 4 and "backward" in result
    too_big = client.post("/api/trace/random", json={"hidden_size": 99})
    assert too_big.status_code == 422 and "hidden_size: expected 1..16" in too_big.json()["detail"]


def test_a_bad_spec_gets_the_services_message(client: TestClient) -> None:
    spec = {"cell": "rnn", "weights": {"W_xh": [[1.0]], "W_hh": [[1.0, 2.0]], "W_hy": [[1.0]]},
            "inputs": [[1.0]], "output": "linear"}  # fmt: skip
    response = client.post("/api/trace", json={"spec": spec})
    assert response.status_code == 422
    try:
        service.trace_result(spec)
    except Exception as err:  # the same kind of RnnlabError, the same text
        assert response.json()["detail"] == str(err)
    else:
        raise AssertionError("the service accepted a bad spec")


def test_a_random_network_with_no_options_is_the_calculators_default(client: TestClient) -> None:
    from rnnlab.trace.random import random_trace_spec

    default = random_trace_spec().model_dump(exclude_none=True)
    assert client.post("/api/trace/random", json={}).json() == default
    assert service.random_trace() == default
    assert default["cell"] == "rnn" and len(default["inputs"]) == 3  # its own defaults
