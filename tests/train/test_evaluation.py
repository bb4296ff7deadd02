"""The validation pass: metrics by task and the probe after each evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.events import Evaluated, ProbeTaken
from rnnlab.train import Trainer, build_learner
from rnnlab.train.evaluation import Validation, evaluation_probe, validate, validation_metrics
from tests.train.conftest import prepared_for, small_config

PROBE = {"language-model": None, "classify": "confusion", "forecast": "forecast"}


@pytest.mark.parametrize("task", list(PROBE))
def test_each_evaluation_is_followed_by_the_probe_of_its_task(task: str) -> None:
    config = small_config(task, train={"max_steps": 2, "eval_every": 1, "probe_every": None})
    prepared = prepared_for(config)
    events: list = []
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    evaluated = [e.step for e in events if isinstance(e, Evaluated)]
    probes = [e for e in events if isinstance(e, ProbeTaken) and e.kind != "states"]
    assert evaluated == [1, 2]
    if PROBE[task] is None:
        assert probes == []
        return
    assert [(p.step, p.kind) for p in probes] == [(1, PROBE[task]), (2, PROBE[task])]
    payload = probes[-1].payload
    if task == "classify":
        counts = np.array(payload["counts"])
        assert counts.shape == (len(prepared.classes),) * 2
        assert counts.sum() == prepared.summary["val_examples"]
    else:
        assert len(payload["predicted"]) == len(payload["positions"]) > 0
        assert payload["val_start"] == prepared.data.n_train


def test_a_validation_pass_sums_the_loss_and_carries_a_streams_state() -> None:
    config = small_config("language-model")
    prepared = prepared_for(config)
    learner = build_learner(config, prepared)
    batches = list(Trainer(learner, prepared, config).batches("val", 0))
    carried = validate(learner, batches, carries_state=True)
    fresh = validate(learner, batches, carries_state=False)
    assert carried.count == fresh.count == sum(b.y.size for b in batches)
    assert carried.outputs == [] and carried.loss_sum != fresh.loss_sum
    metrics = validation_metrics(carried, config, prepared)
    assert metrics["val_loss"] == pytest.approx(carried.loss_sum / carried.count)


def test_nothing_validated_gives_no_metrics_and_no_probe() -> None:
    config = small_config("classify")
    prepared = prepared_for(config)
    assert validation_metrics(Validation(), config, prepared) == {}
    assert evaluation_probe(Validation(), "classify", prepared, step=1) is None
