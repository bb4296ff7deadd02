"""The checks of a ``task: seq2seq`` config (and of the seq2seq-only fields elsewhere).

``RunConfig`` calls ``seq2seq_problem`` once it is built; each problem is one sentence
naming the dotted field, what it expects and what it received.

- train.engine: the encoder-decoder runs on the torch engine only (the NumPy reference
  engine has no decoder, attention or search), so ``engine: numpy`` is refused.
- model.cell and model.decoder_cell: any registered cell (``rnnlab.cells``); the encoder
  and the decoder run on torch.nn's modules where the cell has one, else on the cell's
  own torch ``sequence`` / ``step``. model.decoder_cell null means "the same as
  model.cell".
- model.attention: none | additive | dot | general. ``dot`` scores s_{t-1} . h_j, so it
  needs the decoder's state as wide as a memory vector: a bidirectional encoder (memory
  2 H) is refused with dot.
- model.init / model.forget_bias: the default initialisation (torch.nn's, or the
  registered cell's own Param inits) and 0 only.
- embedding.init: the embeddings are the model's own (one table per side when the
  vocabularies differ), initialised xavier or random (N(0, 1)); pretrained and corpus
  inits (file:, ppmi-svd, word2vec, onehot ...) are refused.
- data.format: a seq2seq data path is a TSV (or ``seq2seq:TASK``); other formats refused.

Other tasks: model.decoder_cell, data.max_target_len must stay null, model.attention at
its default and train.teacher_forcing at 1 (they mean nothing without a decoder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlab import cells
from rnnlab.spec.io import short_repr

if TYPE_CHECKING:
    from rnnlab.spec.run import RunConfig

SOURCE_COLUMN, TARGET_COLUMN = "source", "target"  # data.source_column / target_column
ATTENTIONS = ("none", "additive", "dot", "general")
DEFAULT_ATTENTION = "additive"
SEQ2SEQ_EMBEDDING_INITS = ("xavier", "random")


def _cell_problem(field: str, name: str) -> str | None:
    if name not in cells.names():
        return f"{field}: expected one of {' | '.join(cells.names())}, received {short_repr(name)}"
    return None


def seq2seq_problem(config: RunConfig) -> str | None:
    """The first problem of `config`'s seq2seq fields, or None."""
    if config.task != "seq2seq":
        return _other_task_problem(config)
    if config.train.engine != "torch":
        return (
            f"train.engine: task seq2seq runs on the torch engine only (the numpy engine has "
            f"no decoder); expected torch, received {config.train.engine!r}"
        )
    decoder = config.model.decoder_cell
    problem = _cell_problem("model.cell", config.model.cell)
    if problem is None and decoder is not None:
        problem = _cell_problem("model.decoder_cell", decoder)
    if problem is not None:
        return problem
    if config.model.attention == "dot" and config.model.bidirectional:
        return (
            "model.attention: dot scores the decoder state against memory vectors of the "
            "same width, but a bidirectional encoder's are twice as wide; expected additive "
            "or general with model.bidirectional true, received 'dot'"
        )
    if config.model.init != "default" or config.model.forget_bias != 0.0:
        return (
            f"model.init: task seq2seq starts from torch.nn's own initialisation; expected "
            f"init default and forget_bias 0, received init {config.model.init!r}, "
            f"forget_bias {config.model.forget_bias}"
        )
    if config.embedding.init not in SEQ2SEQ_EMBEDDING_INITS:
        return (
            f"embedding.init: task seq2seq learns its own embeddings; expected "
            f"{' | '.join(SEQ2SEQ_EMBEDDING_INITS)}, received {config.embedding.init!r}"
        )
    return _data_problem(config)


def _data_problem(config: RunConfig) -> str | None:
    data = config.data
    if data.format not in (None, "tsv"):
        return f"data.format: task seq2seq reads tsv; received {data.format!r}"
    if data.source_column == data.target_column:
        return (
            f"data.target_column: expected a column other than data.source_column "
            f"{data.source_column!r}, received the same"
        )
    if data.max_length is not None:
        return (
            f"data.max_length: task tag's limit; task seq2seq limits targets with "
            f"data.max_target_len, expected null, received {data.max_length}"
        )
    return None


def _other_task_problem(config: RunConfig) -> str | None:
    task = config.task
    if config.model.decoder_cell is not None:
        return f"model.decoder_cell: only task seq2seq has a decoder; expected null for {task}"
    if config.model.attention != DEFAULT_ATTENTION:
        return (
            f"model.attention: only task seq2seq attends; expected the default "
            f"{DEFAULT_ATTENTION} for {task}, received {config.model.attention!r}"
        )
    if config.train.teacher_forcing != 1.0:
        return (
            f"train.teacher_forcing: only task seq2seq has a decoder; expected 1.0 for "
            f"{task}, received {config.train.teacher_forcing}"
        )
    if config.data.max_target_len is not None:
        return f"data.max_target_len: only task seq2seq has targets; expected null for {task}"
    return None
