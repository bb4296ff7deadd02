"""data.label_names: the classes of a file labelled 0/1 shown by name in predictions and
in the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError

from .conftest import SMALL, config_path

NAMES = ["negative", "positive"]


def test_label_names_name_the_classes_of_predictions_and_the_confusion(tmp_path: Path) -> None:
    overrides = [*SMALL["sentiment"], "train.max_steps=2", "data.label_names=[negative, positive]"]
    run = service.train(config_path("sentiment"), overrides, home=tmp_path)
    assert run["summary"]["classes"] == NAMES
    found = service.classify(run["id"], ["a warm and funny film"], home=tmp_path)[0]
    assert found["label"] in NAMES and set(found["probabilities"]) == set(NAMES)
    figure = service.run_figure(run["id"], "confusion", home=tmp_path)
    assert NAMES[0] in str(figure) and NAMES[1] in str(figure)


def test_label_names_must_name_every_class(tmp_path: Path) -> None:
    overrides = [*SMALL["sentiment"], "data.label_names=[negative, neutral, positive]"]
    with pytest.raises(
        ConfigError,
        match=r"data.label_names: .* has 2 classes \(0, 1\); "
        r"expected 2 names, received 3",
    ):
        service.train(config_path("sentiment"), overrides, home=tmp_path)


def test_label_names_are_distinct(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"label_names"):
        service.train(config_path("sentiment"), ["data.label_names=[a, a]"], home=tmp_path)
