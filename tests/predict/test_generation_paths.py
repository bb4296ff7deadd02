"""Which stepper generation uses, and that both give the same text: on the CPU a classic
cell steps in NumPy (rnnlab.reference.stepping), any other cell through torch."""

from __future__ import annotations

import pytest
import torch

from rnnlab.data.vocab import Vocab
from rnnlab.predict import ModelBundle, Predictor
from rnnlab.predict import predictor as predictor_module
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine import model_from_config, to_numpy

CHARS = ["<pad>", "<unk>", *"abcdefghij \n"]


def predictor(cell: str) -> Predictor:
    config = RunConfig.model_validate(
        {
            "task": "language-model",
            "data": {"path": "x.txt", "tokenizer": "char"},
            "embedding": {"dim": 6},
            "model": {"cell": cell, "hidden_size": 16, "num_layers": 2},
        }
    )
    torch.manual_seed(3)
    model = model_from_config(config, len(CHARS))
    return Predictor(ModelBundle(config, to_numpy(model), Vocab(CHARS)))


@pytest.mark.parametrize(("cell", "numpy_path"), [("lstm", True), ("gru", True), ("mingru", False)])
def test_the_cpu_steps_classic_cells_in_numpy_with_the_same_tokens_as_torch(
    cell: str, numpy_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = []
    real = predictor_module.ReferenceStepper

    def counting(*args, **kwargs):
        used.append("numpy")
        return real(*args, **kwargs)

    monkeypatch.setattr(predictor_module, "ReferenceStepper", counting)
    model = predictor(cell)
    options = {"length": 40, "n": 3, "stop_at_eos": False}
    greedy = model.generate("abc", temperature=0, **options)
    sampled = model.generate("abc", seed=5, **options)
    assert used == (["numpy", "numpy"] if numpy_path else [])
    monkeypatch.setattr(predictor_module, "reference_step_cell", lambda cell, nonlinearity: None)
    assert model.generate("abc", temperature=0, **options)["samples"] == greedy["samples"]
    assert model.generate("abc", seed=5, **options)["samples"] == sampled["samples"]
