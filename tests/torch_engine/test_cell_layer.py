"""CellRecurrent (the generic layer for registered cells torch.nn lacks) equals torch.nn.

The test-only cells of ``cell_fixtures`` are the Elman RNN and the LSTM written as plain
``sequence`` / ``step`` loops; on the same weights CellRecurrent must give nn.RNN's /
nn.LSTM's outputs, final states and gradients (float64, 1e-10) for every layout: two
layers, bidirectional, packed lengths (the reverse direction starting at each sequence's
own last step), a given initial state.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnlab.errors import ConfigError, ShapeError
from rnnlab.torch_engine.cell_layer import CellRecurrent, reverse_in_length, reverse_index
from tests.torch_engine.cell_fixtures import NATIVE

LAYOUTS = [  # (layers, bidirectional, packed, nonlinearity)
    (1, False, False, "tanh"),
    (2, False, True, "tanh"),
    (1, True, True, "tanh"),
    (2, True, True, "tanh"),
    (2, True, False, "relu"),
]
T, B, D, H = 7, 4, 3, 5
LENGTHS = torch.tensor([7, 2, 5, 1])


def _pair(toy_cells, name: str, layers: int, bi: bool, nonlinearity: str, dropout: float = 0.0):
    """(nn module, CellRecurrent) on the same float64 weights."""
    _, native_class = NATIVE[name]
    kwargs = {"nonlinearity": nonlinearity} if native_class is nn.RNN else {}
    torch.manual_seed(0)
    native = native_class(D, H, layers, bidirectional=bi, dropout=dropout, **kwargs).double()
    layer = CellRecurrent(toy_cells[name], D, H, layers, bi, dropout, nonlinearity).double()
    layer.load_state_dict(native.state_dict())  # the same keys: weight_ih_l0 ... _reverse
    return native, layer


def _run(module, x, state, lengths, gy, gh, with_lengths: bool):
    x = x.detach().clone().requires_grad_()
    parts = state if isinstance(state, tuple) else (state,)
    parts = tuple(p.detach().clone().requires_grad_() for p in parts)
    state = parts if len(parts) == 2 else parts[0]
    if with_lengths and lengths is not None:
        y, state_n = module(x, state, lengths)
    elif lengths is not None:  # nn: a PackedSequence, padded back to T
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        y, state_n = module(packed, state)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, total_length=T)
    else:
        y, state_n = module(x, state)
    finals = state_n if isinstance(state_n, tuple) else (state_n,)
    loss = (y * gy).sum() + sum((f * g).sum() for f, g in zip(finals, gh, strict=True))
    loss.backward()
    return [y, *finals, x.grad, *(p.grad for p in parts)] + [p.grad for p in module.parameters()]


CASES = [(name, *layout) for name in NATIVE for layout in LAYOUTS]
CASES = [case for case in CASES if case[0] == "elman-test" or case[-1] == "tanh"]


@pytest.mark.parametrize(("name", "layers", "bi", "packed", "nonlinearity"), CASES)
def test_forward_and_backward_equal_torch_nn(toy_cells, name, layers, bi, packed, nonlinearity):
    native, layer = _pair(toy_cells, name, layers, bi, nonlinearity)
    dirs = 2 if bi else 1
    g = torch.Generator().manual_seed(1)
    x = torch.randn(T, B, D, dtype=torch.float64, generator=g)
    n_states = 2 if toy_cells[name].has_cell_state else 1
    state = tuple(
        torch.randn(layers * dirs, B, H, dtype=torch.float64, generator=g) for _ in range(n_states)
    )
    state = state if n_states == 2 else state[0]
    gy = torch.randn(T, B, dirs * H, dtype=torch.float64, generator=g)
    gh = [torch.randn(layers * dirs, B, H, dtype=torch.float64, generator=g)] * n_states
    lengths = LENGTHS if packed else None
    expected = _run(native, x, state, lengths, gy, gh, with_lengths=False)
    received = _run(layer, x, state, lengths, gy, gh, with_lengths=True)
    assert len(received) == len(expected)
    for want, got in zip(expected, received, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    if packed:  # outputs past a length are zero
        y = received[0]
        assert torch.all(y[2:, 1] == 0) and torch.all(y[1:, 3] == 0)


def test_the_layer_looks_like_nn_lstm(toy_cells):
    _, layer = _pair(toy_cells, "lstm-test", 2, True, "tanh")
    assert (layer.input_size, layer.hidden_size, layer.num_layers) == (D, H, 2)
    assert layer.bidirectional and layer.nonlinearity == "tanh"
    names = [n for n, _ in layer.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert names[4] == "weight_ih_l0_reverse" and names[-1] == "bias_hh_l1_reverse"
    assert layer.weight_ih_l1.shape == (4 * H, 2 * H)  # layer 1 reads both directions


def test_new_parameters_follow_each_params_init(toy_cells):
    layer = CellRecurrent(toy_cells["elman-test"], D, 64, num_layers=2)
    bound = 64**-0.5
    for param in layer.parameters():
        assert param.abs().max() <= bound and param.std() > bound / 3  # U(-b, b)


def test_dropout_acts_between_layers_only_while_training(toy_cells):
    x = torch.randn(T, B, D, dtype=torch.float64)
    native, layer = _pair(toy_cells, "elman-test", 2, False, "tanh", dropout=0.5)
    native.eval(), layer.eval()
    torch.testing.assert_close(layer(x)[0], native(x)[0], rtol=1e-10, atol=1e-10)
    layer.train()
    torch.manual_seed(5)
    dropped = layer(x)[0]
    assert not torch.allclose(dropped, native(x)[0])
    single = CellRecurrent(toy_cells["elman-test"], D, H, dropout=0.5).double()
    assert single.train()(x)[0].equal(single.eval()(x)[0])  # one layer: nothing between


def test_reverse_within_length_is_its_own_inverse():
    x = torch.arange(T * B, dtype=torch.float64).view(T, B, 1)
    index = reverse_index(LENGTHS, T, x.device)
    flipped = reverse_in_length(x, index)
    assert flipped[:, 1, 0].tolist()[:2] == [x[1, 1, 0].item(), x[0, 1, 0].item()]
    assert flipped[2:, 1, 0].equal(x[2:, 1, 0])  # past the length: unmoved
    assert reverse_in_length(flipped, index).equal(x)
    assert reverse_in_length(x, None).equal(x.flip(0))


def test_a_wrong_state_is_an_error_naming_the_cell(toy_cells):
    _, lstm = _pair(toy_cells, "lstm-test", 1, False, "tanh")
    _, elman = _pair(toy_cells, "elman-test", 1, False, "tanh")
    x, h = torch.zeros(T, B, D, dtype=torch.float64), torch.zeros(1, B, H, dtype=torch.float64)
    with pytest.raises(ShapeError, match=r"state: a test copy of lstm takes an \(h0, c0\) pair"):
        lstm(x, h)
    with pytest.raises(ShapeError, match="state: a test copy of rnn takes one tensor h0"):
        elman(x, (h, h))


def test_a_cell_torch_nn_has_is_refused():
    from rnnlab import cells

    with pytest.raises(ConfigError, match=r"cell lstm: no torch_module; it runs on torch\.nn"):
        CellRecurrent(cells.get("lstm"), D, H)


def test_under_autocast_the_recurrence_runs_in_the_weights_dtype(toy_cells):
    _, layer = _pair(toy_cells, "lstm-test", 2, True, "tanh")
    layer = layer.float()
    x = torch.randn(T, B, D)
    state = (torch.randn(4, B, H), torch.randn(4, B, H))
    want_y, want_state = layer(x, state, LENGTHS)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, (h_n, c_n) = layer(x.bfloat16(), tuple(s.bfloat16() for s in state), LENGTHS)
        exact_y, exact_state = layer(x, state, LENGTHS)
    assert y.dtype == h_n.dtype == c_n.dtype == torch.float32
    torch.testing.assert_close(y, want_y, rtol=0.02, atol=0.02)  # only the inputs rounded
    assert exact_y.equal(want_y)  # float32 inputs: exactly the float32 pass
    assert all(a.equal(b) for a, b in zip(exact_state, want_state, strict=True))
