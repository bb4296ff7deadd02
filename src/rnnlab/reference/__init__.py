"""The NumPy reference engine: every intermediate number known, every gradient explicit."""

from rnnlab.cells.gru import GRUCell
from rnnlab.cells.lstm import LSTMCell
from rnnlab.cells.rnn import RNNCell
from rnnlab.cells.tape import Tape
from rnnlab.reference.recurrent import Recurrent, make_cell

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "Recurrent", "Tape", "make_cell"]
