"""A rich progress bar driven by the trainer's events: rate, ETA and current metrics."""

from __future__ import annotations

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

from rnnlab.events import CheckpointReady, Evaluated, Event, RunEnded, RunStarted, StepDone


def _fmt(metrics: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.4g}" for k, v in metrics.items())


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

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.progress.start()
            self.task = self.progress.add_task(
                "train", total=event.total_steps, completed=event.start_step, rate="", metrics=""
            )
        elif isinstance(event, StepDone) and self.task is not None:
            self.loss = event.loss if self.loss is None else 0.9 * self.loss + 0.1 * event.loss
            rate = f"{event.tokens / max(event.seconds, 1e-9):,.0f} tok/s"
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
            self.console.print(f"[{colour}]{event.status}[/{colour}]: {event.message}")
