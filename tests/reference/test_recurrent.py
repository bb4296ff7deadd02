"""Recurrent (the reference engine's layers) against PyTorch autograd.

Every cell, 1 and 2 layers, uni- and bidirectional, with a random initial state:
outputs, final states, dx, dh0 and every parameter gradient equal PyTorch's in
float64 within 1e-8 (and in float32 within float32 rounding), with and without
packed (variable-length) sequences.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference import Recurrent
from tests.reference.conftest import numpy_state, torch_twin

T, B, D, H = 5, 3, 4, 3
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CASES = [
    (c, n, layers, bi) for (c, n), layers, bi in itertools.product(CELLS, [1, 2], [False, True])
]


def _run_torch(module, cell, x, state0, lengths):
    if lengths is None:
        y, state_n = module(x, state0)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.tensor(lengths), enforce_sorted=False
        )
        y_packed, state_n = module(packed, state0)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(y_packed, total_length=x.shape[0])
    return y, (state_n if cell == "lstm" else (state_n,))


def compare_with_torch(
    cell, nonlinearity, layers, bidirectional, lengths=None, dtype=torch.float64
):
    """Run both engines on the same weights, inputs and upstream gradients."""
    module = torch_twin(cell, D, H, layers, bidirectional, nonlinearity, dtype)
    n_states = layers * (2 if bidirectional else 1)
    x = torch.randn(T, B, D, dtype=dtype, requires_grad=True)
    states0 = [
        torch.randn(n_states, B, H, dtype=dtype, requires_grad=True)
        for _ in range(2 if cell == "lstm" else 1)
    ]
    y, states_n = _run_torch(
        module, cell, x, tuple(states0) if cell == "lstm" else states0[0], lengths
    )
    dy = torch.randn_like(y)
    d_states = [torch.randn_like(s) for s in states_n]
    loss = (y * dy).sum() + sum((s * d).sum() for s, d in zip(states_n, d_states, strict=True))
    loss.backward()

    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    ref = Recurrent(cell, D, H, layers, bidirectional, nonlinearity, dtype=np_dtype)
    ref.load_state_dict(numpy_state(module))
    as_np = [s.detach().numpy() for s in states0]
    ry, rstate = ref.forward(
        x.detach().numpy(),
        tuple(as_np) if cell == "lstm" else as_np[0],
        lengths=None if lengths is None else np.array(lengths),
    )
    d_np = [d.numpy() for d in d_states]
    dx, dh0, grads = ref.backward(dy.numpy(), tuple(d_np) if cell == "lstm" else d_np[0])
    pairs = [(ry, y), (dx, x.grad)]
    pairs += list(zip(rstate if cell == "lstm" else [rstate], states_n, strict=True))
    pairs += list(zip(dh0 if cell == "lstm" else [dh0], [s.grad for s in states0], strict=True))
    pairs += [(grads[name], p.grad) for name, p in module.named_parameters()]
    assert set(grads) == {name for name, _ in module.named_parameters()}
    return [(mine, theirs.detach().numpy()) for mine, theirs in pairs]


@pytest.mark.parametrize(("cell", "nonlinearity", "layers", "bidirectional"), CASES)
def test_float64_equals_torch_autograd(cell, nonlinearity, layers, bidirectional):
    for mine, theirs in compare_with_torch(cell, nonlinearity, layers, bidirectional):
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-8)


@pytest.mark.parametrize(("cell", "nonlinearity", "layers", "bidirectional"), CASES)
def test_packed_sequences_equal_torch_pack_padded(cell, nonlinearity, layers, bidirectional):
    pairs = compare_with_torch(cell, nonlinearity, layers, bidirectional, lengths=[5, 2, 3])
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-8)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float32_equals_torch_within_float32_rounding(cell):
    for mine, theirs in compare_with_torch(cell, "tanh", 2, True, dtype=torch.float32):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


def test_no_bias_layer_equals_torch():
    module = torch_twin("gru", D, H, 1, False, bias=False)
    ref = Recurrent("gru", D, H, bias=False)
    ref.load_state_dict(numpy_state(module))
    x = torch.randn(T, B, D, dtype=torch.float64)
    y, _ = module(x)
    np.testing.assert_allclose(ref.forward(x.numpy())[0], y.detach().numpy(), atol=1e-12)
    assert set(ref.state_dict()) == {"weight_ih_l0", "weight_hh_l0"}


def test_state_dict_has_torch_names_shapes_and_round_trips():
    module = torch_twin("lstm", D, H, 2, True)
    ref = Recurrent("lstm", D, H, num_layers=2, bidirectional=True, seed=0)
    assert {k: v.shape for k, v in ref.state_dict().items()} == {
        k: tuple(v.shape) for k, v in module.state_dict().items()
    }
    assert list(ref.state_dict()) == list(module.state_dict())
    ref.load_state_dict(numpy_state(module))
    for key, value in ref.state_dict().items():
        np.testing.assert_array_equal(value, module.state_dict()[key].numpy())


def test_load_state_dict_copies_into_the_same_arrays():
    ref = Recurrent("rnn", D, H, seed=0)
    before = {k: id(v) for k, v in ref.params.items()}
    ref.load_state_dict({k: v * 0 for k, v in ref.state_dict().items()})
    assert {k: id(v) for k, v in ref.params.items()} == before
    assert all(not v.any() for v in ref.params.values())


def test_same_seed_same_weights_and_torch_default_range():
    a, b = Recurrent("gru", D, 16, seed=3), Recurrent("gru", D, 16, seed=3)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        assert np.abs(a.params[key]).max() <= 1 / np.sqrt(16)


def test_tape_records_preactivations_and_deltas():
    ref = Recurrent("rnn", D, H, seed=0)
    x = np.random.default_rng(0).standard_normal((T, B, D))
    y, _ = ref.forward(x)
    tape = ref.tapes[0]
    np.testing.assert_allclose(tape.h[1:], y)
    np.testing.assert_allclose(np.tanh(tape.z), tape.h[1:])
    ref.backward(np.ones_like(y))
    np.testing.assert_allclose(tape.delta, tape.dh * (1 - tape.h[1:] ** 2))


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cell": "transformer"}, "cell"),
        ({"input_size": 0}, "input_size"),
        ({"hidden_size": 2.5}, "hidden_size"),
        ({"num_layers": True}, "num_layers"),
        ({"nonlinearity": "sigmoid"}, "nonlinearity"),
        ({"dtype": np.int32}, "dtype"),
        ({"dtype": "float16"}, "dtype"),
    ],
)
def test_bad_constructor_arguments_name_the_argument(kwargs, field):
    args = {"cell": "rnn", "input_size": 2, "hidden_size": 2} | kwargs
    with pytest.raises(ConfigError, match=rf"^{field}: expected .*received"):
        Recurrent(**args)


def test_wrong_input_width_names_the_expected_shape():
    with pytest.raises(ShapeError, match=r"x: expected shape \(T, B, 4\).*received \(5, 3, 2\)"):
        Recurrent("rnn", 4, 3).forward(np.zeros((5, 3, 2)))


def test_batch_major_input_is_refused():
    with pytest.raises(ShapeError, match="time-major"):
        Recurrent("rnn", 4, 3).forward(np.zeros((3, 4)))


@pytest.mark.parametrize(
    ("cell", "h0", "message"),
    [
        ("rnn", np.zeros((2, 3, 3)), r"h0: expected shape \(1, 3, 3\), received \(2, 3, 3\)"),
        ("rnn", (np.zeros((1, 3, 3)), np.zeros((1, 3, 3))), "takes one state array"),
        ("lstm", np.zeros((1, 3, 3)), r"an \(h0, c0\) pair"),
        ("lstm", (np.zeros((1, 3, 3)), np.zeros((1, 2, 3))), r"c0: expected shape \(1, 3, 3\)"),
    ],
)
def test_bad_initial_states_name_the_state(cell, h0, message):
    with pytest.raises(ShapeError, match=message):
        Recurrent(cell, 4, 3).forward(np.zeros((5, 3, 4)), h0)


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([5, 0, 3], r"lengths: expected values in 1..5"),
        ([5, 6, 3], r"lengths: expected values in 1..5"),
        ([5, 3], r"lengths: expected shape \(3,\), received \(2,\)"),
    ],
)
def test_bad_lengths(lengths, message):
    with pytest.raises(ShapeError, match=message):
        Recurrent("gru", 4, 3).forward(np.zeros((5, 3, 4)), lengths=np.array(lengths))


def test_load_state_dict_names_missing_unexpected_and_misshapen_keys():
    ref = Recurrent("lstm", 4, 3)
    good = ref.state_dict()
    with pytest.raises(ShapeError, match=r"missing keys \['bias_hh_l0'\]"):
        ref.load_state_dict({k: v for k, v in good.items() if k != "bias_hh_l0"})
    with pytest.raises(ShapeError, match=r"unexpected keys \['weight_ih_l1'\]"):
        ref.load_state_dict(good | {"weight_ih_l1": good["weight_ih_l0"]})
    with pytest.raises(ShapeError, match=r"weight_hh_l0: expected shape \(12, 3\), received"):
        ref.load_state_dict(good | {"weight_hh_l0": np.zeros((12, 4))})


def test_backward_before_forward_and_wrong_dy_shape():
    ref = Recurrent("rnn", 4, 3)
    with pytest.raises(ConfigError, match="call forward first"):
        ref.backward(np.zeros((5, 3, 3)))
    ref.forward(np.zeros((5, 3, 4)))
    with pytest.raises(ShapeError, match=r"dy: expected shape \(5, 3, 3\)"):
        ref.backward(np.zeros((5, 3, 6)))
