"""The encoder-decoder from a run config, and its gradient-flow probe against autograd on
the model itself (the probe steps the encoder by hand on the same weights)."""

from __future__ import annotations

import pytest
import torch

from rnnlab.data.seq2seq_tasks import build_task_data
from rnnlab.probes import check_payload
from rnnlab.spec.run import parse_run_config
from rnnlab.torch_engine.seq2seq import sequence_loss
from rnnlab.torch_engine.seq2seq_build import seq2seq_from_config, seq2seq_gradient_flow
from rnnlab.train.seq2seq_eval import batch_tensors


def config(**model: object):
    return parse_run_config(
        {
            "task": "seq2seq",
            "data": {"path": "seq2seq:reverse?size=4"},
            "embedding": {"dim": 6},
            "model": {"hidden_size": 5, **model},
        }
    )


def test_the_config_sets_the_model() -> None:
    model = seq2seq_from_config(
        config(cell="gru", decoder_cell="lstm", attention="none", num_layers=2), 9, 7
    )
    assert model.options["cell"] == "gru" and model.options["decoder_cell"] == "lstm"
    assert model.options["attention"] is None and model.encoder.rnn.num_layers == 2
    assert isinstance(model.decoder.cell, torch.nn.LSTMCell)
    assert model.encoder.embedding.weight.shape == (9, 6)
    assert model.decoder.embedding.weight[0].abs().sum() == 0  # <pad> row of xavier


def test_the_same_seed_gives_the_same_weights() -> None:
    a, b = (seq2seq_from_config(config(), 9, 9) for _ in range(2))
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name


@pytest.mark.parametrize(
    "model",
    [
        {"cell": "gru"},
        {"cell": "lstm", "bidirectional": True, "num_layers": 2, "attention": "general"},
        {"cell": "rnn", "nonlinearity": "relu", "attention": "none", "decoder_cell": "gru"},
        {"cell": "mingru", "decoder_cell": "lstm-ln", "bidirectional": True, "num_layers": 2},
        {"cell": "lstm-ln", "decoder_cell": "minlstm", "attention": "none"},
    ],
    ids=[
        "gru-additive",
        "lstm-bi-2-general",
        "rnn-relu-none-gru",
        "mingru-bi-2-additive-lstm-ln",
        "lstm-ln-none-minlstm",
    ],
)
def test_probe_gradients_equal_autograd_on_the_model(model: dict) -> None:
    data = build_task_data("reverse", 4, 12, 0, seed=0)
    # ragged sources: cut two of them short, so lengths and masks matter
    pairs = data.pairs("train")
    pairs[1] = (pairs[1][0][:2], pairs[1][1][:2])
    pairs[2] = (pairs[2][0][:1], pairs[2][1][:1])
    batch = next(data.batches("train", 6))
    net = seq2seq_from_config(config(**model), len(data.source_vocab), len(data.target_vocab))
    net = net.double()
    src, lengths, tgt_in, tgt_out = batch_tensors(batch, "cpu")
    flow, hist = seq2seq_gradient_flow(net, src, lengths, tgt_in, tgt_out, step=7)
    check_payload("gradient_flow", flow)
    assert all(p.grad is None for p in net.parameters())  # the model's own untouched
    net.eval()
    sequence_loss(net(src, lengths, tgt_in).logits, tgt_out).backward()
    for name, param in net.named_parameters():
        assert flow["param_norms"][name] == pytest.approx(float(param.grad.norm()), rel=1e-9), name
    dirs = 2 if model.get("bidirectional") else 1
    layers = model.get("num_layers", 1)
    names = [s["direction"] for s in flow["series"]]
    assert names == ["encoder", "encoder-backward"][:dirs] * layers + ["decoder"]
    assert len(flow["series"][0]["norms"]) == src.shape[0]
    assert len(flow["series"][-1]["norms"]) == tgt_in.shape[0]
    assert all(n is not None and n > 0 for s in flow["series"] for n in s["norms"])
    assert flow["step"] == 7 and set(hist["grads"]) == set(flow["param_norms"])


def test_probe_leaves_the_model_as_it_was() -> None:
    data = build_task_data("reverse", 3, 4, 0, seed=0)
    net = seq2seq_from_config(config(), len(data.source_vocab), len(data.target_vocab))
    before = {n: p for n, p in net.named_parameters()}
    net.train()
    seq2seq_gradient_flow(net, *batch_tensors(next(data.batches("train", 4)), "cpu"), step=1)
    assert net.training
    assert all(p is before[n] for n, p in net.named_parameters())
    assert all(isinstance(p, torch.nn.Parameter) for p in net.parameters())


@pytest.mark.parametrize("cell", ["lstm", "lstm-ln", "mingru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_encoder_states_are_the_encoders_outputs(bidirectional: bool, cell: str) -> None:
    from rnnlab.torch_engine.seq2seq_build import encoder_states

    net = seq2seq_from_config(
        config(cell=cell, num_layers=2, bidirectional=bidirectional, attention="general"), 9, 9
    ).eval()
    ids = torch.tensor([4, 5, 6, 7, 4])
    payload = encoder_states(net, ids.numpy(), list("abcda"))
    check_payload("states", payload)
    memory, _ = net.encoder(ids.reshape(-1, 1), torch.tensor([5]))  # (S, 1, D H)
    top = [layer["h"] for layer in payload["layers"] if layer["layer"] == 1]
    expected = torch.cat([torch.tensor(h) for h in top], dim=1)  # (S, D H)
    torch.testing.assert_close(expected.float(), memory[:, 0], atol=1e-6, rtol=1e-5)
    assert payload["cell"] == cell and len(payload["layers"]) == 2 * (1 + bidirectional)


def test_the_encoders_last_step_gradient_is_the_final_states() -> None:
    """Without attention the decoder reads the source only through h_S: the probe's
    dL/dh_S is the gradient of the loss with respect to the encoder's final state."""
    data = build_task_data("reverse", 4, 8, 0, seed=1)
    net = seq2seq_from_config(config(attention="none"), len(data.source_vocab), 14).double()
    src, lengths, tgt_in, tgt_out = batch_tensors(next(data.batches("train", 8)), "cpu")
    flow, _ = seq2seq_gradient_flow(net, src, lengths, tgt_in, tgt_out, step=1)
    kept = {}

    def keep(module, inputs, output):  # (memory, (h, c)): keep h's gradient
        output[1][0].retain_grad()
        kept["h"] = output[1][0]

    net.eval()
    handle = net.encoder.register_forward_hook(keep)
    sequence_loss(net(src, lengths, tgt_in).logits, tgt_out).backward()
    handle.remove()
    expected = float(kept["h"].grad.norm(dim=1).mean())
    assert flow["series"][0]["norms"][-1] == pytest.approx(expected, rel=1e-9)
