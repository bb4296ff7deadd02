"""A rich progress bar driven by the trainer's events: rate, ETA and current metrics."""

from __future__ import annotations

from collections import deque

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from rnnlab.events import CheckpointReady, Evaluated, Event, RunEnded, RunStarted, StepDone


def _fmt(metrics: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.4g}" for k, v in metrics.items())


class TokenRate:
    """Tokens per second over the last ``window`` steps: total tokens / total seconds,
    so one unusually fast or slow step does not make the number jump."""

    def __init__(self, window: int = 50) -> None:
        self.steps: deque[tuple[int, float]] = deque(maxlen=window)

    def add(self, tokens: int, seconds: float) -> None:
        self.steps.append((tokens, seconds))

    def per_second(self) -> float:
        seconds = sum(s for _, s in self.steps)
        return sum(t for t, _ in self.steps) / max(seconds, 1e-9)


class ProgressView:
    """Subscribe with `service.train(..., on_event=ProgressView(console))`."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[metrics]}"),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None
        self.loss: float | None = None
        self.rate = TokenRate()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.progress.start()
            self.task = self.progress.add_task(
                "train", total=event.total_steps, completed=event.start_step, rate="", metrics=""
            )
        elif isinstance(event, StepDone) and self.task is not None:
            self.loss = event.loss if self.loss is None else 0.9 * self.loss + 0.1 * event.loss
            self.rate.add(event.tokens, event.seconds)
            rate = f"{self.rate.per_second():,.0f} tok/s"
            self.progress.update(
                self.task,
                completed=event.step,
                rate=rate,
                metrics=f"loss {self.loss:.4f}  |g| {event.grad_norm:.3g}",
            )
        elif isinstance(event, Evaluated):
            mark = " (best)" if event.best else ""
            self.progress.console.print(f"step {event.step}: {_fmt(event.metrics)}{mark}")
        elif isinstance(event, CheckpointReady) and event.reason == "interrupt":
            self.progress.console.print("interrupted: checkpoint saved")
        elif isinstance(event, RunEnded):
            self.progress.stop()
            colour = {"finished": "green", "early-stopped": "green"}.get(event.status, "yellow")
            self.console.print(Text.assemble((event.status, colour), f": {event.message}"))
