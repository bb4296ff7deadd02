"""Using trained runs: classify, generate, forecast, and asking a run for the wrong task."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.data import read_series, sample_path
from rnnlab.errors import ConfigError, DataError
from rnnlab.predict import Predictor

from .conftest import Trained, config_path, last_checkpoint

SENTENCE = "a warm and funny film"
OTHERS = [
    "dull",
    "the battery dies before lunch every day and the screen is far too dim to read outside",
    "I love how light these headphones are",
]


def test_classify_gives_probabilities_over_the_classes(trained: Trained) -> None:
    texts = [SENTENCE, *OTHERS]
    results = service.classify(trained.id("sentiment"), texts, home=trained.home)
    assert [r["text"] for r in results] == texts
    for result in results:
        probabilities = result["probabilities"]
        assert list(probabilities) == ["0", "1"]  # the classes of the sample, in order
        assert math.fsum(probabilities.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(0.0 <= p <= 1.0 for p in probabilities.values())
        assert result["label"] == max(probabilities, key=probabilities.get)


@pytest.mark.parametrize(
    "batch",
    [
        [SENTENCE, OTHERS[1]],  # with a longer sentence
        [OTHERS[0], SENTENCE],  # with a shorter one, after it
        [OTHERS[1], OTHERS[0], SENTENCE, OTHERS[2]],  # among several lengths
    ],
)
def test_padding_never_changes_a_score(trained: Trained, batch: list[str]) -> None:
    run_id = trained.id("sentiment")
    scored = service.classify(run_id, batch, home=trained.home)
    for text, together in zip(batch, scored, strict=True):
        alone = service.classify(run_id, [text], home=trained.home)[0]["probabilities"]
        for label in alone:
            assert together["probabilities"][label] == pytest.approx(alone[label], abs=1e-6)


def test_classify_rejects_a_text_without_tokens(trained: Trained) -> None:
    with pytest.raises(DataError, match="text 2"):
        service.classify(trained.id("sentiment"), [SENTENCE, "   "], home=trained.home)


def _generate(trained: Trained, name: str, **options: object) -> dict:
    args = {"prompt": "The ", "length": 24, "temperature": 1.0, "top_k": None, "top_p": None}
    args.update(options)
    return service.generate(trained.id(name), home=trained.home, **args)


@pytest.mark.parametrize("name", ["char_lm", "word_lm"])
def test_generate_is_reproducible_with_a_seed(trained: Trained, name: str) -> None:
    first, again = _generate(trained, name, seed=7), _generate(trained, name, seed=7)
    assert first == again
    others = [_generate(trained, name, seed=seed)["tokens"] for seed in (8, 9)]
    assert any(tokens != first["tokens"] for tokens in others)  # the seed matters


@pytest.mark.parametrize("name", ["char_lm", "word_lm"])
def test_greedy_is_deterministic_and_top_k_1_is_greedy(trained: Trained, name: str) -> None:
    greedy = _generate(trained, name, temperature=0.0, seed=1)
    assert _generate(trained, name, temperature=0.0, seed=2) == greedy
    assert _generate(trained, name, temperature=0.0, seed=None) == greedy
    top1 = _generate(trained, name, temperature=1.0, top_k=1, seed=3)
    assert top1["tokens"] == greedy["tokens"]
    assert _generate(trained, name, temperature=2.5, top_k=1, seed=4)["tokens"] == greedy["tokens"]


@pytest.mark.parametrize("name", ["char_lm", "word_lm"])
@pytest.mark.parametrize("length", [1, 17, 60])
def test_generate_respects_the_length(trained: Trained, name: str, length: int) -> None:
    result = _generate(trained, name, length=length, seed=0, stop_at_eos=False)
    assert len(result["tokens"]) == length
    assert result["prompt"] == "The "
    assert "<pad>" not in result["tokens"] and "<unk>" not in result["tokens"]
    if name == "char_lm":  # one character per token
        assert len(result["text"]) == length
        assert result["full_text"] == "The " + result["text"]


def test_generate_rejects_bad_sampling_options(trained: Trained) -> None:
    for options, field in [
        ({"temperature": -1.0}, "temperature"),
        ({"top_k": 0}, "top_k"),
        ({"top_p": 1.5}, "top_p"),
        ({"length": 0}, "length"),
    ]:
        with pytest.raises(ConfigError, match=field):
            _generate(trained, "char_lm", seed=0, **options)


def test_forecast_continues_the_training_series(trained: Trained) -> None:
    series = read_series(sample_path("monthly_series"), "csv", "value")
    result = service.forecast(trained.id("forecast"), 5, home=trained.home)
    assert len(result["forecast"]) == 5
    assert all(math.isfinite(v) for v in result["forecast"])
    np.testing.assert_allclose(result["history"], series[-24:])  # seq_len 24 of the config
    assert result["horizon"] == 1
    assert len(service.forecast(trained.id("forecast"), 13, home=trained.home)["forecast"]) == 13


def test_forecast_reads_the_given_values(trained: Trained, tmp_path: Path) -> None:
    values = [500.0 + 10.0 * np.sin(i / 2.0) + i for i in range(30)]
    path = tmp_path / "recent.csv"
    path.write_text("t,level,other\n" + "".join(f"{i},{v},0\n" for i, v in enumerate(values)))
    run_id = trained.id("forecast")

    given = service.forecast(run_id, 4, input_path=path, column="level", home=trained.home)

    np.testing.assert_allclose(given["history"], values[-24:])
    assert len(given["forecast"]) == 4
    default = service.forecast(run_id, 4, home=trained.home)
    assert given["forecast"] != default["forecast"]  # the values were used
    # the last column by default: "other" is all zeros, another history again
    zeros = service.forecast(run_id, 4, input_path=path, home=trained.home)
    assert zeros["history"] == [0.0] * 24


def test_forecast_needs_a_whole_window_of_values(trained: Trained, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("value\n" + "".join(f"{v}\n" for v in range(10)))
    with pytest.raises(DataError, match="24") as info:
        service.forecast(trained.id("forecast"), 3, input_path=path, home=trained.home)
    assert "10" in str(info.value)


@pytest.mark.parametrize(
    "use",
    [
        lambda t: service.generate(t.id("sentiment"), "a", 5, home=t.home),
        lambda t: service.forecast(t.id("sentiment"), 3, home=t.home),
    ],
    ids=["generate", "forecast"],
)
def test_a_classifier_cannot_generate_or_forecast(trained: Trained, use) -> None:
    with pytest.raises(ConfigError) as info:
        use(trained)
    message = str(info.value)
    assert "classify" in message  # the run's task
    assert "language-model" in message or "forecast" in message  # the task it would need


def test_a_language_model_cannot_classify_or_forecast(trained: Trained) -> None:
    with pytest.raises(ConfigError, match="language-model"):
        service.classify(trained.id("char_lm"), ["hello"], home=trained.home)
    with pytest.raises(ConfigError, match="language-model"):
        service.forecast(trained.id("word_lm"), 3, home=trained.home)


# ---- the checkpoint that is used is the one that is shown ---------------------------------

TUTORIAL = (
    "Here is some sample text to demonstrate text generation with RNN. This is a simple example.\n"
)


def tutorial_run(tmp_path: Path, **train: object) -> dict:
    """The classic tutorial's one line, word level, default data.val_fraction (2 tokens)."""
    (tmp_path / "tutorial.txt").write_text(TUTORIAL)
    config = {
        "task": "language-model",
        "data": {"path": str(tmp_path / "tutorial.txt"), "tokenizer": "word", "seq_len": 8},
        "embedding": {"dim": 16},
        "model": {"cell": "lstm", "hidden_size": 32},
        "train": {"batch_size": 1, "epochs": 150, "eval_every": 100, "probe_every": None} | train,
    }
    return service.train(config, home=tmp_path / "home")


