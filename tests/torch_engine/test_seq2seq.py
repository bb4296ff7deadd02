"""The encoder-decoder: shapes, the attention mask, the bridge, teacher forcing, greedy and
beam decoding, gradients into the encoder, and a tiny model learning to reverse."""

from __future__ import annotations

import itertools

import pytest
import torch

from rnnlab.data.seq2seq import BOS_ID, EOS_ID, pad_pairs
from rnnlab.data.seq2seq_tasks import build_task_data
from rnnlab.data.vocab import PAD_ID
from rnnlab.errors import ConfigError
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss
from rnnlab.torch_engine.seq2seq_attention import AdditiveAttention, attend
from rnnlab.torch_engine.seq2seq_search import beam_search, greedy_decode
from tests.devices import DEVICES

V = 12
ATTENTIONS = [None, "additive", "dot", "general"]


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


# ---- shapes and the attention mask --------------------------------------------------------


@pytest.mark.parametrize("attention", ATTENTIONS)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shapes_for_every_cell_and_attention(cell: str, attention: str | None) -> None:
    bidirectional = attention != "dot"  # dot needs H_d = M: one direction
    m = model(cell=cell, attention=attention, bidirectional=bidirectional, num_layers=2)
    src, lengths, tgt_in, _ = batch()
    out = m(src, lengths, tgt_in)
    assert out.logits.shape == (4, 3, V)  # (T, B, V)
    if attention is None:
        assert out.attention is None
    else:
        assert out.attention is not None and out.attention.shape == (4, 3, 4)  # (T, B, S)


@pytest.mark.parametrize("attention", ["additive", "dot", "general"])
def test_attention_is_zero_on_padding_and_sums_to_one(attention: str) -> None:
    src, lengths, tgt_in, _ = batch()
    out = model(attention=attention)(src, lengths, tgt_in)
    weights = out.attention  # (T, B, S)
    assert weights is not None
    for b, n in enumerate(lengths.tolist()):
        assert torch.all(weights[:, b, n:] == 0.0)
        assert torch.all(weights[:, b, :n] > 0.0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, 3))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padding_does_not_change_an_examples_outputs(attention: str | None) -> None:
    m = model(attention=attention, bidirectional=attention != "dot")
    src, lengths, tgt_in, _ = batch()
    together = m(src, lengths, tgt_in).logits[:, 1]  # example 1 padded from 2 to 4 steps
    alone = m(src[:2, 1:2], lengths[1:2], tgt_in[:, 1:2]).logits[:, 0]
    torch.testing.assert_close(together, alone)


def test_additive_scores_by_hand() -> None:
    torch.manual_seed(1)
    att = AdditiveAttention(query_size=3, memory_size=2, attention_size=4)
    memory, query = torch.randn(5, 1, 2), torch.randn(1, 3)  # (S, B, M), (B, H_d)
    mask = torch.tensor([[True], [True], [True], [False], [False]])  # (S, B)
    context, weights = attend(att, query, att.keys(memory), memory, mask)
    v, W_s, W_h, b_h = att.v.weight[0], att.W_s.weight, att.W_h.weight, att.W_h.bias
    e = torch.stack([v @ torch.tanh(W_s @ query[0] + W_h @ memory[j, 0] + b_h) for j in range(3)])
    a = torch.exp(e) / torch.exp(e).sum()
    torch.testing.assert_close(weights[0], torch.cat([a, torch.zeros(2)]))
    torch.testing.assert_close(context[0], (a.unsqueeze(1) * memory[:3, 0]).sum(0))


# ---- the bridge ---------------------------------------------------------------------------


def test_one_direction_of_equal_size_starts_the_decoder_from_the_last_real_state() -> None:
    m = model(cell="gru")
    src, lengths, _, _ = batch()
    enc = m.encode(src, lengths)
    last = torch.stack([enc.memory[n - 1, b] for b, n in enumerate(lengths.tolist())])
    torch.testing.assert_close(enc.state[0], last)
    assert enc.state[1] is None and m.bridge.W_b is None


