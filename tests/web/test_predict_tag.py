"""POST /api/runs/{id}/tag and GET /api/runs/{id}/tag-scores: a tagger from the web, on
tiny runs of the bundled tag samples trained in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import BASE, TINY_CLASSIFY, TestClient, create_app

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
TINY = ["model.hidden_size=8", "embedding.dim=8", "train.epochs=2"]
MARKS = ["O", "、", "。", "！", "，", "：", "；", "？"]


@pytest.fixture(scope="module")
def tag_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("web-tag")
    ner = service.train(EXAMPLES / "toy_ner.yaml", [*TINY, "train.batch_size=2"], home=home)
    punct = service.train(
        EXAMPLES / "punctuation.yaml",
        [*TINY, "train.batch_size=4", "data.max_length=30"],
        home=home,
    )
    other = service.train(TINY_CLASSIFY, home=home)
    return home, {"ner": ner["id"], "punctuation": punct["id"], "classify": other["id"]}


@pytest.fixture(scope="module")
def tag_client(tag_runs: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(create_app(home=tag_runs[0]), base_url=BASE) as client:
        yield client


def test_tag_gives_each_token_a_tag_of_the_run(tag_client: TestClient, tag_runs) -> None:
    ids = tag_runs[1]
    texts = ["Anna flew to Paris", "Bo sings"]
    response = tag_client.post(f"/api/runs/{ids['ner']}/tag", json={"texts": texts})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "conll" and "B-PER" in body["tags"]
    assert body == service.tag_text(ids["ner"], texts, home=tag_runs[0])
    first = body["results"][0]
    assert first["text"] == texts[0] and first["punctuated"] is None
    (sentence,) = first["sentences"]
    assert sentence["tokens"] == ["Anna", "flew", "to", "Paris"]
    assert len(sentence["tags"]) == 4 and set(sentence["tags"]) <= set(body["tags"])
    for tag, probs in zip(sentence["tags"], sentence["probabilities"], strict=True):
        assert probs[tag] == max(probs.values()) and sum(probs.values()) == pytest.approx(1)


def test_a_punctuation_run_gives_the_text_with_its_marks(tag_client, tag_runs) -> None:
    ids = tag_runs[1]
    text = "學而時習之不亦說乎"
    body = tag_client.post(f"/api/runs/{ids['punctuation']}/tag", json={"texts": [text]}).json()
    assert body["format"] == "punctuated" and body["tags"] == MARKS
    result = body["results"][0]
    tags = [t for s in result["sentences"] for t in s["tags"]]
    chars = [c for s in result["sentences"] for c in s["tokens"]]
    assert "".join(chars) == text
    marks = "".join(c + (t if t != "O" else "") for c, t in zip(chars, tags, strict=True))
    assert result["punctuated"] == marks


@pytest.mark.parametrize(
    ("texts", "status", "message"),
    [
        ([], 422, "texts: expected at least one text to tag, received none"),
        (["Anna", "  "], 422, "text 2: empty; expected tokens to tag"),
    ],
)
def test_bad_texts_are_4xx_with_the_services_message(
    tag_client: TestClient, tag_runs, texts: list[str], status: int, message: str
) -> None:
    response = tag_client.post(f"/api/runs/{tag_runs[1]['ner']}/tag", json={"texts": texts})
    assert response.status_code == status
    assert response.json()["detail"] == message


def test_tagging_with_an_unknown_run_or_a_run_of_another_task(tag_client, tag_runs) -> None:
    response = tag_client.post("/api/runs/nope/tag", json={"texts": ["Anna"]})
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    other = tag_runs[1]["classify"]
    response = tag_client.post(f"/api/runs/{other}/tag", json={"texts": ["Anna"]})
    assert response.status_code == 422
    assert response.json()["detail"] == "tag needs a tag run; this run's task is classify"
    wrong = tag_client.post(f"/api/runs/{other}/tag", json={"texts": "Anna"})
    assert wrong.status_code == 422 and "texts" in wrong.text


def test_the_tag_tasks_report_is_a_key_of_its_runs_details(tag_client, tag_runs) -> None:
    """The Results page draws the rows under the task's `report` key of the run's details."""
    ids = tag_runs[1]
    report = tag_client.get("/api/tasks/tag").json()["report"]
    rows = tag_client.get(f"/api/runs/{ids['punctuation']}").json()[report]
    assert [row["tag"] for row in rows] == MARKS
    assert {"precision", "recall", "f1", "support", "bigram_f1"} <= set(rows[0])
    for task in tag_client.get("/api/tasks").json():
        assert task["report"] is None or task["name"] == "tag"


def test_a_tag_run_lists_under_its_task_with_its_headline_metric(tag_client, tag_runs) -> None:
    ids = tag_runs[1]
    runs = tag_client.get("/api/runs?task=tag").json()
    assert {r["id"] for r in runs} == {ids["ner"], ids["punctuation"]}
    headline = tag_client.get("/api/tasks/tag").json()["headline"]
    details = tag_client.get(f"/api/runs/{ids['ner']}").json()
    assert headline in details["final_metrics"]
