r"""Encoder-decoder (sequence to sequence) with optional attention, on any registered cell.

Source x_1 .. x_S, target y_1 .. y_n; the decoder reads <bos> y_1 .. y_n and predicts
y_1 .. y_n <eos> (teacher forcing), or its own previous prediction (free running).

Encoder: an embedding and a (stacked, optionally bidirectional) layer of the cell
(``seq2seq_cells``: nn.RNN / nn.LSTM / nn.GRU run packed where the registry names a
torch.nn form, ``torch_native``, else the cell's own CellRecurrent, masked by the
lengths). Its outputs are the memory h_1 .. h_S (size M = D H_e, D = 2 when
bidirectional, else 1; for a bidirectional encoder h_j = [fwd h_j; bwd h_j]).

Bridge, from the encoder's final state to the decoder's initial state s_0 (top layer):

.. math::

    s_0 = \overrightarrow{h}_S                                   \text{(one direction, H_d = H_e)}
    s_0 = \tanh(W_b [\overrightarrow{h}_S; \overleftarrow{h}_1] + b_b)  \text{(otherwise)}

\overrightarrow{h}_S is the forward direction's state after the last real source token,
\overleftarrow{h}_1 the backward direction's state after reading back to the first
token (both are what the layer returns as h_n for a batch of these lengths); W_b is
H_d x (D H_e) and b_b its bias (the second form also serves a one-direction encoder
whose H_e differs from H_d). A decoder with a cell state (LSTM, LN-LSTM) starts from
c_0 = W_c [fwd c_S; bwd c_1] + b_c (no squashing: c is unbounded), or from c_0 = c_S
directly when no bridge is needed, or from zeros when the encoder has no cell state (a
decoder without one takes s_0 alone: an LSTM encoder's c goes nowhere).

Decoder: one layer of the decoder cell, stepped (nn.RNNCell / nn.LSTMCell / nn.GRUCell,
else the cell's own ``step`` in ``seq2seq_cells.CellStep``), looped over target steps
t = 1 .. T. With attention (``seq2seq_attention``) the query is the state before the
step, s_{t-1} (Bahdanau's placement, used for every score kind; Luong et al. query with
s_t after the step), and the context enters both the cell and the output layer:

.. math::

    c_t, a_t = \mathrm{attend}(s_{t-1}, h_{1..S})
    s_t = \mathrm{cell}([E y_{t-1}; c_t], s_{t-1})
    o_t = W_o [s_t; c_t] + b_o \qquad p(y_t | y_{<t}, x) = \mathrm{softmax}(o_t)

Without attention c_t is left out: s_t = cell(E y_{t-1}, s_{t-1}), o_t = W_o s_t + b_o.
E is the decoder's embedding (V_y x E_d rows), y_0 = <bos>; W_o is V_y x (H_d + M) (or
V_y x H_d), a_t the S attention weights of step t (zero on padding, summing to 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnlab import cells
from rnnlab.data.seq2seq import BOS_ID, EOS_ID
from rnnlab.data.vocab import PAD_ID
from rnnlab.errors import ConfigError
from rnnlab.torch_engine.cell_layer import recurrent_stack, run_over_lengths
from rnnlab.torch_engine.seq2seq_attention import attend, make_attention
from rnnlab.torch_engine.seq2seq_cells import (
    checked_cell,
    decoder_cell,
    decoder_step,
)

State = tuple[torch.Tensor, torch.Tensor | None]  # (h (B, H), c (B, H) or None)


@dataclass(frozen=True)
class Encoded:
    """What the decoder reads: memory (S, B, M), mask (S, B) True on real positions,
    keys (S, B, K) of the attention (None without), and the initial state s_0."""

    memory: torch.Tensor
    mask: torch.Tensor
    keys: torch.Tensor | None
    state: State

    def select(self, index: torch.Tensor) -> Encoded:
        """The examples `index` (B',) of the batch, e.g. one source repeated for a beam."""
        h, c = self.state
        return Encoded(
            memory=self.memory[:, index],
            mask=self.mask[:, index],
            keys=None if self.keys is None else self.keys[:, index],
            state=(h[index], None if c is None else c[index]),
        )


@dataclass(frozen=True)
class Seq2SeqOutput:
    logits: torch.Tensor  # (T, B, V_y)
    attention: torch.Tensor | None  # (T, B, S): target steps x source steps, per example


class Encoder(nn.Module):
    """Embedding -> the cell's stack (``cell_layer.recurrent_stack``), by the lengths."""

    def __init__(
        self,
        cell: str,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        cell_type = checked_cell(cell, nonlinearity)
        self.has_cell_state = cell_type.has_cell_state
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.rnn = recurrent_stack(
            cell_type, embed_dim, hidden_size, num_layers, bidirectional, dropout, nonlinearity
        )
        self.directions = 2 if bidirectional else 1
        self.output_size = self.directions * hidden_size

    def forward(self, src: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, State]:
        """memory (S, B, D H_e) and the top layer's final (h, c|None), each (B, D H_e)."""
        memory, state_n = run_over_lengths(
            self.rnn, self.embedding(src), None, lengths
        )  # (S, B, M)
        h_n, c_n = state_n if isinstance(state_n, tuple) else (state_n, None)  # (L D, B, H_e)
        top = slice(-self.directions, None)
        h = torch.cat(list(h_n[top]), dim=1)  # (B, D H_e)  [fwd h_S; bwd h_1]
        c = None if c_n is None else torch.cat(list(c_n[top]), dim=1)  # (B, D H_e)
        return memory, (h, c)


class Bridge(nn.Module):
    """Encoder final state (B, D H_e) -> decoder initial state (B, H_d) (module docstring)."""

    def __init__(self, encoder: Encoder, hidden_size: int, decoder_cell_state: bool) -> None:
        super().__init__()
        self.identity = encoder.directions == 1 and encoder.output_size == hidden_size
        size = encoder.output_size
        self.W_b = None if self.identity else nn.Linear(size, hidden_size)
        self.carry_c = decoder_cell_state and encoder.has_cell_state
        self.W_c = nn.Linear(size, hidden_size) if self.carry_c and not self.identity else None
        self.decoder_cell_state, self.hidden_size = decoder_cell_state, hidden_size

    def forward(self, state: State) -> State:
        h, c = state
        s0 = h if self.W_b is None else torch.tanh(self.W_b(h))  # (B, H_d)
        if not self.decoder_cell_state:
            return s0, None
        if not self.carry_c or c is None:
            return s0, torch.zeros_like(s0)  # (B, H_d)
        return s0, (c if self.W_c is None else self.W_c(c))  # (B, H_d)


class Decoder(nn.Module):
    """One cell looped over target steps, with optional attention (module docstring)."""

    def __init__(
        self,
        cell: str,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        memory_size: int,
        attention: str | None = None,
        attention_size: int | None = None,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        cell_type = checked_cell(cell, nonlinearity)
        self.has_cell_state = cell_type.has_cell_state
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.attention = make_attention(attention, hidden_size, memory_size, attention_size)
        context = memory_size if self.attention is not None else 0
        self.cell = decoder_cell(cell_type, embed_dim + context, hidden_size, nonlinearity)
        self.out = nn.Linear(hidden_size + context, vocab_size)

    def step(
        self, y_prev: torch.Tensor, state: State, enc: Encoded
    ) -> tuple[torch.Tensor, State, torch.Tensor | None]:
        """One step: y_{t-1} (B,) ids, s_{t-1} -> logits o_t (B, V_y), s_t, a_t (B, S)|None."""
        x = self.embedding(y_prev)  # (B, E_d)
        h, c = state
        weights = None
        if self.attention is not None:
            assert enc.keys is not None
            context, weights = attend(self.attention, h, enc.keys, enc.memory, enc.mask)
            x = torch.cat([x, context], dim=1)  # (B, E_d + M)
        h, c = decoder_step(self.cell, x, h, c if self.has_cell_state else None)  # (B, H_d)
        features = h if weights is None else torch.cat([h, context], dim=1)  # (B, H_d [+ M])
        return self.out(features), (h, c), weights


class Seq2Seq(nn.Module):
    """Encoder, bridge and decoder; ``forward`` trains, ``seq2seq_search`` decodes.

    decoder_cell, decoder_hidden_size: the encoder's by default. nonlinearity is the
    encoder's (and the decoder's when it is the same cell); decoder_nonlinearity
    otherwise, else that cell's default. ``options`` holds every keyword given, so
    ``Seq2Seq(V_x, V_y, **model.options)`` rebuilds the same structure (a checkpoint's
    JSON config).
    """

    def __init__(
        self,
        source_vocab_size: int,
        target_vocab_size: int,
        *,
        cell: str = "gru",
        decoder_cell: str | None = None,
        embed_dim: int = 32,
        hidden_size: int = 64,
        decoder_hidden_size: int | None = None,
        num_layers: int = 1,
        bidirectional: bool = False,
        attention: str | None = None,
        attention_size: int | None = None,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        decoder_nonlinearity: str | None = None,
    ) -> None:
        super().__init__()
        self.options = {
            "cell": cell,
            "decoder_cell": decoder_cell,
            "embed_dim": embed_dim,
            "hidden_size": hidden_size,
            "decoder_hidden_size": decoder_hidden_size,
            "num_layers": num_layers,
            "bidirectional": bidirectional,
            "attention": attention,
            "attention_size": attention_size,
            "dropout": dropout,
            "nonlinearity": nonlinearity,
            "decoder_nonlinearity": decoder_nonlinearity,
        }
        decoder_cell = decoder_cell or cell
        H_d = decoder_hidden_size or hidden_size
        if decoder_nonlinearity is None:
            same = decoder_cell == cell
            decoder_nonlinearity = (
                nonlinearity if same else cells.get(decoder_cell).nonlinearities[0]
            )
        self.encoder = Encoder(
            cell,
            source_vocab_size,
            embed_dim,
            hidden_size,
            num_layers,
            bidirectional,
            dropout,
            nonlinearity,
        )
        self.decoder = Decoder(
            decoder_cell,
            target_vocab_size,
            embed_dim,
            H_d,
            self.encoder.output_size,
            attention,
            attention_size,
            decoder_nonlinearity,
        )
        self.bridge = Bridge(self.encoder, H_d, self.decoder.has_cell_state)
        self.bos_id, self.eos_id, self.pad_id = BOS_ID, EOS_ID, PAD_ID

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor) -> Encoded:
        """src (S, B) ids, src_lengths (B,) -> what every decoder step reads."""
        memory, final = self.encoder(src, src_lengths)  # (S, B, M)
        return self.encoded(memory, final, src, src_lengths)

    def encoded(
        self, memory: torch.Tensor, final: State, src: torch.Tensor, src_lengths: torch.Tensor
    ) -> Encoded:
        """What every decoder step reads from the encoder's memory (S, B, M) and final
        state: the source mask, the attention's keys and the bridged initial state."""
        positions = torch.arange(src.shape[0], device=src.device).unsqueeze(1)  # (S, 1)
        mask = positions < src_lengths.to(src.device).unsqueeze(0)  # (S, B)
        attention = self.decoder.attention
        keys = None if attention is None else attention.keys(memory)  # (S, B, K)
        return Encoded(memory=memory, mask=mask, keys=keys, state=self.bridge(final))

    def forward(
        self,
        src: torch.Tensor,
        src_lengths: torch.Tensor,
        tgt_in: torch.Tensor,
        teacher_forcing: float = 1.0,
        generator: torch.Generator | None = None,
        use_truth: torch.Tensor | None = None,
    ) -> Seq2SeqOutput:
        """Logits for every target step; tgt_in (T, B) = <bos> y_1 .. (``decoder_inputs``).

        teacher_forcing: the chance that step t > 1 reads the true y_{t-1} rather than the
        model's own argmax prediction (drawn per example and step from `generator`); 1
        always reads the truth, 0 never does (free running, as at prediction).
        use_truth: those draws (T, B) bool made by the caller instead (a data-parallel
        rank takes its columns of the draws for the whole batch, ``teacher_forcing_draws``).
        """
        if not 0.0 <= teacher_forcing <= 1.0:
            raise ConfigError(
                f"train.teacher_forcing: expected 0 <= ratio <= 1, received {teacher_forcing}"
            )
        enc = self.encode(src, src_lengths)
        T, B = tgt_in.shape
        if use_truth is None:
            use_truth = teacher_forcing_draws(teacher_forcing, T, B, generator)  # (T, B)
        use_truth = use_truth.to(tgt_in.device)
        state, y_prev = enc.state, tgt_in[0]  # y_0 = <bos>
        logits, weights = [], []
        for t in range(T):
            if t > 0 and teacher_forcing >= 1.0:
                y_prev = tgt_in[t]
            elif t > 0:
                guess = logits[-1].argmax(-1)  # (B,) no gradient through argmax
                y_prev = torch.where(use_truth[t], tgt_in[t], guess)
            step_logits, state, step_weights = self.decoder.step(y_prev, state, enc)
            logits.append(step_logits)  # (B, V_y)
            if step_weights is not None:
                weights.append(step_weights)  # (B, S)
        attention = torch.stack(weights) if weights else None  # (T, B, S)
        return Seq2SeqOutput(logits=torch.stack(logits), attention=attention)


def teacher_forcing_draws(
    teacher_forcing: float, T: int, B: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """(T, B) bool, True where a decoder step reads the true previous token: drawn from
    `generator` with chance `teacher_forcing` (only when 0 < teacher_forcing < 1, so that
    1 and 0 leave the generator alone), on the CPU."""
    if 0.0 < teacher_forcing < 1.0:
        return torch.rand((T, B), generator=generator) < teacher_forcing  # (T, B)
    return torch.full((T, B), teacher_forcing == 1.0)  # (T, B)


def sequence_loss(
    logits: torch.Tensor, targets: torch.Tensor, pad_id: int = PAD_ID
) -> torch.Tensor:
    """Mean cross-entropy over the target tokens that are not padding: logits (T, B, V),
    targets (T, B) (``decoder_targets``: y_1 .. y_n <eos> <pad> ...)."""
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id
    )
