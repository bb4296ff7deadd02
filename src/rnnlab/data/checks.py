"""Argument checks shared by the datasets (each error names the config field), and the
check of an output path that every writer of a user-named file makes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rnnlab.errors import ConfigError


def check_int(value: object, field: str, low: int) -> int:
    """`value` as an int, or ConfigError naming `field` unless it is an integer >= `low`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"{field}: expected an integer >= {low}, received {value!r}")
    return int(value)


def check_seed(seed: object, field: str) -> int:
    """NumPy seeds must be integers >= 0; say which field when one is not."""
    return check_int(seed, field, 0)


def check_output_path(path: str | Path, what: str = "output file") -> Path:
    """`path` as a Path when a file can be written there: ConfigError naming it when it is a
    folder, or its folder is missing (folders are never created on the fly: a typo in -o
    should not leave a new folder tree behind) or is not a folder."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; expected the path of the {what} to write")
    folder = path.parent
    if not folder.exists():
        raise ConfigError(
            f"{path}: the folder {folder} does not exist; create it first or write the "
            f"{what} elsewhere"
        )
    if not folder.is_dir():
        raise ConfigError(f"{path}: {folder} is a file, not a folder; cannot write the {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{path}: the folder {folder} is not writable; cannot write the {what}")
    return path