def test_a_tiny_validation_split_warns_and_generation_uses_the_last_checkpoint(
    tmp_path: Path,
) -> None:
    run = tutorial_run(tmp_path)
    assert run["summary"]["val_tokens"] == 2
    (warning,) = run["summary"]["warnings"]
    assert "only 2 tokens" in warning and "last checkpoint" in warning
    assert run["checkpoints"] == ["last"]  # no "best" chosen by 2 tokens
    used = run["checkpoint_used"]
    assert used["tag"] == "last" and used["step"] == 300
    assert used["label"] == "last, step 300 (validation split too small to choose by)"
    assert used["metrics"] == run["final_metrics"]
    greedy = service.generate(run["id"], "Here is", 6, 0.0, home=tmp_path / "home")
    assert greedy["full_text"] == "Here is some sample text to demonstrate text"


def test_without_validation_the_last_checkpoint_is_named(tmp_path: Path) -> None:
    (tmp_path / "tutorial.txt").write_text(TUTORIAL)
    config = {
        "task": "language-model",
        "data": {"path": str(tmp_path / "tutorial.txt"), "tokenizer": "word", "val_fraction": 0},
        "model": {"hidden_size": 8},
        "train": {"batch_size": 1, "max_steps": 3, "probe_every": None},
    }
    run = service.train(config, home=tmp_path / "home")
    assert run["checkpoint_used"]["label"] == "last, step 3 (no validation split)"
    assert run["checkpoint_used"]["metrics"] == {} and "warnings" not in run["summary"]


def scripted_classifier(tmp_path: Path) -> dict:
    """A classifier whose evaluations say: lowest loss at step 2, best accuracy at step 3."""
    script = iter(
        [
            {"val_loss": 0.60, "val_accuracy": 0.70, "val_f1": 0.70},
            {"val_loss": 0.50, "val_accuracy": 0.75, "val_f1": 0.75},
            {"val_loss": 0.55, "val_accuracy": 0.82, "val_f1": 0.82},
            {"val_loss": 0.58, "val_accuracy": 0.80, "val_f1": 0.80},
        ]
    )

    def scripted(trainer: object) -> None:
        trainer.evaluate = lambda: dict(next(script))

    overrides = [
        "model.hidden_size=8",
        "embedding.dim=8",
        "train.max_steps=4",
        "train.eval_every=1",
    ]
    return service.train(config_path("sentiment"), overrides, home=tmp_path, trainer_hook=scripted)


