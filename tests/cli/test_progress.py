"""The training progress bar: a steady tokens/s and messages shown as written."""

from __future__ import annotations

import io

from rich.console import Console

from rnnlab.cli.progress import ProgressView, TokenRate
from rnnlab.events import RunEnded, RunStarted, StepDone


def _step(step: int, tokens: int, seconds: float) -> StepDone:
    return StepDone(step, 0, 1.0, 1.0, False, 0.1, tokens, seconds)


def test_token_rate_is_tokens_over_seconds_of_the_recent_steps():
    rate = TokenRate(window=4)
    for tokens, seconds in [(100, 1.0), (100, 0.01), (100, 1.0), (100, 1.0)]:
        rate.add(tokens, seconds)
    # one fast step (10 000 tok/s on its own) does not make the bar jump
    assert abs(rate.per_second() - 400 / 3.01) < 1e-6
    for _ in range(4):
        rate.add(50, 1.0)
    assert rate.per_second() == 50.0  # older steps leave the window


def test_bar_shows_the_moving_rate_not_the_last_step():
    console = Console(file=io.StringIO(), width=200, color_system=None)
    view = ProgressView(console)
    view(RunStarted(start_step=0, total_steps=10, steps_per_epoch=10, summary={}))
    view(_step(1, 1000, 1.0))
    view(_step(2, 1000, 0.001))  # a single step alone would read 1,000,000 tok/s
    assert view.progress.tasks[0].fields["rate"] == "1,998 tok/s"
    view(RunEnded(step=2, status="finished", message="done"))


def test_run_end_message_is_text_not_markup():
    out = io.StringIO()
    view = ProgressView(Console(file=out, width=200, color_system=None))
    view(RunStarted(start_step=0, total_steps=1, steps_per_epoch=1, summary={}))
    view(RunEnded(step=1, status="finished", message="saved to [bold]runs/x[/bold]"))
    assert "saved to [bold]runs/x[/bold]" in out.getvalue()
