"""GET /api/tasks: the pages' one source of task hints, shapes and metric names, read
from the config layer where it knows them."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.service import tasks
from rnnlab.spec.run import SELECT_BY, Task, parse_run_config

from .conftest import TestClient, Trained


def test_the_tasks_endpoint_describes_every_task_of_the_config(client: TestClient) -> None:
    response = client.get("/api/tasks")
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body] == list(typing.get_args(Task))
    assert body == service.list_tasks()
    for task in body:
        assert task["select_by"] == list(SELECT_BY[task["name"]])
        assert task["shapes"] and all(s["name"] in tasks.SHAPES for s in task["shapes"])


def test_one_task_and_an_unknown_one(client: TestClient) -> None:
    classify = client.get("/api/tasks/classify").json()
    assert [s["name"] for s in classify["shapes"]] == ["many-to-one"]
    assert classify["headline"] == "val_accuracy" and classify["figures"] == ["confusion"]
    response = client.get("/api/tasks/clasify")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"task: expected one of {' | '.join(typing.get_args(Task))}, received 'clasify'"
    )


def test_a_language_model_trains_many_to_many_and_generates_one_to_many() -> None:
    lm = service.describe_task("language-model")
    assert [(s["name"], s["when"]) for s in lm["shapes"]] == [
        ("many-to-many", "training"),
        ("one-to-many", "prediction"),
    ]
    many, one = lm["shapes"]
    assert (many["inputs"], many["outputs"]) == ("every", "every")
    assert (one["inputs"], one["outputs"]) == ("first", "every")
    assert lm["bidirectional"] is False and lm["predict"] == "generate"


@pytest.mark.parametrize("name", typing.get_args(Task))
def test_formats_and_bidirectional_are_what_the_config_accepts(name: str) -> None:
    task = service.describe_task(name)
    formats = typing.get_args(typing.get_args(tasks.DataSpec.model_fields["format"].annotation)[0])
    assert task["formats"], name
    for fmt in formats:
        config = {"task": name, "data": {"path": "x", "format": fmt}}
        if fmt in task["formats"]:
            parse_run_config(config)
        else:
            with pytest.raises(ConfigError, match=r"data\.format"):
                parse_run_config(config)
    both = {"task": name, "data": {"path": "x"}, "model": {"bidirectional": True}}
    if task["bidirectional"]:
        parse_run_config(both)
    else:
        with pytest.raises(ConfigError, match="bidirectional"):
            parse_run_config(both)


def test_a_tasks_own_fields_come_from_the_field_descriptions() -> None:
    forecast = service.describe_task("forecast")["fields"]
    assert "data.horizon" in forecast and "data.season" in forecast
    assert "data.seq_len" in forecast and "data.val_fraction" not in forecast  # every task's
    classify = service.describe_task("classify")["fields"]
    assert "data.label_names" in classify and "data.horizon" not in classify
    assert "data.seq_len" not in classify  # an example is a whole sentence
    tag = service.describe_task("tag")["fields"]
    assert {"data.tokens_column", "data.max_length"} <= set(tag)
    assert "data.tokenizer" not in tag  # the file gives the tokens
    # ppmi-svd and word2vec are embedding inits, not tasks
    assert all("embedding.window" not in t["fields"] for t in service.list_tasks())


def test_a_tasks_engines_are_those_its_config_accepts(client: TestClient) -> None:
    tasks_by_name = {t["name"]: t for t in client.get("/api/tasks").json()}
    assert tasks_by_name["seq2seq"]["engines"] == ["torch"]  # torch only
    assert tasks_by_name["tag"]["engines"] == ["torch", "numpy"]
    config = {"task": "seq2seq", "data": {"path": "x"}, "train": {"engine": "numpy"}}
    with pytest.raises(ConfigError, match="engine"):
        parse_run_config(config)


def test_token_fields_belong_to_every_task_that_reads_tokens() -> None:
    for task in service.list_tasks():
        has = {key for key in ("data.lowercase", "data.min_freq") if key in task["fields"]}
        assert has == ({"data.lowercase", "data.min_freq"} if task["tokens"] else set())


def test_a_tasks_defaults_are_the_values_a_config_gets_when_it_leaves_them_out() -> None:
    for task in service.list_tasks():
        config = parse_run_config({"task": task["name"], "data": {"path": "x"}})
        for key, value in task["defaults"].items():
            section, field = key.split(".")
            assert getattr(getattr(config, section), field) == value, (task["name"], key)
        # a field not listed keeps its own default
        assert config.model.hidden_size == type(config.model)().hidden_size


def test_a_task_missing_from_the_views_table_is_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "task_names", lambda: ("classify", "translate-poems"))
    with pytest.raises(KeyError, match="translate-poems"):
        tasks.list_tasks()


def test_the_headline_metric_is_one_a_trained_run_records(
    trained: Trained, trained_client: TestClient
) -> None:
    for task, run_id in trained.ids.items():
        run = trained_client.get(f"/api/runs/{run_id}").json()
        headline = service.describe_task(task)["headline"]
        assert headline in run["final_metrics"], (task, sorted(run["final_metrics"]))


def test_the_pages_keep_no_task_names() -> None:
    """They ask GET /api/tasks (static/js/tasks.js); a quoted task name would be a copy,
    and so would a comparison of a run's task with a quoted name."""
    static = Path(service.__file__).parents[1] / "web" / "static"
    names = "|".join(re.escape(name) for name in typing.get_args(Task))
    quoted = re.compile(rf"""["'`]({names})["'`]|value="({names})\"""")
    compared = re.compile(r"""task\s*[!=]==?\s*["'`]|["'`]\s*[!=]==?\s*\S*task\b""")
    pages = ("pages/build.html", "pages/results.html")
    for path in ("js/build.js", "js/diagram.js", "js/results.js", *pages):
        text = (static / path).read_text()
        assert not quoted.search(text), (path, quoted.search(text))
    for path in ("js/build.js", "js/diagram.js", "js/results.js", "js/predict.js", "js/state.js"):
        text = (static / path).read_text()
        assert not compared.search(text), (path, compared.search(text))
