"""Every dataset the trainer trains on is a TrainingData: one call gives its batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnlab.data import prepare
from rnnlab.data.batches import Batch, EpochBatches, TrainingData, check_split
from rnnlab.errors import ConfigError
from rnnlab.spec.run import RunConfig

SEQ_LEN = 6
DATASETS: dict[str, tuple[str, dict[str, Any], bool]] = {
    # name: (task, data section, carry_state)
    "LMData": ("language-model", {"path": "sample:sample_text"}, True),
    "ClassifyData": (
        "classify",
        {"path": "sample:sentiment", "format": "tsv", "tokenizer": "word"},
        False,
    ),
    "SeriesData": (
        "forecast",
        {"path": "sample:monthly_series", "format": "csv", "value_column": "value"},
        False,
    ),
    "SyntheticSequences": ("language-model", {"path": "synthetic:copy?n=30&val=10"}, False),
    "SyntheticAdding": ("forecast", {"path": "synthetic:adding?n=30&val=10"}, False),
}


def dataset(name: str) -> Any:
    task, section, _ = DATASETS[name]
    data = {**section, "seq_len": SEQ_LEN}
    config = RunConfig.model_validate({"task": task, "data": data, "train": {"batch_size": 4}})
    return prepare(config).data


def first_xs(data: TrainingData, seed: int | None, epoch: int = 0) -> list[np.ndarray]:
    batches = data.batches("train", 4, seq_len=SEQ_LEN, seed=seed, epoch=epoch)
    return [batch.x for _, batch in zip(range(3), batches, strict=False)]


@pytest.mark.parametrize("name", DATASETS)
def test_each_dataset_answers_the_trainers_call(name: str) -> None:
    data = dataset(name)
    assert type(data).__name__ == name and isinstance(data, TrainingData)
    assert data.carry_state is DATASETS[name][2]
    batches = list(data.batches("val", 4, seq_len=SEQ_LEN, seed=None, epoch=0))
    assert batches and all(isinstance(batch, Batch) for batch in batches)
    assert all(batch.size <= 4 for batch in batches)


@pytest.mark.parametrize("name", DATASETS)
def test_a_seed_shuffles_independent_sequences_but_never_a_stream(name: str) -> None:
    data = dataset(name)
    same = [np.array_equal(a, b) for a, b in zip(first_xs(data, 1), first_xs(data, 2), strict=True)]
    if data.carry_state:  # a stream's windows continue each other: always in time order
        assert all(same) and all(
            np.array_equal(a, b)
            for a, b in zip(first_xs(data, 1), first_xs(data, None, epoch=3), strict=True)
        )
    else:
        assert not all(same)


WHOLE_EXAMPLES = [name for name, (_, _, carry) in DATASETS.items() if not carry]


@pytest.mark.parametrize("name", WHOLE_EXAMPLES)
def test_whole_example_datasets_batch_every_example_once_per_epoch(name: str) -> None:
    data = dataset(name)
    assert isinstance(data, EpochBatches)
    n = data.size("train")
    batches = list(data.batches("train", 4, seed=7, epoch=2))
    assert data.num_batches("train", 4) == len(batches) == -(-n // 4)
    assert [b.size for b in batches] == [4] * (n // 4) + ([n % 4] if n % 4 else [])


@pytest.mark.parametrize("name", WHOLE_EXAMPLES)
def test_whole_example_datasets_refuse_an_unknown_split_and_batch_size(name: str) -> None:
    data = dataset(name)
    with pytest.raises(ConfigError, match=r"split: expected train \| val, received 'test'"):
        data.num_batches("test", 4)
    with pytest.raises(ConfigError, match=r"split: expected train \| val, received 'test'"):
        next(data.batches("test", 4))
    with pytest.raises(
        ConfigError, match=r"train\.batch_size: expected an integer >= 1, received 0"
    ):
        next(data.batches("train", 0))


def test_check_split_gives_what_the_split_holds() -> None:
    assert check_split("val", {"train": 1, "val": 2}) == 2
    with pytest.raises(ConfigError, match=r"expected train \| val, received 'dev'"):
        check_split("dev", {"train": 1, "val": 2})
