"""The config of task: seq2seq: defaults, the seq2seq-only fields, and each refusal naming
its field (spec/seq2seq.py)."""

from __future__ import annotations

from typing import Any

import pytest

from rnnlab.errors import ConfigError
from rnnlab.spec.run import SELECT_BY, parse_run_config

PATH = "seq2seq:reverse?size=5"


def config(task: str = "seq2seq", **sections: dict[str, Any]) -> dict[str, Any]:
    data = {"path": PATH if task == "seq2seq" else "x.tsv", **sections.pop("data", {})}
    return {"task": task, "data": data, **sections}


def test_defaults_of_a_seq2seq_config() -> None:
    run = parse_run_config(config())
    assert run.model.attention == "additive"
    assert run.model.decoder_cell is None  # the same cell as the encoder
    assert run.train.teacher_forcing == 1.0
    assert (run.data.source_column, run.data.target_column) == ("source", "target")
    assert run.data.max_target_len is None
    assert run.selection_metric == "exact_match"
    assert SELECT_BY["seq2seq"] == ("exact_match", "token_accuracy", "loss", "bleu")


def test_seq2seq_fields_are_taken() -> None:
    run = parse_run_config(
        config(
            model={"cell": "gru", "decoder_cell": "lstm", "attention": "dot"},
            train={"teacher_forcing": 0.5, "select_by": "token_accuracy"},
            data={"max_target_len": 12, "source_column": "en", "target_column": "fr"},
        )
    )
    assert run.model.decoder_cell == "lstm" and run.model.attention == "dot"
    assert run.train.teacher_forcing == 0.5 and run.selection_metric == "token_accuracy"
    assert run.data.max_target_len == 12 and run.data.source_column == "en"


@pytest.mark.parametrize(("cell", "decoder_cell"), [("mingru", "lstm-ln"), ("lstm", "minlstm")])
def test_every_registered_cell_is_taken_as_encoder_and_decoder(
    cell: str, decoder_cell: str
) -> None:
    run = parse_run_config(config(model={"cell": cell, "decoder_cell": decoder_cell}))
    assert (run.model.cell, run.model.decoder_cell) == (cell, decoder_cell)


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"train": {"engine": "numpy"}}, "train.engine: task seq2seq runs on the torch engine"),
        ({"model": {"cell": "nope"}}, "model.cell: expected one of"),
        ({"model": {"decoder_cell": "nope"}}, "model.decoder_cell: expected one of"),
        ({"model": {"attention": "luong"}}, "model.attention"),
        (
            {"model": {"attention": "dot", "bidirectional": True}},
            "model.attention: dot scores the decoder state",
        ),
        ({"train": {"teacher_forcing": 1.5}}, "train.teacher_forcing"),
        ({"train": {"teacher_forcing": -0.1}}, "train.teacher_forcing"),
        ({"train": {"select_by": "f1"}}, "train.select_by: a seq2seq run selects by"),
        ({"embedding": {"init": "ppmi-svd"}}, "embedding.init: task seq2seq learns its own"),
        ({"model": {"init": "orthogonal"}}, "model.init: task seq2seq starts from torch.nn"),
        ({"data": {"format": "csv"}}, "data.format: task seq2seq reads tsv"),
        ({"data": {"target_column": "source"}}, "data.target_column: expected a column other"),
        ({"data": {"max_length": 5}}, "data.max_length: task tag's limit"),
        ({"data": {"max_target_len": 0}}, "data.max_target_len"),
    ],
)
def test_bad_seq2seq_configs_name_the_field(sections: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.").replace("(", r"\(")):
        parse_run_config(config(**sections))


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"model": {"decoder_cell": "gru"}}, "model.decoder_cell: only task seq2seq"),
        ({"model": {"attention": "none"}}, "model.attention: only task seq2seq attends"),
        ({"train": {"teacher_forcing": 0.5}}, "train.teacher_forcing: only task seq2seq"),
        ({"data": {"max_target_len": 5}}, "data.max_target_len: only task seq2seq"),
        ({"train": {"select_by": "exact_match"}}, "train.select_by: a classify run selects"),
    ],
)
def test_seq2seq_fields_are_refused_for_other_tasks(sections: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        parse_run_config(config("classify", **sections))


def test_another_task_round_trips_with_the_seq2seq_defaults() -> None:
    run = parse_run_config(config("classify"))
    again = parse_run_config(run.model_dump(mode="json"))  # a checkpoint's config
    assert again == run
