"""The encoder-decoder on registered cells without a torch.nn form (lstm-ln, mingru,
minlstm): the decoder's step against the cell's ``sequence``, the encoder against
CellRecurrent, the bridge between cells with and without a cell state, training,
greedy and beam decoding, and the device."""

from __future__ import annotations

import pytest
import torch

from rnnlab import cells
from rnnlab.data.seq2seq import pad_pairs
from rnnlab.errors import ConfigError
from rnnlab.torch_engine.cell_layer import CellRecurrent
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss
from rnnlab.torch_engine.seq2seq_cells import CellStep, decoder_step
from rnnlab.torch_engine.seq2seq_search import beam_search, greedy_decode
from tests.devices import DEVICES

V = 12
GENERIC = [c.name for c in cells.all_cells() if c.torch_native is None]


def model(**kwargs: object) -> Seq2Seq:
    torch.manual_seed(0)
    options: dict[str, object] = {"embed_dim": 8, "hidden_size": 16} | kwargs
    return Seq2Seq(V, V, **options)  # type: ignore[arg-type]


def batch() -> tuple[torch.Tensor, ...]:
    """Three sources of lengths 4, 2, 3 (padded to S = 4) and targets of 3, 1, 2 tokens."""
    pairs = [([4, 5, 6, 7], [7, 6, 5]), ([8, 9], [9]), ([10, 11, 4], [4, 11])]
    b = pad_pairs([(torch.tensor(s).numpy(), torch.tensor(t).numpy()) for s, t in pairs])
    return tuple(
        torch.as_tensor(a) for a in (b.src, b.src_lengths, b.decoder_inputs, b.decoder_targets)
    )


def test_the_generic_cells_are_the_registrys_cells_without_torch_nn() -> None:
    assert {"lstm-ln", "mingru", "minlstm"} <= set(GENERIC)


@pytest.mark.parametrize("name", GENERIC)
def test_the_decoder_step_equals_the_cells_sequence_over_one_step(name: str) -> None:
    cell = cells.get(name)
    torch.manual_seed(1)
    step = CellStep(cell, 5, 4)
    x, h = torch.randn(3, 5), torch.randn(3, 4)  # (B, D), (B, H)
    c = torch.randn(3, 4) if cell.has_cell_state else None
    got_h, got_c = decoder_step(step, x, h, c)
    hs, want_h, want_c = cell.torch().sequence(x[None], None, step.weights(), h, c)
    torch.testing.assert_close(got_h, want_h)
    torch.testing.assert_close(hs[0], want_h)
    if cell.has_cell_state:
        assert got_c is not None and want_c is not None
        torch.testing.assert_close(got_c, want_c)
    else:
        assert got_c is None
    assert {n for n, _ in step.named_parameters()} == {p.stem for p in cell.params}


@pytest.mark.parametrize("name", GENERIC)
def test_the_encoder_is_the_cells_layer_run_by_the_lengths(name: str) -> None:
    m = model(cell=name, bidirectional=True, num_layers=2, attention="additive")
    assert isinstance(m.encoder.rnn, CellRecurrent)
    src, lengths, _, _ = batch()
    memory, (h, c) = m.encoder(src, lengths)
    y, _ = m.encoder.rnn(m.encoder.embedding(src), None, lengths)
    torch.testing.assert_close(memory, y)
    assert memory[2:, 1].abs().sum() == 0  # past the second source's length 2
    assert h.shape == (3, 32) and (c is not None) == cells.get(name).has_cell_state
    alone, _ = m.encoder(src[:2, 1:2], lengths[1:2])  # the second source unpadded
    torch.testing.assert_close(alone[:, 0], memory[:2, 1])


