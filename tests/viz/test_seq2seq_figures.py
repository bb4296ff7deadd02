"""The attention map of an encoder-decoder: the figure data, its PNG and bad shapes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from rnnlab.data.seq2seq_tasks import build_task_data
from rnnlab.data.vocab import PAD_ID
from rnnlab.errors import DataError
from rnnlab.torch_engine.seq2seq import Seq2Seq
from rnnlab.torch_engine.seq2seq_search import greedy_decode
from rnnlab.viz import render_png
from rnnlab.viz.seq2seq_figures import attention_map


def test_the_map_has_one_row_per_output_and_one_column_per_source_token() -> None:
    weights = [[0.25, 0.75, 0.0], [1.0, 0.0, math.nan]]  # (T = 2, S = 3)
    figure = attention_map(["a", "b", "a"], ["b", "<eos>"], weights)
    assert figure["kind"] == "heatmap" and (figure["zmin"], figure["zmax"]) == (0.0, 1.0)
    assert figure["x"] == [0, 1, 2] and figure["xticklabels"] == ["a", "b", "a"]
    assert figure["y"] == [0, 1] and figure["yticklabels"] == ["b", "<eos>"]
    assert figure["z"] == [[0.25, 0.75, 0.0], [1.0, 0.0, None]]  # not finite: a gap
    json.dumps(figure)


def test_a_decoded_example_draws_as_a_png(tmp_path: Path) -> None:
    data = build_task_data("reverse", 4, 4, 0, seed=0)
    batch = next(data.batches("train", 4))
    torch.manual_seed(0)
    model = Seq2Seq(
        len(data.source_vocab),
        len(data.target_vocab),
        embed_dim=8,
        hidden_size=16,
        attention="additive",
    ).eval()
    decoded = greedy_decode(
        model, torch.as_tensor(batch.src), torch.as_tensor(batch.src_lengths), 5
    )
    assert decoded.attention is not None
    source = data.source_vocab.decode(batch.src[:, 0])
    column = decoded.ids[:, 0]
    output = data.target_vocab.decode(column[column != PAD_ID].numpy())  # up to <eos>
    figure = attention_map(source, output, decoded.attention[: len(output), 0].numpy())
    path = render_png(figure, tmp_path / "attention.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [sum(row) for row in figure["z"]]
    assert all(math.isclose(total, 1.0, rel_tol=1e-5) for total in rows)


def test_weights_of_another_shape_are_refused() -> None:
    with pytest.raises(
        DataError, match=r"attention weights: expected shape \(2, 3\) .* received \(3, 2\)"
    ):
        attention_map(["a", "b", "c"], ["x", "y"], [[0.5, 0.5]] * 3)
