"""GET /api/config/schema: RunConfig's fields, defaults and choices, the pages' one source."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from rnnlab.spec.run import EMBEDDING_INITS, EmbeddingSpec, ModelSpec, RunConfig, TrainSpec

from .conftest import TestClient

STATIC_JS = Path(__file__).parents[2] / "src" / "rnnlab" / "web" / "static" / "js"


def test_schema_gives_each_default_and_choice_of_run_config(client: TestClient) -> None:
    response = client.get("/api/config/schema")
    assert response.status_code == 200, response.text
    again = client.get("/api/config/schema")  # every page asks: the second answer too
    assert again.status_code == 200 and again.json() == response.json()
    schema = response.json()
    assert schema["required"] == ["task", "data"]
    assert schema["properties"]["task"]["enum"] == [
        "language-model",
        "classify",
        "forecast",
        "tag",
        "seq2seq",
    ]
    embedding = schema["$defs"]["EmbeddingSpec"]["properties"]
    assert embedding["init"]["default"] == EmbeddingSpec().init == "xavier"
    assert embedding["init"]["anyOf"][0]["enum"] == list(EMBEDDING_INITS)
    assert "random" in embedding["init"]["anyOf"][0]["enum"]  # N(0, 1) can be chosen
    model = schema["$defs"]["ModelSpec"]["properties"]
    assert model["hidden_size"]["default"] == ModelSpec().hidden_size
    assert model["num_layers"]["maximum"] == 16
    train = schema["$defs"]["TrainSpec"]["properties"]
    assert train["lr"]["default"] == TrainSpec().lr
    assert {"type": "null"} in train["clip_grad_norm"]["anyOf"]  # nullable: off


def test_the_pages_script_keeps_no_copy_of_the_defaults() -> None:
    """state.js builds its fields from the schema; no page script lists a field's default."""
    state = (STATIC_JS / "state.js").read_text()
    assert "/api/config/schema" in state
    for name in ("state.js", "build.js", "data.js", "train.js"):
        text = (STATIC_JS / name).read_text()
        # a copied default looks like `"embedding.init": F("str", "random")` or `def: 128`
        assert not re.search(r"\bF\(\"(str|int|float|bool)\"", text), name
        assert '"embedding.init": ' not in text and "xavier" not in text, name


def test_the_readme_example_config_shows_run_configs_defaults() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("```yaml\ntask: language-model", 1)[1].split("```", 1)[0]
    example = yaml.safe_load("task: language-model" + block)
    defaults = RunConfig(task="language-model", data={"path": "x"}).model_dump()
    for section in ("data", "embedding", "model", "train"):
        for key, value in example[section].items():
            if (section, key) != ("data", "path"):
                assert value == defaults[section][key], f"README {section}.{key}: {value}"
