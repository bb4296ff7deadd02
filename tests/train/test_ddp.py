"""Two gloo ranks with global batch B train exactly as one process with batch B."""

from __future__ import annotations

import multiprocessing
import socket
from typing import Any

import numpy as np
import pytest

from rnnlab.data.batches import Batch
from rnnlab.train.distributed import shard_batch

from ._ddp_worker import train

RTOL, ATOL = 1e-5, 1e-6  # float32, gradients summed in another order


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _two_ranks(*args: Any) -> tuple[str, dict, Any]:
    """Rank 0's result of a 2-rank run (both ranks must end alike)."""
    from ._ddp_worker import rank_main

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    port = _free_port()
    ranks = [context.Process(target=rank_main, args=(r, 2, port, queue, *args)) for r in (0, 1)]
    for process in ranks:
        process.start()
    try:
        results = dict(queue.get(timeout=120) for _ in ranks)
    finally:
        for process in ranks:
            process.join(timeout=30)
    assert [p.exitcode for p in ranks] == [0, 0]
    assert results[0][0] == results[1][0]
    _assert_close(results[0][1], results[1][1])  # the ranks hold the same weights
    return results[0]


def _assert_close(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    assert sorted(got) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=RTOL, atol=ATOL, err_msg=name)


LM = {"train": {"batch_size": 8, "epochs": 1, "max_steps": 6, "seed": 3, "optimizer": "adam"}}
# 45 training examples (_ddp_worker) in batches of 6: the last has 3; two epochs
CLASSIFY = {"train": {"batch_size": 6, "epochs": 2, "seed": 3, "max_steps": None}}


FORECAST = {"train": {"batch_size": 8, "epochs": 1, "max_steps": 6, "seed": 3}}


@pytest.mark.parametrize(
    ("task", "sections"),
    [("language-model", LM), ("classify", CLASSIFY), ("forecast", FORECAST)],
)
def test_two_ranks_reach_the_weights_of_one_process(task: str, sections: dict) -> None:
    status, one, (one_arrays, _) = train(0, 1, task, sections, None, None)
    status2, two, (two_arrays, _) = _two_ranks(task, sections, None, None)
    assert (status, status2) == ("finished", "finished")
    _assert_close(two, one)
    carried = {k: v for k, v in one_arrays.items() if k.startswith("carry.")}
    assert bool(carried) == (task == "language-model")  # the LM state of all 8 streams
    _assert_close({k: two_arrays[k] for k in carried}, carried)
    half = {"train": {**sections["train"], "batch_size": sections["train"]["batch_size"] // 2}}
    other = train(0, 1, task, half, None, None)[1]  # what a rank alone would have learnt
    assert not np.allclose(other["head.weight"], two["head.weight"], rtol=RTOL, atol=ATOL)


def test_a_resumed_distributed_run_equals_an_uninterrupted_one() -> None:
    whole = _two_ranks("language-model", LM, None, None)
    stopped = _two_ranks("language-model", LM, None, 3)  # rank 0 stops, rank 1 follows
    assert stopped[0] == "interrupted"
    assert stopped[2][1]["progress"]["step"] == 3
    resumed = _two_ranks("language-model", LM, stopped[2], None)
    assert resumed[0] == "finished"
    _assert_close(resumed[1], whole[1])
    alone = train(0, 1, "language-model", LM, stopped[2], None)  # the same checkpoint, 1 rank
    _assert_close(alone[1], whole[1])


def test_a_short_last_batch_is_shared_with_weights_that_sum_to_world() -> None:
    batch = Batch(x=np.arange(12).reshape(4, 3), y=np.array([0, 1, 1]), lengths=np.array([4, 2, 1]))
    parts = [shard_batch(batch, "classify", rank, 2) for rank in (0, 1)]
    assert [p.y.tolist() for p, _ in parts] == [[0, 1], [1]]
    assert parts[1][0].x.shape == (1, 1)  # padding past the shard's longest sequence cut
    assert sum(w for _, w in parts) == pytest.approx(2.0)
    empty, weight = shard_batch(Batch(x=np.zeros((2, 1)), y=np.array([1])), "classify", 1, 2)
    assert (empty.size, weight) == (1, 0.0)  # a rank without examples still steps, weight 0


def test_a_tag_batch_is_shared_by_columns_weighted_by_real_tokens() -> None:
    x = np.array([[1, 2, 3], [4, 5, 0], [6, 0, 0]])  # lengths 3, 2, 1
    y = np.array([[0, 1, 2], [1, 2, -100], [2, -100, -100]])
    batch = Batch(x=x, y=y, lengths=np.array([3, 2, 1]))
    parts = [shard_batch(batch, "tag", rank, 2) for rank in (0, 1)]
    assert parts[0][0].y.tolist() == [[0, 1], [1, 2], [2, -100]]
    assert parts[1][0].y.tolist() == [[2]] and parts[1][0].x.tolist() == [[3]]
    # 5 and 1 of the 6 real tokens: weights 2 * 5/6 and 2 * 1/6
    assert [w for _, w in parts] == pytest.approx([10 / 6, 2 / 6])
