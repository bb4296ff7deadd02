"""The NumPy reference engine: every intermediate number known, every gradient explicit."""

from rnnlab.reference.gru import GRUCell
from rnnlab.reference.lstm import LSTMCell
from rnnlab.reference.recurrent import Recurrent, make_cell
from rnnlab.reference.rnn import RNNCell
from rnnlab.reference.tape import Tape

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "Recurrent", "Tape", "make_cell"]
