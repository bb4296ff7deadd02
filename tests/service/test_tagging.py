"""task: tag through the service: train on the bundled samples, tag and punctuate text,
resume exactly, the per-tag comparison with the baselines, and the errors of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, DataError

from .conftest import config_path, last_checkpoint, train_interrupted

TINY = ["model.hidden_size=8", "embedding.dim=8", "train.epochs=3"]
NER = [*TINY, "train.batch_size=2"]
PUNCTUATION = [*TINY, "train.batch_size=4", "data.max_length=30"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("tag-home")
    ner = service.train(config_path("toy_ner"), NER, home=home)
    punctuation = service.train(config_path("punctuation"), PUNCTUATION, home=home)
    return home, {"ner": ner["id"], "punctuation": punctuation["id"]}


def test_a_tag_run_records_tag_metrics_tags_and_baselines(runs) -> None:
    home, ids = runs
    details = service.show_run(ids["punctuation"], home=home)
    assert details["status"] == "finished" and details["task"] == "tag"
    metrics = details["final_metrics"]
    assert {"val_loss", "val_accuracy", "val_f1", "val_micro_f1"} <= set(metrics)
    assert "val_span_f1" not in metrics  # the marks are not BIO tags
    saved = json.loads((Path(details["folder"]) / "tags.json").read_text(encoding="utf-8"))
    assert saved["tags"] == ["O", "、", "。", "！", "，", "：", "；", "？"]
    baselines = details["summary"]["baselines"]
    assert set(baselines) == {"majority", "unigram", "bigram"}
    assert baselines["majority"]["micro"]["f1"] == 0.0  # never a mark
    assert details["summary"]["select_by"] == "f1"


def test_ner_run_has_span_f1(runs) -> None:
    home, ids = runs
    assert "val_span_f1" in service.show_run(ids["ner"], home=home)["final_metrics"]
    listed = {run["id"] for run in service.list_runs(task="tag", home=home)}
    assert listed == set(ids.values())


def test_tag_comparison_rows_are_per_tag_beside_the_baselines(runs) -> None:
    home, ids = runs
    details = service.show_run(ids["punctuation"], home=home)
    rows = service.tag_comparison(details, home=home)
    assert [r["tag"] for r in rows] == ["O", "、", "。", "！", "，", "：", "；", "？"]
    for row in rows:
        assert {"precision", "recall", "f1", "support", "majority_f1", "bigram_f1"} <= set(row)
    total = sum(r["support"] for r in rows)
    assert total == details["summary"]["val_tokens"]
    lines = service.tag_comparison_lines(rows, details["summary"])
    assert lines[0].split()[:5] == ["tag", "count", "P", "R", "F1"]
    assert any(line.startswith("baseline bigram: micro F1") for line in lines)
    other = service.show_run(ids["ner"], home=home) | {"task": "classify"}
    assert service.tag_comparison(other, home=home) == []


def test_tag_text_aligns_tokens_tags_and_probabilities(runs) -> None:
    home, ids = runs
    result = service.tag_text(ids["ner"], ["Anna lives in Zork", "Bo sings"], home=home)
    assert result["task"] == "tag" and result["format"] == "conll"
    first = result["results"][0]["sentences"][0]
    assert first["tokens"] == ["Anna", "lives", "in", "Zork"]
    assert len(first["tags"]) == 4 and set(first["tags"]) <= set(result["tags"])
    for tag, probs in zip(first["tags"], first["probabilities"], strict=True):
        assert set(probs) == set(result["tags"]) and abs(sum(probs.values()) - 1) < 1e-9
        assert probs[tag] == max(probs.values())
    assert result["results"][0]["punctuated"] is None
    assert "Zork" in result["unknown_tokens"] and "Anna" not in result["unknown_tokens"]
    assert "read as <unk>" in result["warnings"][0]


def test_punctuate_puts_the_marks_back_after_the_characters(runs) -> None:
    home, ids = runs
    result = service.punctuate(ids["punctuation"], "余居山中，屋前有水\n客問曰", home=home)
    chars = [s["tokens"] for s in result["sentences"]]
    assert chars == [list("余居山中屋前有水"), list("客問曰")]  # marks dropped, one per line
    restored = result["punctuated"].split("\n")
    marks = set(service.tag_text(ids["punctuation"], ["山"], home=home)["tags"]) - {"O"}
    assert ["".join(c for c in line if c not in marks) for line in restored] == [
        "余居山中屋前有水",
        "客問曰",
    ]


def test_bad_input_is_refused_naming_the_text(runs) -> None:
    home, ids = runs
    with pytest.raises(DataError, match=r"text 2: empty; expected tokens to tag"):
        service.tag_text(ids["ner"], ["Anna", "   "], home=home)
    with pytest.raises(DataError, match=r"texts: expected at least one text"):
        service.tag_text(ids["ner"], [], home=home)
    with pytest.raises(DataError, match=r"text 1: text: no characters to punctuate"):
        service.tag_text(ids["punctuation"], ["，。！"], home=home)
    with pytest.raises(ConfigError, match=r"punctuate needs a run trained on data.format punc"):
        service.punctuate(ids["ner"], "Anna", home=home)


def test_a_run_of_another_task_is_refused(tmp_path: Path) -> None:
    run = service.train(
        config_path("forecast"), ["model.hidden_size=4", "train.max_steps=1"], home=tmp_path
    )
    with pytest.raises(ConfigError, match=r"tag needs a tag run; this run's task is forecast"):
        service.tag_text(run["id"], ["a b"], home=tmp_path)


@pytest.mark.parametrize("engine", ["torch", "numpy"])
def test_a_resumed_tag_run_ends_with_the_weights_of_an_uninterrupted_one(
    tmp_path: Path, engine: str
) -> None:
    overrides = [*PUNCTUATION, f"train.engine={engine}", "model.dropout=0.2"]
    whole = service.train(config_path("punctuation"), overrides, home=tmp_path)
    stopped = train_interrupted(config_path("punctuation"), overrides, 3, tmp_path)
    assert stopped["status"] == "interrupted" and stopped["steps"] == 3
    resumed = service.resume(stopped["id"], home=tmp_path)
    assert resumed["status"] == "finished" and resumed["steps"] == whole["steps"]
    expected, _ = last_checkpoint(tmp_path, whole["id"])
    actual, meta = last_checkpoint(tmp_path, stopped["id"])
    assert meta["tags"]["tags"][0] == "O" and meta["tag_format"] == "punctuated"
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
    assert resumed["final_metrics"] == whole["final_metrics"]


def test_the_preview_of_a_tag_sample_shows_tokens_and_tags() -> None:
    preview = service.preview_dataset("tag", {"path": "sample:toy_ner"})
    assert preview["columns"] == ["tokens", "tags"]
    tokens, tags = preview["rows"][0]
    assert tokens.split()[0] == "Anna" and len(tokens.split()) == len(tags.split())
    assert sum(preview["lengths"]["counts"]) == 10  # sentences


def test_a_tag_run_records_its_probes_and_plots_its_confusion(runs, tmp_path: Path) -> None:
    home, ids = runs
    assert service.run_probes(ids["ner"], "gradient_flow", home=home)
    states = service.run_states(ids["ner"], "Anna sings", home=home)
    assert states["tokens"] == ["Anna", "sings"]
    out = service.plot_run(ids["ner"], "confusion", tmp_path / "confusion.png", home=home)
    assert out.stat().st_size > 0


@pytest.mark.parametrize("fmt", ["onnx", "safetensors"])
def test_a_tag_run_exports_with_its_tags(runs, tmp_path: Path, fmt: str) -> None:
    home, ids = runs
    out = tmp_path / f"punctuation.{fmt}"
    result = service.export_run(ids["punctuation"], fmt, out, home=home)
    assert out.stat().st_size > 0 and result["format"] == fmt
    if fmt == "safetensors":
        bundle = service.read_model_file(out)
        assert bundle.tags.tags[0] == "O" and bundle.tag_format == "punctuated"


def test_evaluate_tagged_scores_a_labelled_file(runs, tmp_path: Path) -> None:
    home, ids = runs
    data = tmp_path / "test.conll"
    data.write_text("Anna B-PER\nsings O\n\nBo B-PER\nChen I-PER\nruns O\n", encoding="utf-8")
    result = service.evaluate_tagged(ids["ner"], data, home=home)
    assert (result["sentences"], result["tokens"]) == (2, 5)
    assert result["per_tag"]["B-PER"]["support"] == 2 and 0 <= result["accuracy"] <= 1
    assert result["spans"]["overall"]["support"] == 2  # Anna; Bo Chen


def test_an_unknown_tag_in_a_labelled_file_names_its_line(runs, tmp_path: Path) -> None:
    home, ids = runs
    data = tmp_path / "test.conll"
    data.write_text("Anna B-PER\n\nParis B-CITY\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"test.conll: line 3: unknown tag 'B-CITY'; the model"):
        service.evaluate_tagged(ids["ner"], data, home=home)


def test_a_punctuation_run_scores_punctuated_text(runs) -> None:
    home, ids = runs
    result = service.evaluate_tagged(ids["punctuation"], "sample:punctuation", home=home)
    assert result["tokens"] == 333 and "spans" not in result  # every character of the sample


def test_the_model_summary_of_a_tagger_reads_every_step_both_ways() -> None:
    summary = service.model_summary("tag", {"hidden_size": 4}, vocab_size=10, num_classes=3)
    head = next(p for p in summary["parameters"] if p["name"] == "head.weight")
    assert head["shape"] == [3, 8]  # K tags x (2 directions x H): bidirectional by default
    assert summary["diagram"]["readout"] == "every" and summary["diagram"]["directions"] == 2
    with pytest.raises(ConfigError, match=r"num_classes: task tag needs the number of tags"):
        service.model_summary("tag", {"hidden_size": 4}, vocab_size=10)
