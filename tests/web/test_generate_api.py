"""POST /api/runs/{id}/generate: n samples, stop at the end of a line, and the prompt's
tokens the vocabulary lacks, as the CLI gives them; GET /api/runs: the checkpoint in use."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rnnlab import service

from .conftest import Trained


def test_generate_lists_unknown_prompt_tokens(trained_client: TestClient, trained: Trained):
    lm = trained.ids["language-model"]
    body = {"prompt": "The Ω§", "length": 5, "seed": 0}
    answer = trained_client.post(f"/api/runs/{lm}/generate", json=body).json()
    assert answer["unknown_tokens"] == ["Ω", "§"]
    assert answer["warnings"] == [
        "2 prompt token(s) not in the vocabulary, read as <unk>: 'Ω', '§'"
    ]
    assert answer == service.generate(lm, home=trained.home, **body)


def test_generate_n_samples_and_stop_at_eos(trained_client: TestClient, trained: Trained):
    lm = trained.ids["language-model"]
    body = {"prompt": "The ", "length": 80, "seed": 4, "n": 3, "stop_at_eos": True}
    answer = trained_client.post(f"/api/runs/{lm}/generate", json=body).json()
    assert len(answer["samples"]) == 3
    assert all("\n" not in s["text"] for s in answer["samples"])
    assert answer == service.generate(lm, home=trained.home, **body)
    bad = trained_client.post(f"/api/runs/{lm}/generate", json={"n": 0})
    assert bad.status_code == 422 and "n: expected" in bad.json()["detail"]


def test_runs_list_and_show_name_the_checkpoint_in_use(trained_client: TestClient, trained):
    run = trained.ids["classify"]
    shown = trained_client.get(f"/api/runs/{run}").json()["checkpoint_used"]
    assert shown == service.show_run(run, home=trained.home)["checkpoint_used"]
    assert shown["select_by"] == "accuracy" and shown["tag"] in ("best", "last")
    assert shown["label"].startswith(shown["tag"])
    (listed,) = [r for r in trained_client.get("/api/runs").json() if r["id"] == run]
    assert listed["checkpoint_used"] == shown
