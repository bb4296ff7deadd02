"""task: seq2seq through the service: train on a tiny generated task, translate (greedy and
beam), the attention figure, exact resume, the saved vocabularies, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, DataError, RunNotFound
from rnnlab.events import StepDone

from .conftest import config_path, last_checkpoint, train_interrupted

TINY = [
    "data.path=seq2seq:reverse?size=3&n=200&val=20",
    "embedding.dim=8",
    "model.hidden_size=16",
    "train.max_steps=12",
    "train.eval_every=6",
    "train.batch_size=32",
    "train.lr=0.03",
    "train.probe_every=6",
]
TRAINED = [*TINY, "train.max_steps=40", "train.eval_every=20", "train.probe_every=20"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("seq2seq-home")
    return home, service.train(config_path("reverse"), TRAINED, home=home)


def test_a_seq2seq_run_records_its_metrics_vocabularies_and_probes(run) -> None:
    home, details = run
    assert details["status"] == "finished" and details["task"] == "seq2seq"
    assert {"val_loss", "val_exact_match", "val_token_accuracy"} <= set(details["final_metrics"])
    assert details["summary"]["select_by"] == "exact_match"
    folder = Path(details["folder"])
    source = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    target = json.loads((folder / "target_vocab.json").read_text(encoding="utf-8"))
    assert source == target  # the task's one shared vocabulary
    _, meta = last_checkpoint(home, details["id"])
    assert meta["seq2seq"] == {"tokenizer": "char", "lowercase": False, "max_target_len": 3}
    flow = service.run_probes(details["id"], "gradient_flow", home=home)
    assert [p["step"] for p in flow] == [1, 20, 40]
    assert [s["direction"] for s in flow[-1]["series"]] == ["encoder", "decoder"]
    assert len(flow[-1]["series"][0]["norms"]) == 3 and len(flow[-1]["series"][1]["norms"]) == 4


def test_training_speed_counts_target_tokens(tmp_path: Path) -> None:
    steps: list[StepDone] = []
    service.train(
        config_path("reverse"),
        [*TINY, "train.max_steps=7", "train.probe_every=null"],
        on_event=lambda e: steps.append(e) if isinstance(e, StepDone) else None,
        home=tmp_path,
    )
    # 200 pairs in batches of 32: six of 32 and one of 8, 3 letters and <eos> each
    assert [s.tokens for s in steps] == [32 * 4] * 6 + [8 * 4]
    assert all(s.seconds > 0 for s in steps)


def test_translate_gives_tokens_and_an_attention_row_per_output_token(run) -> None:
    home, details = run
    results = service.translate(details["id"], ["abc", "jjz"], home=home)
    assert [r["source_tokens"] for r in results] == [["a", "b", "c"], ["j", "j", "z"]]
    assert results[1]["unknown_tokens"] == ["z"]
    for result in results:
        assert result["output"] == "".join(result["output_tokens"])
        assert 1 <= len(result["output_tokens"]) <= 4  # max_target_len 3, + 1
        matrix = np.array(result["attention"])  # (T, S)
        assert matrix.shape == (len(result["output_tokens"]), 3)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-6)


def test_beam_of_one_is_greedy_and_a_beam_gives_at_least_its_log_probability(run) -> None:
    home, details = run
    sources = ["abc", "cba", "hij"]
    greedy = service.translate(details["id"], sources, home=home)
    beam_one = service.translate(details["id"], sources, beam_size=1, home=home)
    beam = service.translate(details["id"], sources, beam_size=4, home=home)
    assert greedy == beam_one
    assert all(len(r["output_tokens"]) <= 4 for r in beam)
    short = service.translate(details["id"], sources, beam_size=4, max_len=1, home=home)
    assert all(len(r["output_tokens"]) <= 1 for r in short)


def test_the_attention_figure_is_a_heatmap_of_outputs_over_sources(run) -> None:
    home, details = run
    figure = service.run_figure(details["id"], "attention", text="abc", home=home)
    assert figure["kind"] == "heatmap" and figure["xticklabels"] == ["a", "b", "c"]
    assert len(figure["z"]) == len(figure["yticklabels"]) >= 1


@pytest.mark.parametrize(
    ("sources", "options", "error", "message"),
    [
        ([], {}, DataError, "sources: expected at least one"),
        (["abc", "  "], {}, DataError, "source 2: empty"),
        (["abc"], {"beam_size": 0}, ConfigError, "beam_size: expected an integer from 1"),
        (["abc"], {"max_len": 0}, ConfigError, "max_len: expected an integer from 1"),
    ],
)
def test_bad_input_is_named(run, sources, options, error, message) -> None:
    home, details = run
    with pytest.raises(error, match=message):
        service.translate(details["id"], sources, home=home, **options)


def test_an_unknown_run_and_a_run_of_another_task_are_refused(run, tmp_path: Path) -> None:
    home, _ = run
    with pytest.raises(RunNotFound):
        service.translate("no-such-run", ["abc"], home=home)
    other = service.train(
        config_path("sentiment"),
        ["model.hidden_size=8", "embedding.dim=8", "train.max_steps=2"],
        home=tmp_path,
    )
    with pytest.raises(ConfigError, match=r"translate needs a seq2seq run; run .* is classify"):
        service.translate(other["id"], ["abc"], home=tmp_path)


def test_the_attention_figure_needs_a_source_and_attention(run, tmp_path: Path) -> None:
    home, details = run
    with pytest.raises(ConfigError, match="give the source"):
        service.run_figure(details["id"], "attention", home=home)
    plain = service.train(config_path("reverse"), [*TINY, "model.attention=none"], home=tmp_path)
    assert service.translate(plain["id"], ["abc"], home=tmp_path)[0]["attention"] is None
    with pytest.raises(ConfigError, match=r"model\.attention none"):
        service.run_figure(plain["id"], "attention", text="abc", home=tmp_path)


def test_a_resumed_seq2seq_run_ends_with_the_weights_of_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    overrides = [*TINY, "train.teacher_forcing=0.5", "model.dropout=0.2", "model.num_layers=2"]
    whole = service.train(config_path("reverse"), overrides, home=tmp_path)
    stopped = train_interrupted(config_path("reverse"), overrides, 4, tmp_path)
    assert stopped["status"] == "interrupted" and stopped["steps"] == 4
    resumed = service.resume(stopped["id"], home=tmp_path)
    assert resumed["status"] == "finished" and resumed["steps"] == whole["steps"]
    expected, _ = last_checkpoint(tmp_path, whole["id"])
    actual, _ = last_checkpoint(tmp_path, stopped["id"])
    assert "rng.teacher_forcing" in actual
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
    assert resumed["final_metrics"] == whole["final_metrics"]


def test_teacher_forcing_draws_change_training(tmp_path: Path) -> None:
    forced = service.train(config_path("reverse"), TINY, home=tmp_path)
    free = service.train(config_path("reverse"), [*TINY, "train.teacher_forcing=0"], home=tmp_path)
    a, _ = last_checkpoint(tmp_path, forced["id"])
    b, _ = last_checkpoint(tmp_path, free["id"])
    assert not np.array_equal(a["model.decoder.out.weight"], b["model.decoder.out.weight"])


def test_numpy_engine_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"train\.engine: task seq2seq runs on the torch engine"):
        service.train(config_path("reverse"), [*TINY, "train.engine=numpy"], home=tmp_path)


def test_states_are_the_encoders_over_a_source(run) -> None:
    home, details = run
    recorded = service.run_states(details["id"], home=home)  # recorded at the end
    assert len(recorded["tokens"]) == 3 and recorded["cell"] == "gru"
    states = service.run_states(details["id"], "abcab", home=home)
    assert states["tokens"] == list("abcab")
    assert [len(layer["h"]) for layer in states["layers"]] == [5]
    figure = service.run_figure(details["id"], "states", text="abc", home=home)
    assert figure["kind"] in ("heatmap", "heatmaps")


def test_the_preview_of_seq2seq_data_shows_pairs(tmp_path: Path) -> None:
    preview = service.preview_dataset("seq2seq", {"path": "seq2seq:reverse?size=4&n=30&val=5"})
    assert preview["columns"] == ["source", "target"] and len(preview["rows"]) == 10
    assert all(target == source[::-1] for source, target in preview["rows"])
    assert preview["lengths"]["counts"] and preview["vocab_size"] == 14
    table = tmp_path / "pairs.tsv"
    table.write_text("source\ttarget\nthe cat\tle chat\n", encoding="utf-8")
    preview = service.preview_dataset(
        "seq2seq", {"path": str(table), "tokenizer": "word", "val_fraction": 0.0}
    )
    assert preview["rows"] == [["the cat", "le chat"]]


def test_the_web_workbench_takes_a_generated_seq2seq_path() -> None:
    preview = service.preview_dataset(
        "seq2seq", {"path": "seq2seq:sort?size=3&n=20&val=4"}, allow_files=False
    )
    assert preview["task"] == "seq2seq"


def test_pad_and_bos_steps_are_not_output_tokens(run, monkeypatch) -> None:
    import torch

    from rnnlab.service import translating
    from rnnlab.torch_engine import seq2seq_search

    home, details = run
    model = translating.load_translator(details["id"], home)
    weights = torch.eye(5)[:, None, :3]  # (T 5, B 1, S 3): step t attends position t

    def decoded(*args, **kwargs):  # a, <pad>, <bos>, b, <eos>
        ids = torch.tensor([[model.target_vocab.token_to_id("a")], [0], [3], [5], [2]])
        return seq2seq_search.Decoded(ids=ids, attention=weights)

    monkeypatch.setattr(seq2seq_search, "greedy_decode", decoded)
    monkeypatch.setattr(translating, "load_translator", lambda ref, home=None: model)
    [result] = service.translate(details["id"], ["abc"], home=home)
    b = model.target_vocab.id_to_token(5)
    assert result["output_tokens"] == ["a", b]
    assert result["attention"] == [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


GENERIC = [
    "data.path=seq2seq:reverse?size=3&n=64&val=8",
    "embedding.dim=8",
    "model.hidden_size=8",
    "model.cell=mingru",
    "train.max_steps=6",
    "train.eval_every=6",
    "train.batch_size=32",
    "train.probe_every=3",
]


def test_a_mingru_encoder_trains_probes_and_translates(tmp_path: Path) -> None:
    details = service.train(config_path("reverse"), GENERIC, home=tmp_path)
    assert details["status"] == "finished" and details["steps"] == 6
    assert np.isfinite(details["final_metrics"]["val_loss"])
    flow = service.run_probes(details["id"], "gradient_flow", home=tmp_path)
    assert [s["direction"] for s in flow[-1]["series"]] == ["encoder", "decoder"]
    assert all(n is not None and n > 0 for s in flow[-1]["series"] for n in s["norms"])
    sources = ["abc", "cab"]
    greedy = service.translate(details["id"], sources, home=tmp_path)
    assert greedy == service.translate(details["id"], sources, beam_size=1, home=tmp_path)
    for result in greedy:
        matrix = np.array(result["attention"])  # (T, S)
        assert matrix.shape == (len(result["output_tokens"]), 3)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-6)
    assert len(service.translate(details["id"], sources, beam_size=3, home=tmp_path)) == 2
    states = service.run_states(details["id"], "abca", home=tmp_path)
    assert states["cell"] == "mingru" and [len(x["h"]) for x in states["layers"]] == [4]


def test_a_resumed_run_on_lstm_ln_and_minlstm_ends_as_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    overrides = [*GENERIC, "model.cell=lstm-ln", "model.decoder_cell=minlstm"]
    whole = service.train(config_path("reverse"), overrides, home=tmp_path)
    stopped = train_interrupted(config_path("reverse"), overrides, 3, tmp_path)
    resumed = service.resume(stopped["id"], home=tmp_path)
    assert resumed["status"] == "finished" and resumed["steps"] == whole["steps"]
    expected, _ = last_checkpoint(tmp_path, whole["id"])
    actual, _ = last_checkpoint(tmp_path, stopped["id"])
    assert "model.decoder.cell.weight_ih" in expected and "model.encoder.rnn.gain_c_l0" in expected
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