def test_a_bidirectional_encoder_is_bridged_through_tanh_of_both_ends() -> None:
    m = model(cell="lstm", bidirectional=True)
    src, lengths, _, _ = batch()
    enc = m.encode(src, lengths)
    H = 16
    ends = torch.stack(  # [fwd h_S; bwd h_1] per example
        [torch.cat([enc.memory[n - 1, b, :H], enc.memory[0, b, H:]]) for b, n in enumerate(lengths)]
    )
    assert m.bridge.W_b is not None and m.bridge.W_c is not None
    torch.testing.assert_close(enc.state[0], torch.tanh(m.bridge.W_b(ends)))
    assert enc.state[1] is not None and enc.state[1].shape == (3, H)


def test_an_lstm_decoder_after_a_gru_encoder_starts_from_a_zero_cell_state() -> None:
    m = model(cell="gru", decoder_cell="lstm")
    src, lengths, tgt_in, _ = batch()
    c0 = m.encode(src, lengths).state[1]
    assert c0 is not None and torch.all(c0 == 0.0)
    assert m(src, lengths, tgt_in).logits.shape == (4, 3, V)


# ---- teacher forcing ----------------------------------------------------------------------


def test_teacher_forcing_one_reads_the_truth_and_zero_reads_its_own_guesses() -> None:
    m = model(attention="additive")
    src, lengths, tgt_in, _ = batch()
    other = tgt_in.clone()
    other[1:] = torch.where(other[1:] == PAD_ID, PAD_ID, 4)  # other inputs after <bos>
    forced = m(src, lengths, tgt_in, teacher_forcing=1.0).logits
    assert not torch.allclose(forced[1:], m(src, lengths, other, teacher_forcing=1.0).logits[1:])
    free = m(src, lengths, tgt_in, teacher_forcing=0.0).logits
    torch.testing.assert_close(free, m(src, lengths, other, teacher_forcing=0.0).logits)
    guesses = torch.cat([tgt_in[:1], free[:-1].argmax(-1)])  # <bos>, then its own argmax
    torch.testing.assert_close(free, m(src, lengths, guesses, teacher_forcing=1.0).logits)


def test_a_ratio_between_is_seeded_by_the_generator() -> None:
    m = model()
    src, lengths, tgt_in, _ = batch()

    def run(seed: int) -> torch.Tensor:
        return m(src, lengths, tgt_in, 0.5, torch.Generator().manual_seed(seed)).logits

    torch.testing.assert_close(run(3), run(3))
    assert not torch.allclose(run(3), run(4))
    for ratio in (0.0, 1.0):  # nothing random to draw: the global RNG is left alone
        torch.manual_seed(5)
        m(src, lengths, tgt_in, teacher_forcing=ratio)
        after = torch.rand(1)
        torch.manual_seed(5)
        assert torch.equal(after, torch.rand(1))
    with pytest.raises(
        ConfigError, match=r"train.teacher_forcing: expected 0 <= ratio <= 1, .*1.5"
    ):
        m(src, lengths, tgt_in, teacher_forcing=1.5)


# ---- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize("attention", [None, "additive", "general"])
def test_beam_of_one_is_greedy(attention: str | None) -> None:
    m = model(attention=attention, cell="lstm", bidirectional=True).eval()
    src, lengths, _, _ = batch()
    greedy, beam = greedy_decode(m, src, lengths, 6), beam_search(m, src, lengths, 6, 1)
    assert torch.equal(greedy.ids, beam.ids)
    if attention is None:
        assert greedy.attention is None and beam.attention is None
    else:
        assert greedy.attention is not None and beam.attention is not None
        torch.testing.assert_close(greedy.attention, beam.attention)


