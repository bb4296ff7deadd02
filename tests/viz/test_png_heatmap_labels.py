"""render_png's heatmaps label their rows with yticklabels when a figure has them (the
output tokens of an attention map), else with the y values."""

from __future__ import annotations

import matplotlib.pyplot as plt

from rnnlab.viz.png import _heat  # the renderer sets the Agg backend
from rnnlab.viz.seq2seq_figures import attention_map


def _row_labels(figure: dict) -> list[str]:
    fig = plt.figure()
    ax = fig.add_subplot()
    _heat(fig, ax, figure)
    labels = [label.get_text() for label in ax.get_yticklabels()]
    plt.close(fig)
    return labels


def test_an_attention_map_labels_rows_with_the_output_tokens() -> None:
    figure = attention_map(["a", "b"], ["x", "y", "z"], [[1, 0], [0.5, 0.5], [0, 1]])
    assert _row_labels(figure) == ["x", "y", "z"]


def test_a_heatmap_without_yticklabels_shows_its_y_values() -> None:
    figure = {"kind": "heatmap", "x": [1, 2], "y": [10, 20], "z": [[0.0, 1.0], [1.0, 0.0]]}
    assert _row_labels(figure) == ["10", "20"]


def _inverted(figure: dict) -> bool:
    fig = plt.figure()
    ax = fig.add_subplot()
    _heat(fig, ax, figure)
    inverted = ax.yaxis_inverted()
    plt.close(fig)
    return inverted


def test_an_attention_map_puts_the_first_output_on_top() -> None:
    figure = attention_map(["a", "b"], ["x", "y"], [[1, 0], [0, 1]])
    assert figure["rows_down"] is True and _inverted(figure)


def test_other_heatmaps_keep_row_zero_at_the_bottom() -> None:
    figure = {"kind": "heatmap", "x": [1, 2], "y": [10, 20], "z": [[0.0, 1.0], [1.0, 0.0]]}
    assert not _inverted(figure)
