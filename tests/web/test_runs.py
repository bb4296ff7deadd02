"""Stored runs over the API: list, show, metrics, figures, compare, artifacts, use, delete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import TINY_FORECAST, TestClient, Trained


def test_list_and_show(trained_client: TestClient, trained: Trained) -> None:
    runs = trained_client.get("/api/runs").json()
    assert runs == service.list_runs(home=trained.home)
    assert {run["id"] for run in runs} == set(trained.ids.values())
    only = trained_client.get("/api/runs", params={"task": "classify"}).json()
    assert [run["id"] for run in only] == [trained.ids["classify"]]
    assert all(run["task_label"] == run["task"] for run in runs)  # no synthetic: data
    assert trained_client.get("/api/runs?task=lab").json() == []  # the lab's runs only
    wrong = trained_client.get("/api/runs?task=labs")
    assert wrong.status_code == 422 and "| lab, received 'labs'" in wrong.json()["detail"]
    assert trained_client.get("/api/runs?status=finished").json() == runs
    bad = trained_client.get("/api/runs?status=sleeping")
    assert bad.status_code == 422 and "status: expected one of" in bad.json()["detail"]
    details = trained_client.get(f"/api/runs/{trained.ids['forecast']}").json()
    expected = service.show_run(trained.ids["forecast"], trained.home)
    assert details == {**expected, "job": None}
    missing = trained_client.get("/api/runs/nope-nope")
    assert missing.status_code == 404 and "no run matches 'nope-nope'" in missing.json()["detail"]


def test_metrics(trained_client: TestClient, trained: Trained) -> None:
    run = trained.ids["classify"]
    metrics = trained_client.get(f"/api/runs/{run}/metrics").json()
    assert metrics == service.run_metrics(run, trained.home)
    assert metrics["train"]["loss"]["step"] == list(range(1, 9))
    assert metrics["val"]["val_loss"]["step"] == [4, 8]


FIGURES = [
    ("forecast", "curves", {}),
    ("forecast", "forecast", {}),
    ("forecast", "gradient-flow", {}),
    ("forecast", "gradient-flow-last", {}),
    ("classify", "confusion", {}),
    ("classify", "histograms", {"which": "params"}),
    ("classify", "gates", {"text": "a warm and funny film", "direction": "backward"}),
    ("language-model", "states", {}),
]


@pytest.mark.parametrize(("task", "figure", "options"), FIGURES)
def test_figures(
    trained_client: TestClient, trained: Trained, task: str, figure: str, options: dict
) -> None:
    run = trained.ids[task]
    response = trained_client.get(f"/api/runs/{run}/figures/{figure}", params=options)
    assert response.status_code == 200
    assert response.json() == service.run_figure(run, figure, home=trained.home, **options)


def test_figure_errors(trained_client: TestClient, trained: Trained) -> None:
    run = trained.ids["forecast"]
    wrong = trained_client.get(f"/api/runs/{run}/figures/confusion")
    assert wrong.status_code == 422 and "needs a classify run" in wrong.json()["detail"]
    unknown = trained_client.get(f"/api/runs/{run}/figures/pie")
    assert unknown.status_code == 422 and "figure: expected one of" in unknown.json()["detail"]


def test_compare(trained_client: TestClient, trained: Trained) -> None:
    ids = f"{trained.ids['forecast']},{trained.ids['classify']}"
    figure = trained_client.get("/api/compare", params={"ids": ids}).json()
    assert figure["kind"] == "lines" and figure["table"]["rows"]
    one = trained_client.get("/api/compare", params={"ids": trained.ids["forecast"]})
    assert one.status_code == 422 and "at least 2 runs" in one.json()["detail"]


def test_artifacts_only_from_inside_the_run_folder(
    trained_client: TestClient, trained: Trained
) -> None:
    run = trained.ids["forecast"]
    folder = trained.home / "runs" / run
    response = trained_client.get(f"/api/runs/{run}/artifacts/checkpoints/last.json")
    assert response.status_code == 200
    assert response.content == (folder / "checkpoints" / "last.json").read_bytes()
    config = trained_client.get(f"/api/runs/{run}/artifacts/config.yaml")
    assert config.content == (folder / "config.yaml").read_bytes()
    for path in (
        "checkpoints/%2E%2E/%2E%2E/%2E%2E/rnnlab.db",
        "..%2F..%2Frnnlab.db",
        "%2Fetc%2Fpasswd",
        f"{folder}/config.yaml".replace("/", "%2F"),  # absolute, even inside the folder
        "checkpoints",
        "no-such-file.txt",
    ):
        answer = trained_client.get(f"/api/runs/{run}/artifacts/{path}")
        assert answer.status_code == 404, path
        assert "detail" in answer.json()


def test_use_the_trained_models(trained_client: TestClient, trained: Trained) -> None:
    run = trained.ids["classify"]
    texts = ["a warm and funny film", "dull and far too long"]
    answer = trained_client.post(f"/api/runs/{run}/classify", json={"texts": texts}).json()
    assert answer == service.classify(run, texts, trained.home)
    lm = trained.ids["language-model"]
    body = {"prompt": "The ", "length": 20, "temperature": 0.8, "top_k": 5, "seed": 1}
    generated = trained_client.post(f"/api/runs/{lm}/generate", json=body).json()
    assert generated == service.generate(lm, home=trained.home, **body)
    assert {"prompt", "text", "tokens", "full_text", "samples", "warnings"} <= set(generated)
    series = trained.ids["forecast"]
    default = trained_client.post(f"/api/runs/{series}/forecast", json={"steps": 3}).json()
    assert default == service.forecast(series, 3, home=trained.home)
    values = [float(v) for v in range(100, 124)]
    given = trained_client.post(f"/api/runs/{series}/forecast", json={"steps": 2, "values": values})
    assert given.json()["history"] == values[-12:] and len(given.json()["forecast"]) == 2


def test_use_errors(trained_client: TestClient, trained: Trained) -> None:
    series, lm = trained.ids["forecast"], trained.ids["language-model"]
    cases = [
        (f"/api/runs/{series}/classify", {"texts": ["x"]}, 422, "needs a classify run"),
        (f"/api/runs/{lm}/generate", {"temperature": -1}, 422, "temperature: expected"),
        (f"/api/runs/{series}/forecast", {"steps": 2, "values": [1.0]}, 422, "reads 13 values"),
        (f"/api/runs/{trained.ids['classify']}/classify", {"texts": []}, 422, "texts"),
        ("/api/runs/nope-nope/generate", {}, 404, "no run matches"),
    ]
    for url, body, status, text in cases:
        response = trained_client.post(url, json=body)
        assert response.status_code == status and text in response.json()["detail"], url


def test_delete_a_run(make_client: Callable[..., TestClient], home: Path) -> None:
    run = service.train({**TINY_FORECAST, "train": {"max_steps": 2}}, home=home)["id"]
    client = make_client()
    assert client.delete(f"/api/runs/{run}").status_code == 204
    assert not (home / "runs" / run).exists()
    assert client.get(f"/api/runs/{run}").status_code == 404
    assert client.delete(f"/api/runs/{run}").status_code == 404


def test_a_finished_run_sends_its_end_at_once(trained_client: TestClient, trained: Trained) -> None:
    run = trained.ids["forecast"]
    with trained_client.stream("GET", f"/api/runs/{run}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    assert text.startswith("event: end\ndata: ") and text.count("event:") == 1
    assert '"status": "finished"' in text
