"""Figure use cases over stored runs, and the long-range lab."""

from __future__ import annotations

import json
import math

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, DataError
from tests.service.conftest import config_path

PROBING = ["model.hidden_size=8", "embedding.dim=8", "train.probe_every=2"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    made = {
        "sentiment": service.train(
            config_path("sentiment"),
            [*PROBING, "train.batch_size=128", "train.epochs=2"],
            home=home,
        ),
        "forecast": service.train(config_path("forecast"), [*PROBING, "train.epochs=2"], home=home),
        "char_lm": service.train(
            config_path("char_lm"), [*PROBING, "data.seq_len=16", "train.max_steps=5"], home=home
        ),
    }
    return home, {name: details["id"] for name, details in made.items()}


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        (
            "sentiment",
            [
                "curves",
                "gradient-flow",
                "gradient-flow-last",
                "states",
                "gates",
                "confusion",
                "histograms",
            ],
        ),
        ("forecast", ["curves", "gradient-flow", "states", "gates", "forecast", "histograms"]),
        ("char_lm", ["curves", "gradient-flow", "states", "gates", "histograms"]),
    ],
)
def test_every_figure_of_each_task_is_data_and_a_png(runs, tmp_path, name, figures):
    home, ids = runs
    for figure in figures:
        data = service.run_figure(ids[name], figure, home=home)
        json.dumps(data)
        path = service.plot_run(ids[name], figure, tmp_path / f"{figure}.png", home=home)
        assert path.read_bytes()[:4] == b"\x89PNG"


def test_gradient_flow_rows_are_the_recorded_probes(runs):
    home, ids = runs
    probes = service.run_probes(ids["char_lm"], "gradient_flow", home=home)
    assert [p["step"] for p in probes] == [1, 2, 4]
    figure = service.run_figure(ids["char_lm"], "gradient-flow", home=home)
    assert figure["y"] == [1, 2, 4] and len(figure["x"]) == 16
    expected = [math.log10(v) for v in probes[-1]["series"][0]["norms"]]
    assert figure["z"][-1] == pytest.approx(expected)


def test_confusion_counts_every_validation_sentence(runs):
    home, ids = runs
    figure = service.run_figure(ids["sentiment"], "confusion", home=home)
    assert sum(map(sum, figure["z"])) == 200  # 20% of 1000 sentences
    details = service.show_run(ids["sentiment"], home=home)
    assert figure["accuracy"] == pytest.approx(details["final_metrics"]["val_accuracy"])


def test_states_of_a_typed_sentence_and_of_the_recorded_one(runs):
    home, ids = runs
    typed = service.run_figure(ids["sentiment"], "states", text="the soup was great .", home=home)
    assert typed["xticklabels"] == ["the", "soup", "was", "great", "."]
    recorded = service.run_states(ids["sentiment"], home=home)
    assert recorded["tokens"] and len(recorded["layers"]) == 2  # bidirectional


def test_wrong_figure_for_the_task_and_unknown_figures(runs):
    home, ids = runs
    with pytest.raises(DataError, match="needs a classify run"):
        service.run_figure(ids["forecast"], "confusion", home=home)
    with pytest.raises(ConfigError, match="figure: expected one of"):
        service.run_figure(ids["forecast"], "pie", home=home)


def test_compare_overlays_runs_and_lists_config_differences(runs, tmp_path):
    home, ids = runs
    path, table = service.plot_compare(
        [ids["sentiment"], ids["forecast"]], tmp_path / "cmp.png", home=home
    )
    assert path.read_bytes()[:4] == b"\x89PNG"
    fields = {row[0]: row[1:] for row in table["rows"]}
    assert fields["task"] == ["classify", "forecast"]
    assert fields["model.cell"] == ["lstm", "gru"]
    with pytest.raises(ConfigError, match="at least 2 runs"):
        service.compare_runs([ids["sentiment"]], home=home)


def test_the_lab_trains_every_combination_and_compares_with_no_memory(tmp_path):
    rows = service.lab_vanishing(
        "adding",
        (6, 8),
        ("rnn-tanh", "gru"),
        budget_steps=6,
        hidden_size=8,
        batch_size=16,
        n_train=64,
        probe_every=3,
        out_dir=tmp_path / "lab",
        home=tmp_path / "home",
    )
    assert [(r["T"], r["cell"]) for r in rows] == [
        (6, "rnn-tanh"),
        (6, "gru"),
        (8, "rnn-tanh"),
        (8, "gru"),
    ]
    for row in rows:
        assert row["status"] == "finished" and row["steps"] == 6
        assert row["baseline"] == pytest.approx(1 / 6)
        assert row["vs_baseline"] == pytest.approx(row["final"] / row["baseline"])
        assert row["log10_grad_ratio"] is not None and row["grad_underflow"] is False
        assert (tmp_path / "lab" / f"adding-T{row['T']}-{row['cell']}-gradient-flow.png").exists()
    names = {r["name"] for r in service.list_runs(home=tmp_path / "home")}
    assert "lab-adding-T8-gru" in names


@pytest.mark.parametrize(
    ("norms", "expected"),
    [
        ([1e-3, 0.5, 1.0], (-3.0, False)),
        ([2.0, 1.0], (math.log10(2.0), False)),
        ([0.0, 0.2, 0.5], (None, True)),  # dL/dh_1 underflowed to 0: -infinity
        ([0.1, 0.0], (None, False)),  # nothing reaches the last step: no ratio
        ([float("nan"), 1.0], (None, False)),
    ],
)
def test_the_vanishing_ratio_of_a_probe(norms, expected):
    from rnnlab.service.lab import _vanishing_ratio

    value, underflow = _vanishing_ratio({"series": [{"norms": norms}]})
    assert underflow is expected[1]
    assert value == (None if expected[0] is None else pytest.approx(expected[0]))
    assert _vanishing_ratio(None) == (None, False)


def test_the_lab_checks_every_combination_before_training(tmp_path):
    with pytest.raises(ConfigError, match="cells: expected names from"):
        service.lab_vanishing("adding", (6,), ("gru", "transformer"), home=tmp_path)
    with pytest.raises(ConfigError, match="task: expected one of adding"):
        service.lab_vanishing("sorting", (6,), ("gru",), home=tmp_path)
    assert service.list_runs(home=tmp_path) == []