def trained_reverser(
    length: int, embed_dim: int, hidden_size: int, steps: int
) -> tuple[Seq2Seq, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(model in eval mode, src, lengths, tgt_out) after `steps` Adam steps on 8 strings of
    `length` letters to reverse, with additive attention."""
    data = build_task_data("reverse", length, 8, 0, seed=0)
    b = next(data.batches("train", 8))
    src, lengths = torch.as_tensor(b.src), torch.as_tensor(b.src_lengths)
    tgt_in, tgt_out = torch.as_tensor(b.decoder_inputs), torch.as_tensor(b.decoder_targets)
    torch.manual_seed(0)
    m = Seq2Seq(
        len(data.source_vocab),
        len(data.target_vocab),
        embed_dim=embed_dim,
        hidden_size=hidden_size,
        attention="additive",
    )
    optimiser = torch.optim.Adam(m.parameters(), lr=1e-2)
    for _ in range(steps):
        optimiser.zero_grad()
        sequence_loss(m(src, lengths, tgt_in).logits, tgt_out).backward()
        optimiser.step()
    return m.eval(), src, lengths, tgt_out


def half_trained_reverser() -> tuple[Seq2Seq, torch.Tensor, torch.Tensor]:
    """A model after 20 steps on 8 strings of 3 letters: unsure, so greedy can go wrong."""
    m, src, lengths, _ = trained_reverser(3, embed_dim=8, hidden_size=16, steps=20)
    return m, src, lengths


def log_probs(
    m: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, ids: torch.Tensor
) -> torch.Tensor:
    """log p(y | x) of N targets ids (n, N) (<eos> last) of one source src (S, 1)."""
    N = ids.shape[1]
    tgt_in = torch.cat([torch.full((1, N), BOS_ID), ids[:-1]])  # (n, N)
    logits = m(src.expand(-1, N), lengths.expand(N), tgt_in).logits  # (n, N, V)
    return torch.log_softmax(logits, -1).gather(2, ids.unsqueeze(2)).sum((0, 2))  # (N,)


def best_by_enumeration(
    m: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, max_len: int
) -> tuple[float, list[int]]:
    """(log p, ids) of the likeliest target of at most max_len tokens ending in <eos>."""
    V = m.decoder.out.out_features
    best: tuple[float, list[int]] = (float("-inf"), [])
    for n in range(1, max_len + 1):
        heads = list(itertools.product(range(V), repeat=n - 1))
        ids = torch.tensor([[*head, EOS_ID] for head in heads]).T.reshape(n, -1)  # (n, N)
        scores = log_probs(m, src, lengths, ids)
        i = int(scores.argmax())
        if float(scores[i]) > best[0]:
            best = (float(scores[i]), ids[:, i].tolist())
    return best


def ended(ids: torch.Tensor) -> torch.Tensor:
    return ids[ids != PAD_ID]


def test_a_beam_as_wide_as_every_target_finds_the_likeliest_and_a_narrow_one_helps() -> None:
    m, src, lengths = half_trained_reverser()
    greedy, narrow = greedy_decode(m, src, lengths, 4), beam_search(m, src, lengths, 4, 3)
    wide = beam_search(m, src, lengths, 3, 14**2)  # keeps every target of 3 tokens
    better = []
    with torch.no_grad():
        for b in range(src.shape[1]):
            one = (src[:, b : b + 1], lengths[b : b + 1])
            assert ended(wide.ids[:, b]).tolist() == best_by_enumeration(m, *one, 3)[1]
            g, k = ended(greedy.ids[:, b]), ended(narrow.ids[:, b])
            if g[-1] == EOS_ID and k[-1] == EOS_ID:
                gain = log_probs(m, *one, k.unsqueeze(1)) - log_probs(m, *one, g.unsqueeze(1))
                better.append(float(gain))
    assert better and min(better) >= -1e-5  # never worse than greedy
    assert max(better) > 1e-3  # and better somewhere


def test_greedy_pads_after_eos_and_stops_at_max_len() -> None:
    m = model().eval()
    src, lengths, _, _ = batch()
    ids = greedy_decode(m, src, lengths, 5).ids  # (T <= 5, B)
    assert ids.shape[0] <= 5
    for b in range(3):
        column = ids[:, b].tolist()
        if EOS_ID in column:
            assert all(t == PAD_ID for t in column[column.index(EOS_ID) + 1 :])
    with pytest.raises(ConfigError, match=r"max_len: expected an integer >= 1, received 0"):
        greedy_decode(m, src, lengths, 0)
    with pytest.raises(ConfigError, match=r"beam_size: expected an integer >= 1, received 0"):
        beam_search(m, src, lengths, 5, 0)


# ---- learning -----------------------------------------------------------------------------


@pytest.mark.parametrize("attention", [None, "additive"])
def test_gradients_reach_the_encoder(attention: str | None) -> None:
    m = model(attention=attention, cell="lstm", bidirectional=True)
    src, lengths, tgt_in, tgt_out = batch()
    sequence_loss(m(src, lengths, tgt_in).logits, tgt_out).backward()
    for name, param in m.encoder.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_a_tiny_model_learns_to_reverse_eight_strings() -> None:
    m, src, lengths, tgt_out = trained_reverser(5, embed_dim=16, hidden_size=32, steps=200)
    decoded = greedy_decode(m, src, lengths, 10).ids
    assert torch.equal(decoded, tgt_out)


# ---- bad settings -------------------------------------------------------------------------


def test_bad_settings_are_config_errors_naming_the_field() -> None:
    with pytest.raises(ConfigError, match=r"model.attention dot: the decoder's hidden size \(16\)"):
        model(attention="dot", bidirectional=True)
    with pytest.raises(ConfigError, match=r"model.attention: expected one of additive \| dot"):
        model(attention="cosine")
    with pytest.raises(ConfigError, match=r"model.nonlinearity: cell gru allows tanh, .* 'relu'"):
        model(cell="gru", nonlinearity="relu")
    assert model(cell="rnn", nonlinearity="relu").encoder.rnn.nonlinearity == "relu"
    with pytest.raises(ConfigError, match=r"cell: expected one of rnn \| lstm \| gru"):
        model(cell="transformer")
    with pytest.raises(ConfigError, match=r"cell: expected one of .*, received 'nope'"):
        model(cell="gru", decoder_cell="nope")


# ---- devices ------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_training_and_decoding_run_on_the_device_as_on_the_cpu(device: str) -> None:
    cpu = model(cell="lstm", bidirectional=True, attention="additive", decoder_hidden_size=12)
    here = model(cell="lstm", bidirectional=True, attention="additive", decoder_hidden_size=12)
    here.to(device)
    src, lengths, tgt_in, _ = batch()
    on = {name: t.to(device) for name, t in zip("slio", batch(), strict=True)}
    # lengths on the CPU (as pack_padded_sequence wants them) here, on the device below
    out = here(on["s"], lengths, on["i"], 0.5, torch.Generator().manual_seed(0))
    reference = cpu(src, lengths, tgt_in, 0.5, torch.Generator().manual_seed(0))
    assert out.logits.device.type == device and out.attention is not None
    torch.testing.assert_close(out.logits.cpu(), reference.logits, atol=1e-4, rtol=1e-4)
    sequence_loss(out.logits, on["o"]).backward()
    assert all(p.grad is not None for p in here.encoder.parameters())
    here.eval()
    cpu.eval()
    for decode in (greedy_decode, lambda *a: beam_search(*a, beam_size=3)):
        got, want = decode(here, on["s"], on["l"], 6), decode(cpu, src, lengths, 6)
        assert got.ids.device.type == device and torch.equal(got.ids.cpu(), want.ids)
        assert got.attention is not None and want.attention is not None
        torch.testing.assert_close(got.attention.cpu(), want.attention, atol=1e-4, rtol=1e-4)


def test_options_rebuild_the_same_model_and_the_decoder_takes_its_own_nonlinearity() -> None:
    m = model(cell="rnn", nonlinearity="relu", decoder_cell="gru", attention="general")
    assert m.encoder.rnn.nonlinearity == "relu"  # the GRU decoder keeps its tanh
    twin = Seq2Seq(V, V, **m.options)  # type: ignore[arg-type]
    twin.load_state_dict(m.state_dict())
    src, lengths, tgt_in, _ = batch()
    torch.testing.assert_close(twin(src, lengths, tgt_in).logits, m(src, lengths, tgt_in).logits)
    relu_decoder = model(cell="rnn", nonlinearity="relu")
    assert relu_decoder.decoder.cell.nonlinearity == "relu"  # the same cell: the same f
