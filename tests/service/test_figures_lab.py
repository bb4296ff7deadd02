"""Figure use cases over stored runs, and the long-range lab."""

from __future__ import annotations

import json
import math
import re

import pytest

from rnnlab import cells, service
from rnnlab.errors import ConfigError, DataError
from rnnlab.service.lab_defaults import LabOptions
from tests.service.conftest import config_path
from tests.toy_cells import register

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
    options = LabOptions(
        "adding", (6, 8), ("rnn-tanh", "gru"), budget_steps=6, hidden_size=8, batch_size=16,
        n_train=64, probe_every=3,
    )  # fmt: skip
    rows = service.lab_vanishing(options, out_dir=tmp_path / "lab", home=tmp_path / "home")
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
        assert (tmp_path / "lab" / f"adding-T{row['T']}-{row['cell']}-gradient-flow.png").exists()
    names = {r["name"] for r in service.list_runs(home=tmp_path / "home")}
    assert "lab-adding-T8-gru" in names


def test_the_lab_shows_the_gradient_ratio_before_and_after_training(tmp_path):
    home = tmp_path / "home"
    options = LabOptions(
        "adding", (8,), ("rnn-tanh",), budget_steps=6, hidden_size=8, batch_size=16,
        n_train=64, probe_every=3, lr=0.05,
    )  # fmt: skip
    (row,) = service.lab_vanishing(options, home=home)
    probes = service.run_probes(row["run"], "gradient_flow", home=home)
    assert [probe["step"] for probe in probes] == [1, 3, 6]
    for which, probe in (("first", probes[0]), ("last", probes[-1])):
        norms = probe["series"][0]["norms"]
        expected = math.log10(norms[0] / norms[-1])
        assert row[f"log10_grad_ratio_{which}"] == pytest.approx(expected)
        assert row[f"grad_underflow_{which}"] is False
        assert row[f"grad_step_{which}"] == probe["step"]
    assert row["log10_grad_ratio_first"] != pytest.approx(row["log10_grad_ratio_last"])


def test_the_gradient_columns_of_no_probe_and_of_an_underflow():
    from rnnlab.service.lab import gradient_columns

    assert gradient_columns([]) == {
        "log10_grad_ratio_first": None, "grad_underflow_first": False, "grad_step_first": None,
        "log10_grad_ratio_last": None, "grad_underflow_last": False, "grad_step_last": None,
    }  # fmt: skip
    probes = [
        {"step": 1, "series": [{"norms": [0.0, 1.0]}]},
        {"step": 50, "series": [{"norms": [1.0, 1.0]}]},
        {"step": 99, "series": [{"norms": [0.01, 1.0]}]},
    ]
    columns = gradient_columns(probes)
    assert columns["grad_underflow_first"] is True and columns["log10_grad_ratio_first"] is None
    assert columns["log10_grad_ratio_last"] == pytest.approx(-2.0)
    assert (columns["grad_step_first"], columns["grad_step_last"]) == (1, 99)


def test_lab_runs_show_as_the_lab_task_not_the_model_task(tmp_path):
    home = tmp_path / "home"
    options = LabOptions(
        "adding", (6,), ("gru",), budget_steps=2, hidden_size=4, batch_size=8, n_train=16,
        probe_every=2,
    )  # fmt: skip
    service.lab_vanishing(options, home=home)
    small = ["model.hidden_size=4", "train.max_steps=2", "train.threads=1"]
    plain = service.train("examples/configs/forecast.yaml", small, home=home)["id"]
    shown = {run["id"]: run["task_label"] for run in service.list_runs(home=home)}
    lab = service.show_run("lab-adding-T6-gru", home=home)["id"]
    assert shown == {lab: "lab:adding", plain: "forecast"}
    assert service.show_run("lab-adding-T6-gru", home=home)["task_label"] == "lab:adding"
    assert service.show_run(plain, home=home)["task_label"] == "forecast"
    assert [run["name"] for run in service.list_runs(task="lab", home=home)] == [
        "lab-adding-T6-gru"
    ]
    assert [run["id"] for run in service.list_runs(task="forecast", home=home)] == [plain]
    with pytest.raises(ConfigError, match=r"one of language-model \| .* \| lab, received 'labs'"):
        service.list_runs(task="labs", home=home)


def test_the_lab_defaults_live_in_one_place():
    import inspect

    from rnnlab.service.lab_defaults import LAB_DEFAULTS

    parameters = inspect.signature(service.lab_vanishing).parameters
    assert parameters["options"].default is LAB_DEFAULTS == LabOptions()
    assert (LAB_DEFAULTS.lengths, LAB_DEFAULTS.cells) == ((50,), ("rnn-tanh", "lstm", "gru"))


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
    registered = re.escape(" | ".join(cells.names()))
    variants = re.escape(" | ".join(service.LAB_VARIANTS))
    with pytest.raises(
        ConfigError,
        match=rf"cells: expected a registered cell \({registered}\) or a variant "
        rf"\({variants}\), received 'transformer'",
    ):
        service.lab_vanishing(LabOptions("adding", (6,), ("gru", "transformer")), home=tmp_path)
    with pytest.raises(ConfigError, match="task: expected one of adding"):
        service.lab_vanishing(LabOptions("sorting", (6,), ("gru",)), home=tmp_path)
    with pytest.raises(ConfigError, match="cells: expected at least one, received none"):
        service.lab_vanishing(LabOptions(cells=()), home=tmp_path)
    with pytest.raises(ConfigError, match="lengths: expected at least one, received none"):
        service.lab_vanishing(LabOptions(lengths=()), home=tmp_path)
    with pytest.raises(ConfigError, match="options: expected a LabOptions, received str"):
        service.lab_vanishing("adding", home=tmp_path)  # the former positional call
    assert service.list_runs(home=tmp_path) == []


def test_the_lab_takes_every_registered_cell_by_name_and_the_variants(monkeypatch):
    from rnnlab.service.lab import lab_cells, lab_config

    toy = register(monkeypatch)
    known = lab_cells()
    assert {name: known[name] for name in cells.names()} == {
        name: {"cell": name} for name in cells.names()
    }
    assert known["rnn-relu-identity"] == {"cell": "rnn", "nonlinearity": "relu", "init": "identity"}
    config = lab_config("order", 9, toy.name, LabOptions(hidden_size=5))
    assert config["model"] == {"hidden_size": 5, "cell": "toy"}
    assert config["name"] == "lab-order-T9-toy"
    variant = lab_config("adding", 9, "lstm-forget1", LabOptions(clip=0))
    assert variant["model"]["forget_bias"] == 1.0 and variant["train"]["clip_grad_norm"] is None
