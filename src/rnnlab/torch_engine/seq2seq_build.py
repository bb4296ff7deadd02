r"""An encoder-decoder from a ``task: seq2seq`` RunConfig, and its gradient-flow probe.

``seq2seq_from_config`` maps the config onto ``Seq2Seq``: model.cell (encoder),
model.decoder_cell (null: the encoder's), embedding.dim (both embeddings),
model.hidden_size, num_layers, bidirectional, dropout, nonlinearity and model.attention
(none: the final state only). The weights are torch.nn's initialisation (a cell without
a torch.nn form: its Params' inits, U(-1/sqrt(H), 1/sqrt(H)), ones or zeros) drawn after
``torch.manual_seed(train.seed)``; embedding.init xavier then redraws both embeddings
U(-a, a), a = sqrt(6 / (V + d)), with the <pad> row at zero (random keeps N(0, 1)).

The probe (``seq2seq_gradient_flow``) measures dL/dh per time step of both halves on one
training batch, with teacher forcing 1 and no dropout: the encoder's layers are stepped
one time step at a time on the model's own weights (``probe.native_direction``, or
``probe.cell_direction`` through the cell's own ``step`` for a cell without a torch.nn
form; every h_j retaining its gradient: dL/dh_j in total, from the memory the attention
reads, from step j+1 and, at the end, through the bridge), and the decoder's states s_t
keep theirs:

    encoder: norms[j] = mean_b ||dL/dh_j||    j = 1 .. S  (sources inside their length)
    decoder: norms[t] = mean_b ||dL/ds_t||    t = 1 .. T  (targets inside their length)

The payload is ``rnnlab.probes``' gradient_flow with one series per encoder layer and
direction (direction "encoder", or "encoder-backward" for the reverse one of a
bidirectional encoder) and one for the decoder (layer 0, direction "decoder");
``time_steps`` is the longer of S and T.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnlab import cells
from rnnlab.data.vocab import PAD_ID
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine.probe import Direction, cell_direction, histogram, native_direction
from rnnlab.torch_engine.seq2seq import Encoded, Seq2Seq, sequence_loss
from rnnlab.torch_engine.seq2seq_cells import layer_states

ENCODER, ENCODER_BACKWARD, DECODER = "encoder", "encoder-backward", "decoder"


def seq2seq_options(config: RunConfig) -> dict[str, Any]:
    """The keyword arguments of ``Seq2Seq`` that `config` asks for."""
    model = config.model
    return {
        "cell": model.cell,
        "decoder_cell": model.decoder_cell,
        "embed_dim": config.embedding.dim,
        "hidden_size": model.hidden_size,
        "num_layers": model.num_layers,
        "bidirectional": model.bidirectional,
        "attention": None if model.attention == "none" else model.attention,
        "dropout": model.dropout,
        "nonlinearity": model.nonlinearity,
    }


def seq2seq_from_config(config: RunConfig, source_vocab: int, target_vocab: int) -> Seq2Seq:
    """The seeded initial model of `config` (see the module docstring)."""
    torch.manual_seed(config.train.seed)
    model = Seq2Seq(source_vocab, target_vocab, **seq2seq_options(config))
    if config.embedding.init == "xavier":
        with torch.no_grad():
            for table in (model.encoder.embedding, model.decoder.embedding):
                nn.init.xavier_uniform_(table.weight)
                table.weight[PAD_ID].zero_()
    return model


def _unrolled_encoder(
    model: Seq2Seq, weights: dict[str, Tensor], src: Tensor, lengths: Tensor
) -> tuple[Tensor, tuple[Tensor, Tensor | None], list[Direction]]:
    """(memory (S, B, D H), top layer's final (h, c|None) as the Encoder gives them, one
    record per layer and direction) of the encoder on `weights`, stepped in time."""
    encoder = model.encoder
    rnn, cell = encoder.rnn, cells.get(model.options["cell"])
    shim = SimpleNamespace(cell_type=cell, rnn=rnn)  # what the direction steppers read
    native = cell.torch_native is not None
    run = native_direction if native else cell_direction
    x = nn.functional.embedding(src, weights["encoder.embedding.weight"])  # (S, B, E)
    S, B = src.shape
    inside = (torch.arange(S, device=src.device)[:, None] < lengths.to(src.device)[None])[
        :, :, None
    ]  # (S, B, 1)
    records: list[Direction] = []
    finals: list[tuple[Tensor, ...]] = []
    dirs, H = encoder.directions, rnn.hidden_size
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            p = {
                q.stem: weights[f"encoder.rnn.{q.name(layer, bool(direction))}"]
                for q in cell.params
            }
            zeros = x.new_zeros(B, H)
            state = (zeros, zeros) if cell.has_cell_state else (zeros,)
            records.append(Direction(f"encoder.rnn.weight_hh{sfx}" if native else None))
            finals.append(run(shim, x, state, inside, p, records[-1], bool(direction)))
            outputs.append(torch.stack(records[-1].hs) * inside)  # (S, B, H)
        x = torch.cat(outputs, dim=2) if dirs == 2 else outputs[0]
    top = finals[-dirs:]
    h = torch.cat([f[0] for f in top], dim=1)  # (B, D H)
    c = torch.cat([f[1] for f in top], dim=1) if cell.has_cell_state else None
    return x, (h, c), records


def seq2seq_gradient_flow(
    model: Seq2Seq, src: Tensor, lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor, step: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(gradient_flow payload, histograms payload) of the loss on one batch."""
    originals = dict(model.named_parameters())
    names = list(originals)
    weights = {n: p.detach().requires_grad_() for n, p in originals.items()}
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad(), _swapped(model, weights):
            memory, final, records = _unrolled_encoder(model, weights, src, lengths)
            enc = model.encoded(memory, final, src, lengths)
            states, logits = _teacher_forced(model, enc, tgt_in)
            sequence_loss(torch.stack(logits), tgt_out).backward()
    finally:
        model.train(was_training)
    grads = {n: _grad(weights[n]) for n in names}
    grads |= {r.W_hh: r.d_W_hh() for r in records if r.W_hh is not None}  # entered detached
    flow = {
        "step": step,
        "time_steps": int(max(src.shape[0], tgt_in.shape[0])),
        "series": _series(model, records, states, src, lengths, tgt_out),
        "param_norms": {n: float(g.norm()) for n, g in grads.items()},
    }
    hist = {
        "step": step,
        "params": {n: histogram(w.detach()) for n, w in weights.items()},
        "grads": {n: histogram(g) for n, g in grads.items()},
    }
    return flow, hist