@pytest.mark.parametrize(
    ("cell", "decoder_cell", "c0"),
    [("lstm-ln", "mingru", None), ("gru", "lstm-ln", "zeros"), ("lstm-ln", "lstm", "carried")],
)
def test_the_bridge_passes_a_cell_state_only_between_cells_that_have_one(
    cell: str, decoder_cell: str, c0: str | None
) -> None:
    m = model(cell=cell, decoder_cell=decoder_cell)
    src, lengths, _, _ = batch()
    h0, c = m.encode(src, lengths).state
    _, (h_S, c_S) = m.encoder(src, lengths)
    torch.testing.assert_close(h0, h_S)  # one direction of equal size: no bridge
    if c0 is None:
        assert c is None
    elif c0 == "zeros":
        assert c is not None and c.abs().sum() == 0 and c.shape == (3, 16)
    else:
        assert c is not None and c_S is not None
        torch.testing.assert_close(c, c_S)


@pytest.mark.parametrize(
    ("cell", "decoder_cell", "bidirectional"),
    [("mingru", "lstm-ln", True), ("minlstm", None, False)],
)
def test_a_tiny_model_trains_and_decodes_greedy_and_beam(
    cell: str, decoder_cell: str | None, bidirectional: bool
) -> None:
    m = model(
        cell=cell, decoder_cell=decoder_cell, bidirectional=bidirectional, attention="additive"
    )
    src, lengths, tgt_in, tgt_out = batch()
    optimiser = torch.optim.Adam(m.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        optimiser.zero_grad()
        loss = sequence_loss(m(src, lengths, tgt_in).logits, tgt_out)
        loss.backward()
        losses.append(loss.item())
        optimiser.step()
    assert losses[-1] < 0.8 * losses[0]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.encoder.rnn.parameters())
    m.eval()
    greedy, beam = greedy_decode(m, src, lengths, 6), beam_search(m, src, lengths, 6, 1)
    assert torch.equal(greedy.ids, beam.ids)
    assert greedy.attention is not None and beam.attention is not None
    torch.testing.assert_close(greedy.attention, beam.attention)
    weights = m(src, lengths, tgt_in).attention  # (T, B, S)
    assert weights is not None
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:2]))
    assert weights[:, 1, 2:].abs().sum() == 0  # no weight on the second source's padding
    wide = beam_search(m, src, lengths, 6, 3)
    assert wide.ids.shape[1] == 3


def test_options_rebuild_a_generic_model() -> None:
    m = model(cell="mingru", decoder_cell="lstm-ln", attention="general")
    twin = Seq2Seq(V, V, **m.options)  # type: ignore[arg-type]
    twin.load_state_dict(m.state_dict())
    src, lengths, tgt_in, _ = batch()
    torch.testing.assert_close(twin(src, lengths, tgt_in).logits, m(src, lengths, tgt_in).logits)
    names = {n for n, _ in m.named_parameters()}
    assert {"encoder.rnn.weight_ih_l0", "decoder.cell.gain_c"} <= names


@pytest.mark.parametrize("device", DEVICES)
def test_a_generic_model_runs_on_the_device_as_on_the_cpu(device: str) -> None:
    options = {"cell": "mingru", "decoder_cell": "lstm-ln", "bidirectional": True}
    cpu, here = model(**options), model(**options).to(device)
    src, lengths, tgt_in, tgt_out = batch()
    out = here(src.to(device), lengths.to(device), tgt_in.to(device))
    reference = cpu(src, lengths, tgt_in)
    assert out.logits.device.type == device
    torch.testing.assert_close(out.logits.cpu(), reference.logits, atol=1e-4, rtol=1e-4)
    sequence_loss(out.logits, tgt_out.to(device)).backward()
    assert all(p.grad is not None for p in here.parameters())
    got = greedy_decode(here.eval(), src.to(device), lengths.to(device), 6)
    assert torch.equal(got.ids.cpu(), greedy_decode(cpu.eval(), src, lengths, 6).ids)


def test_a_step_cell_is_refused_for_a_cell_torch_nn_runs() -> None:
    with pytest.raises(ConfigError, match=r"cell gru: no torch_module; it runs on torch.nn"):
        CellStep(cells.get("gru"), 3, 2)
