"""A run trained in another process is visible from this one while it trains."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from rnnlab import service

from ._child import STEPS, train_slowly


def test_a_run_training_in_another_process_is_visible(tmp_path: Path) -> None:
    home = tmp_path / "home"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=train_slowly, args=(str(home), queue))
    child.start()
    try:
        run_id = queue.get(timeout=60)
        seen: list[tuple[str, int, int]] = []  # (status, steps, validation points)
        listed: list[str] = []  # the running runs, listed while the child trains
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            details = service.show_run(run_id, home=home)
            val = service.run_metrics(run_id, home=home).get("val", {}).get("val_loss", {})
            seen.append((details["status"], details["steps"], len(val.get("step", []))))
            if details["status"] == "running" and not listed:
                listed = [row["id"] for row in service.list_runs(status="running", home=home)]
            if details["status"] != "running":
                break
            time.sleep(0.05)
        assert queue.get(timeout=60) == "finished"
        child.join(timeout=30)
        assert child.exitcode == 0

        running = [(steps, points) for status, steps, points in seen if status == "running"]
        assert len({steps for steps, _ in running if 0 < steps < STEPS}) >= 2, seen  # growing
        assert len({points for _, points in running if points > 0}) >= 2, seen
        steps_seen = [steps for _, steps, _ in seen]
        assert steps_seen == sorted(steps_seen)  # never goes back
        assert listed == [run_id]
        assert [row["id"] for row in service.list_runs(status="running", home=home)] == []
        final = service.show_run(run_id, home=home)
        assert (final["status"], final["steps"]) == ("finished", STEPS)
        assert final["final_metrics"]["step"] == STEPS
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join(timeout=10)
