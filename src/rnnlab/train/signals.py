"""Ctrl-C while a run trains: context managers that put a SIGINT handler in place and
restore the previous one (only the main thread can: elsewhere they do nothing)."""

from __future__ import annotations

import signal
import threading
from typing import Any


class SigintHandler:
    """While active, SIGINT calls `on_sigint` instead of the previous handler."""

    def __init__(self) -> None:
        self.previous: Any = None

    def on_sigint(self) -> None:
        raise NotImplementedError

    def _handler(self, signum: int, frame: object) -> None:
        self.on_sigint()

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class SigintSetsFlag(SigintHandler):
    """The first Ctrl-C sets `flag` (a clean stop); a second one raises KeyboardInterrupt."""

    def __init__(self, flag: threading.Event) -> None:
        super().__init__()
        self.flag = flag

    def on_sigint(self) -> None:
        if self.flag.is_set():
            raise KeyboardInterrupt
        self.flag.set()
