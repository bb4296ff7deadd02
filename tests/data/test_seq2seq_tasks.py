"""Synthetic sequence-to-sequence tasks: each generator checked by hand, dials, seeds,
held-out validation and the fixed vocabulary."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from rnnlab.data.seq2seq import SEQ2SEQ_SPECIALS
from rnnlab.data.seq2seq_tasks import (
    DATE_FORMATS,
    DEFAULTS,
    MONTHS,
    REVERSE_LETTERS,
    TASKS,
    _write_date,
    build_task_data,
    build_task_path,
    generate_pairs,
    get_task,
    is_task_path,
    make_add,
    make_dates,
    make_reverse,
    make_sort,
    parse_task_path,
    task_hash,
    task_vocab,
)
from rnnlab.errors import ConfigError, DataError


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_reverse_strings_have_the_dialled_length_and_are_reversed() -> None:
    pairs = make_reverse(50, 7, rng())
    assert all(len(src) == 7 and tgt == src[::-1] for src, tgt in pairs)
    assert set("".join(src for src, _ in pairs)) <= set(REVERSE_LETTERS)


def test_sort_sorts_the_digits() -> None:
    pairs = make_sort(50, 6, rng())
    assert all(len(src) == 6 and tgt == "".join(sorted(src)) for src, tgt in pairs)


def test_add_writes_a_correct_sum_with_operands_of_one_to_size_digits() -> None:
    pairs = make_add(300, 3, rng())
    lengths = set()
    for src, tgt in pairs:
        match = re.fullmatch(r"(0|[1-9][0-9]*)\+(0|[1-9][0-9]*)", src)
        assert match is not None, src
        a, b = match.groups()
        lengths |= {len(a), len(b)}
        assert int(tgt) == int(a) + int(b) and str(int(tgt)) == tgt
    assert lengths == {1, 2, 3}


def test_dates_are_real_days_written_in_the_first_size_formats() -> None:
    names = "|".join(MONTHS)
    shapes = [
        rf"(\d+) ({names}) (\d{{4}})",
        r"(\d+) ([A-Z][a-z]{2}) (\d{4})",
        rf"({names}) (\d+), (\d{{4}})",
        r"(\d+)\.(\d+)\.(\d{4})",
    ]
    for size in range(1, DATE_FORMATS + 1):
        seen = set()
        for src, tgt in make_dates(200, size, rng(size)):
            day = dt.date.fromisoformat(tgt)  # a real day, ISO written
            kind = next(i for i, shape in enumerate(shapes) if re.fullmatch(shape, src))
            seen.add(kind)
            assert str(day.year) in src and str(day.day) in src
        assert seen == set(range(size))


def test_the_dates_example_of_the_issue() -> None:
    assert _write_date(0, 2021, 3, 3) == "3 March 2021"
    assert [_write_date(k, 2021, 3, 3) for k in (1, 2, 3)] == [
        "3 Mar 2021",
        "March 3, 2021",
        "3.3.2021",
    ]


def test_generate_is_seeded_and_validation_does_not_change_with_n() -> None:
    train, val = generate_pairs("reverse", 20, 5, 6, seed=1)
    assert (train, val) == generate_pairs("reverse", 20, 5, 6, seed=1)
    assert generate_pairs("reverse", 20, 5, 6, seed=2)[0] != train
    bigger_train, same_val = generate_pairs("reverse", 25, 5, 6, seed=1)
    assert bigger_train[:20] == train and same_val == val


def test_validation_sources_are_held_out() -> None:
    train, val = generate_pairs("sort", 500, 50, 3, seed=0)  # 1000 sources of 3 digits
    assert not {s for s, _ in val} & {s for s, _ in train}
    assert len({s for s, _ in val}) == 50


def test_a_dial_with_too_few_distinct_sources_is_a_clear_error() -> None:
    with pytest.raises(DataError, match=r"reverse task, size 1: found only \d+ of the 5 held-out"):
        generate_pairs("reverse", 100, 5, 1, seed=0)  # 10 sources, all seen in training


def test_bad_names_and_dials_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"task: expected one of reverse \| sort \| add \| dates"):
        get_task("copy")
    with pytest.raises(ConfigError, match=r"size: the dates task allows 1..4, received 5"):
        generate_pairs("dates", 2, 1, 5, seed=0)
    with pytest.raises(ConfigError, match=r"size: expected an integer >= 1, received 0"):
        generate_pairs("reverse", 2, 1, 0, seed=0)
    with pytest.raises(ConfigError, match=r"data.seed: expected an integer >= 0, received -1"):
        generate_pairs("reverse", 2, 1, 3, seed=-1)


def test_every_task_builds_data_within_its_fixed_vocabulary() -> None:
    for name in TASKS:
        vocab = task_vocab(name)
        assert vocab.tokens[:4] == SEQ2SEQ_SPECIALS
        data = build_task_data(name, 2, 30, 5, seed=0)
        assert data.source_vocab == vocab == data.target_vocab
        for src, tgt in data.pairs("train") + data.pairs("val"):
            assert src.min() >= 4 and (len(tgt) == 0 or tgt.min() >= 4)  # no <unk>
        assert data.source == f"seq2seq:{name}?size=2"


def test_built_data_decodes_back_to_the_generated_text() -> None:
    data = build_task_data("add", 2, 10, 0, seed=3)
    train, _ = generate_pairs("add", 10, 0, 2, seed=3)
    assert [data.decode_target(t) for _, t in data.pairs("train")] == [t for _, t in train]


# ---- the data path ------------------------------------------------------------------------


def test_task_paths_parse_with_defaults_and_build_the_data() -> None:
    assert is_task_path(" seq2seq:reverse") and not is_task_path("synthetic:copy")
    assert parse_task_path("seq2seq:reverse") == ("reverse", DEFAULTS)
    assert DEFAULTS == {"size": 10, "n": 10_000, "val": 1_000}
    name, params = parse_task_path("seq2seq:add?size=3&n=40&val=5")
    assert (name, params) == ("add", {"size": 3, "n": 40, "val": 5})
    data = build_task_path("seq2seq:add?size=3&n=40&val=5", seed=2)
    assert (data.size("train"), data.size("val")) == (40, 5)
    assert task_hash(name, params, 2) == task_hash("add", dict(params), 2)
    assert task_hash(name, params, 2) != task_hash(name, params, 3)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("reverse", r"not a seq2seq task; expected seq2seq:TASK\?size=S&n=N&val=M with TASK"),
        ("seq2seq:copy", r"unknown task 'copy'; expected seq2seq:TASK"),
        ("seq2seq:sort?len=3", r"parameter 'len' is unknown; expected"),
        ("seq2seq:sort?n=3&n=4", r"parameter 'n' is given twice; expected"),
        (
            "seq2seq:sort?size=0",
            r"parameter size: expected an integer from 1 to 1000, received '0'",
        ),
        ("seq2seq:sort?val", r"parameter val: expected an integer from 0 to 1000000, .*'no value'"),
    ],
)
def test_bad_task_paths_name_the_path_and_the_part(path: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"^data\.path '{re.escape(path)}': {message}"):
        parse_task_path(path)
