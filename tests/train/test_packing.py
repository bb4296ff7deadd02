"""Padding never leaks into a result: a sentence scores the same alone or in a batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.data.batches import Batch
from rnnlab.train import build_learner
from tests.devices import DEVICES
from tests.train.conftest import prepared_for, small_config

SENTENCES = [
    "the soup was great .",
    "honestly , the staff were not lovely but the room was superb and the coffee was very good .",
    "bad .",
]


ENGINES = [pytest.param("numpy", "cpu", id="numpy")] + [
    pytest.param("torch", *device.values, id=f"torch-{device.id}", marks=device.marks)
    for device in DEVICES
]


@pytest.mark.parametrize(("engine", "device"), ENGINES)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_scores_alone_equal_scores_in_a_padded_batch(engine, device, cell):
    config = small_config(
        "classify",
        model={"cell": cell, "bidirectional": True, "num_layers": 2},
        train={"engine": engine, "device": device},
    )
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    batch = prepared.data.encode_texts(SENTENCES)  # padded to the longest
    assert len(set(batch.lengths.tolist())) == 3  # so padding really happens
    together = _logits(learner, batch)
    for index, sentence in enumerate(SENTENCES):
        alone = _logits(learner, prepared.data.encode_texts([sentence]))
        np.testing.assert_allclose(alone[0], together[index], atol=1e-12)


def _logits(learner, batch: Batch) -> np.ndarray:
    if hasattr(learner.model, "rnn") and isinstance(learner.model, torch.nn.Module):
        learner.model.eval()
        with torch.no_grad():  # lengths stay on the CPU (pack_padded_sequence wants them there)
            x = torch.as_tensor(batch.x, device=learner.device).long()
            out, _ = learner.model(x, torch.as_tensor(batch.lengths))
        return out.cpu().numpy()
    learner.model.train(False)
    return learner.model.forward(batch.x, batch.lengths)[0]
