"""POST /api/runs/{id}/translate: an encoder-decoder from the web (greedy and beam search,
the attention map as figure data), on tiny seq2seq runs trained in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rnnlab import service

from .conftest import BASE, TINY_CLASSIFY, TestClient, create_app

TINY_SEQ2SEQ: dict[str, Any] = {
    "task": "seq2seq",
    "data": {"path": "seq2seq:reverse"},
    "embedding": {"dim": 8},
    "model": {"cell": "gru", "hidden_size": 16},
    "train": {"max_steps": 12, "batch_size": 16, "eval_every": 6, "probe_every": 6},
}


@pytest.fixture(scope="module")
def seq_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("web-seq2seq")
    plain = {**TINY_SEQ2SEQ, "model": {**TINY_SEQ2SEQ["model"], "attention": "none"}}
    unprobed = {**TINY_SEQ2SEQ, "train": {**TINY_SEQ2SEQ["train"], "probe_every": None}}
    return home, {
        "attention": service.train(TINY_SEQ2SEQ, home=home)["id"],
        "plain": service.train(plain, home=home)["id"],
        "classify": service.train(TINY_CLASSIFY, home=home)["id"],
        "unprobed": service.train(unprobed, home=home)["id"],
    }


@pytest.fixture(scope="module")
def seq_client(seq_runs: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(create_app(home=seq_runs[0]), base_url=BASE) as client:
        yield client


def test_translate_decodes_with_the_attention_map(seq_client: TestClient, seq_runs) -> None:
    home, ids = seq_runs
    response = seq_client.post(
        f"/api/runs/{ids['attention']}/translate", json={"sources": ["abcd", "ba"]}
    )
    assert response.status_code == 200, response.text
    first, second = response.json()
    expected = service.translate(ids["attention"], ["abcd", "ba"], home=home)
    for got, want in zip((first, second), expected, strict=True):
        assert {k: got[k] for k in want} == want
    assert first["source_tokens"] == ["a", "b", "c", "d"]
    rows = first["attention"]
    assert len(rows) == len(first["output_tokens"]) and all(len(r) == 4 for r in rows)
    assert all(sum(r) == pytest.approx(1.0, abs=1e-6) for r in rows)
    figure = first["figure"]
    assert figure["kind"] == "heatmap" and figure["z"] == rows
    assert figure["xticklabels"] == ["a", "b", "c", "d"]
    assert figure["yticklabels"] == first["output_tokens"]


def test_beam_search_and_a_run_without_attention(seq_client: TestClient, seq_runs) -> None:
    home, ids = seq_runs
    body = {"sources": ["abc"], "beam_size": 3}
    (beam,) = seq_client.post(f"/api/runs/{ids['attention']}/translate", json=body).json()
    (want,) = service.translate(ids["attention"], ["abc"], beam_size=3, home=home)
    assert beam["output_tokens"] == want["output_tokens"]
    (plain,) = seq_client.post(f"/api/runs/{ids['plain']}/translate", json=body).json()
    assert plain["attention"] is None and plain["figure"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sources": []}, "sources: expected at least one source text, received none"),
        ({"sources": ["ab", " "]}, "source 2: empty; expected tokens to translate"),
        ({"sources": ["ab"], "beam_size": 0}, "beam_size: expected an integer from 1 to 64"),
        ({"sources": ["ab"], "max_len": 0}, "max_len: expected an integer from 1 to"),
    ],
)
def test_bad_requests_are_422_with_the_services_message(
    seq_client: TestClient, seq_runs, body: dict[str, Any], message: str
) -> None:
    response = seq_client.post(f"/api/runs/{seq_runs[1]['attention']}/translate", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)


def test_translating_with_an_unknown_run_or_a_run_of_another_task(seq_client, seq_runs) -> None:
    response = seq_client.post("/api/runs/nope/translate", json={"sources": ["ab"]})
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    other = seq_runs[1]["classify"]
    response = seq_client.post(f"/api/runs/{other}/translate", json={"sources": ["ab"]})
    assert response.status_code == 422
    assert response.json()["detail"] == (f"translate needs a seq2seq run; run {other} is classify")
    response = seq_client.post(f"/api/runs/{other}/translate", json={"sources": "ab"})
    assert response.status_code == 422 and "sources" in response.text


def test_a_seq2seq_task_is_an_encoder_decoder_with_its_headline_metric(
    seq_client: TestClient, seq_runs
) -> None:
    task = seq_client.get("/api/tasks/seq2seq").json()
    assert [s["name"] for s in task["shapes"]] == ["encoder-decoder"]
    assert task["predict"] == "translate"
    assert "model.attention" in task["fields"] and "train.teacher_forcing" in task["fields"]
    details = seq_client.get(f"/api/runs/{seq_runs[1]['attention']}").json()
    assert task["headline"] in details["final_metrics"]


def test_gradient_flow_series_are_the_encoders_and_the_decoders(seq_client, seq_runs) -> None:
    ids = seq_runs[1]
    series = seq_client.get(f"/api/runs/{ids['attention']}/gradient-flow/series").json()
    assert series == [
        {"layer": 0, "direction": "encoder"},
        {"layer": 0, "direction": "decoder"},
    ]
    for pair in series:  # each one draws
        response = seq_client.get(
            f"/api/runs/{ids['attention']}/figures/gradient-flow", params=pair
        )
        assert response.status_code == 200, response.text
    bidirectional = seq_client.get(f"/api/runs/{ids['classify']}/gradient-flow/series").json()
    assert bidirectional == [
        {"layer": 0, "direction": "forward"},
        {"layer": 0, "direction": "backward"},
    ]
    assert seq_client.get("/api/runs/nope/gradient-flow/series").status_code == 404
    unprobed = seq_client.get(f"/api/runs/{ids['unprobed']}/gradient-flow/series")
    assert unprobed.status_code == 200 and unprobed.json() == []


def test_a_direction_no_probe_recorded_is_422_naming_those_there_are(seq_client, seq_runs) -> None:
    run = seq_runs[1]["attention"]
    params = {"layer": 0, "direction": "sideways"}
    response = seq_client.get(f"/api/runs/{run}/figures/gradient-flow", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].endswith(
        "available (layer, direction): (0, decoder), (0, encoder)"
    )


def test_gradient_flow_without_a_direction_draws_the_runs_first_series(
    seq_client, seq_runs
) -> None:
    run = seq_runs[1]["attention"]
    plain = seq_client.get(f"/api/runs/{run}/figures/gradient-flow")
    encoder = seq_client.get(
        f"/api/runs/{run}/figures/gradient-flow", params={"direction": "encoder"}
    )
    assert plain.status_code == 200, plain.text
    assert plain.json() == encoder.json()
