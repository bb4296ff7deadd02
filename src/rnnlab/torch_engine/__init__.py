"""The fast engine: models on the registered cells (torch.nn's RNN/LSTM/GRU, rnnlab's
explicit GRU/RNN layers, or the generic CellRecurrent on a cell's own torch functions) and
weight conversion to the reference engine."""

from rnnlab.torch_engine.build import model_from_config, model_sizes
from rnnlab.torch_engine.convert import load_numpy, reference_twin, to_numpy
from rnnlab.torch_engine.model import SequenceModel, initialise

__all__ = [
    "SequenceModel",
    "initialise",
    "load_numpy",
    "model_from_config",
    "model_sizes",
    "reference_twin",
    "to_numpy",
]
