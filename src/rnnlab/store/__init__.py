"""The run store: SQLite (runs, metrics, artifacts index) and a folder per run.

It subscribes to the trainer's events through ``RunRecorder``; the trainer never
imports it. Checkpoints are safetensors plus JSON; every file write is atomic.
"""

from rnnlab.spec.files import atomic_write_bytes, atomic_write_text
from rnnlab.store.checkpoints import (
    list_checkpoints,
    read_checkpoint,
    read_run_checkpoint,
    write_checkpoint,
)
from rnnlab.store.db import Store, default_home
from rnnlab.store.files import atomic_write_json
from rnnlab.store.recorder import RunRecorder
from rnnlab.store.records import RunRecord

__all__ = [
    "RunRecord",
    "RunRecorder",
    "Store",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "default_home",
    "list_checkpoints",
    "read_checkpoint",
    "read_run_checkpoint",
    "write_checkpoint",
]
