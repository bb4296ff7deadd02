"""Ctrl-C during training: the first sets the stop flag, a second raises, and the previous
handler comes back afterwards."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from rnnlab.train.signals import SigintSetsFlag


def test_the_first_ctrl_c_sets_the_flag_and_a_second_raises() -> None:
    before = signal.getsignal(signal.SIGINT)
    flag = threading.Event()
    with SigintSetsFlag(flag):
        os.kill(os.getpid(), signal.SIGINT)
        assert flag.is_set()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_it_changes_nothing() -> None:
    before = signal.getsignal(signal.SIGINT)
    seen = []

    def enter() -> None:
        with SigintSetsFlag(threading.Event()) as active:
            seen.append((active, signal.getsignal(signal.SIGINT)))

    worker = threading.Thread(target=enter)
    worker.start()
    worker.join()
    assert seen == [(None, before)]