def test_show_and_list_give_the_metrics_of_the_checkpoint_in_use(tmp_path: Path) -> None:
    run = scripted_classifier(tmp_path)
    used = run["checkpoint_used"]
    assert used["tag"] == "best" and used["step"] == 3 and used["select_by"] == "accuracy"
    assert used["label"] == "best at step 3 by accuracy"
    assert used["metrics"]["val_accuracy"] == pytest.approx(0.82)
    assert run["best_metrics"]["step"] == 3  # best by accuracy, not by loss (step 2)
    assert run["final_metrics"]["val_accuracy"] == pytest.approx(0.80)
    (row,) = service.list_runs(home=tmp_path)
    assert row["checkpoint_used"] == used
    _, meta = last_checkpoint(tmp_path, run["id"], "best")
    assert meta["step"] == 3  # the checkpoint the service loads is the one shown


# ---- generation: end of line, several samples, unknown prompt tokens ------------------------


def rigged_word_model(trained: Trained, favourite: str) -> Predictor:
    """The word model, its head biased so that `favourite` is always the likeliest token."""
    bundle = service.load_bundle(trained.id("word_lm"), trained.home)
    bias = bundle.weights["head.bias"].copy()
    bias[bundle.vocab.token_to_id(favourite)] = 1e4
    return Predictor(dataclasses.replace(bundle, weights={**bundle.weights, "head.bias": bias}))


def test_a_word_model_stops_at_eos_by_default(trained: Trained) -> None:
    model = rigged_word_model(trained, "<eos>")
    stopped = model.generate("the", 30, temperature=0.0)
    assert stopped["tokens"] == [] and stopped["stopped_at_eos"] is True
    assert stopped["full_text"] == "the"
    running_on = model.generate("the", 30, temperature=0.0, stop_at_eos=False)
    assert running_on["tokens"] == ["<eos>"] * 30  # the blank lines of before
    assert running_on["stopped_at_eos"] is False


def test_a_sample_ends_at_its_own_eos_and_the_others_go_on(trained: Trained) -> None:
    result = _generate(trained, "word_lm", prompt="the", length=40, n=16, seed=3)
    lengths = [len(s["tokens"]) for s in result["samples"]]
    assert any(s["stopped_at_eos"] for s in result["samples"]), lengths
    for sample in result["samples"]:
        assert "<eos>" not in sample["tokens"] and "\n" not in sample["text"]
        assert sample["stopped_at_eos"] == (len(sample["tokens"]) < 40)


def test_a_char_model_runs_past_line_ends_unless_asked(trained: Trained) -> None:
    free = _generate(trained, "char_lm", length=200, n=4, seed=1)
    assert all(len(s["tokens"]) == 200 for s in free["samples"])
    assert any("\n" in s["text"] for s in free["samples"])  # line breaks are not an end
    lines = _generate(trained, "char_lm", length=200, n=4, seed=1, stop_at_eos=True)
    assert all("\n" not in s["text"] for s in lines["samples"])
    assert any(s["stopped_at_eos"] for s in lines["samples"])


@pytest.mark.parametrize("name", ["char_lm", "word_lm"])
def test_n_samples_come_from_one_batch_each_with_its_own_draws(trained: Trained, name) -> None:
    result = _generate(trained, name, n=5, seed=11, stop_at_eos=False)
    samples = result["samples"]
    assert len(samples) == 5 and {k: result[k] for k in samples[0]} == samples[0]
    assert len({tuple(s["tokens"]) for s in samples}) > 1  # not five copies of one draw
    assert _generate(trained, name, n=5, seed=11, stop_at_eos=False) == result
    greedy = _generate(trained, name, temperature=0.0, stop_at_eos=False)
    batch = _generate(trained, name, temperature=0.0, n=3, stop_at_eos=False)
    assert [s["tokens"] for s in batch["samples"]] == [greedy["tokens"]] * 3


def test_prompt_tokens_outside_the_vocabulary_are_listed(trained: Trained) -> None:
    result = _generate(trained, "word_lm", prompt="the zzqx and flibber zzqx", seed=0)
    assert result["unknown_tokens"] == ["zzqx", "flibber"]
    (warning,) = result["warnings"]
    assert warning == "2 prompt token(s) not in the vocabulary, read as <unk>: 'zzqx', 'flibber'"
    assert _generate(trained, "word_lm", prompt="the", seed=0)["warnings"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": 0}, "n: expected an integer 1..100|n: expected 1..100"),
        ({"n": 101}, "n: expected"),
        ({"n": True}, "n: expected an integer"),
        ({"stop_at_eos": "yes"}, "stop_at_eos: expected true or false, received 'yes'"),
    ],
)
def test_bad_generate_options_are_refused(trained: Trained, options, message) -> None:
    with pytest.raises(ConfigError, match=message):
        _generate(trained, "word_lm", **options)