@contextlib.contextmanager
def _swapped(model: nn.Module, weights: dict[str, Tensor]) -> Iterator[None]:
    """Within the block the model's parameters are the probe's leaf copies (so the
    decoder's modules compute on them); the originals are put back after."""
    saved = dict(model.named_parameters())
    for name, tensor in weights.items():
        _set(model, name, tensor)
    try:
        yield
    finally:
        for name, param in saved.items():
            _set(model, name, param)


def _set(model: nn.Module, name: str, value: Tensor) -> None:
    """The parameter `name` of `model` set to `value` (a plain tensor: for the probe's
    pass only; modules read their parameters from this dict when they compute)."""
    owner_name, _, leaf = name.rpartition(".")
    model.get_submodule(owner_name)._parameters[leaf] = value  # type: ignore[assignment]


def _teacher_forced(
    model: Seq2Seq, enc: Encoded, tgt_in: Tensor
) -> tuple[list[Tensor], list[Tensor]]:
    """(s_t per step, each retaining its gradient; logits per step) reading the truth."""
    state, states, logits = enc.state, [], []
    for t in range(tgt_in.shape[0]):
        step_logits, state, _ = model.decoder.step(tgt_in[t], state, enc)
        state[0].retain_grad()
        states.append(state[0])  # (B, H_d)
        logits.append(step_logits)  # (B, V_y)
    return states, logits


def _mean_norms(hs: list[Tensor], inside: Tensor) -> list[float | None]:
    """mean over the examples inside their length of ||dL/dh_t||, per step."""
    norms = torch.stack([_grad(h).norm(dim=1) for h in hs])  # (T, B)
    counts = inside.sum(dim=1)  # (T,)
    means = (norms * inside).sum(dim=1) / counts.clamp(min=1)
    return [float(m) if int(n) > 0 else None for m, n in zip(means, counts, strict=True)]


def _series(
    model: Seq2Seq,
    records: list[Direction],
    states: list[Tensor],
    src: Tensor,
    lengths: Tensor,
    tgt_out: Tensor,
) -> list[dict[str, Any]]:
    S = src.shape[0]
    src_inside = torch.arange(S, device=src.device)[:, None] < lengths.to(src.device)[None]
    dirs = model.encoder.directions
    series = [
        {
            "layer": index // dirs,
            "direction": ENCODER_BACKWARD if index % dirs else ENCODER,
            "norms": _mean_norms(record.hs, src_inside),
        }
        for index, record in enumerate(records)
    ]
    tgt_inside = tgt_out != PAD_ID  # (T, B)
    series.append({"layer": 0, "direction": DECODER, "norms": _mean_norms(states, tgt_inside)})
    return series


def _grad(tensor: Tensor) -> Tensor:
    return tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)


@torch.no_grad()
def encoder_states(model: Seq2Seq, x: Any, tokens: list[str]) -> dict[str, Any]:
    """The ``states`` probe payload (``rnnlab.probes``) of the encoder over one source of
    ids x (S,) or (S, 1): h_j per layer and direction (no gates: torch.nn's fused modules
    do not hand them out, and every cell is shown alike)."""
    encoder = model.encoder
    rnn, dirs = encoder.rnn, encoder.directions
    device = next(model.parameters()).device
    src = torch.as_tensor(np.asarray(x).reshape(-1, 1), device=device).long()  # (S, 1)
    layer_input = encoder.embedding(src)  # (S, 1, E)
    layers = []
    for layer in range(rnn.num_layers):
        outputs = [layer_states(rnn, layer_input, layer, d) for d in range(dirs)]
        for direction, out in enumerate(outputs):  # (S, 1, H) each
            rows = out[:, 0].double().cpu().tolist()
            name = "backward" if direction else "forward"
            layers.append({"layer": layer, "direction": name, "h": rows, "gates": {}})
        layer_input = torch.cat(outputs, dim=2) if dirs == 2 else outputs[0]
    return {"tokens": list(tokens), "cell": model.options["cell"], "layers": layers}
