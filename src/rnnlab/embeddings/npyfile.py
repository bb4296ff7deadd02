"""The (V, d) array of an .npy file, read without pickle and without trusting its header.

The header (NumPy format 1.0 or 2.0) is parsed first; its shape and dtype are checked
against the file's size and MAX_DIM before a byte of data is read, so a header claiming
(10, 10**11) float32 costs nothing. Object dtypes (which would need pickle) are refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from rnnlab.embeddings.textvec import MAX_DIM
from rnnlab.errors import DataError

NPY_MAGIC = b"\x93NUMPY"
NPY_MAX_HEADER = 10_000  # bytes of an .npy header (NumPy's own default cap)
NPY_HEADER_READERS = {
    (1, 0): npy_format.read_array_header_1_0,
    (2, 0): npy_format.read_array_header_2_0,
}


def read_npy_matrix(path: Path) -> np.ndarray:
    """The (V, d) array of `path`, its header checked against the file size before reading."""
    with path.open("rb") as handle:
        shape, fortran, dtype = _npy_header(handle, path)
        count = int(np.prod(shape, dtype=np.int64))
        data = handle.read(count * dtype.itemsize)
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")


def _npy_header(handle: BinaryIO, path: Path) -> tuple[tuple[int, int], bool, np.dtype]:
    """(shape, fortran order, dtype) of an .npy header: refused unless it describes a (V, d)
    array of real numbers that the file holds exactly (no object dtype: nothing unpickled)."""
    if handle.read(len(NPY_MAGIC)) != NPY_MAGIC:
        raise DataError(
            f"{path}: not a readable .npy file: it does not start with the NumPy header "
            f"{NPY_MAGIC!r}; expected an array saved by numpy.save"
        )
    handle.seek(0)
    try:
        version = npy_format.read_magic(handle)
        read_header = NPY_HEADER_READERS.get(version)
        if read_header is None:
            raise ValueError(f"format version {version} is not 1.0 or 2.0")
        shape, fortran, dtype = read_header(handle, max_header_size=NPY_MAX_HEADER)
    except (ValueError, TypeError, SyntaxError, EOFError) as err:
        raise DataError(f"{path}: not a readable .npy file ({err})") from None
    if dtype.hasobject:
        raise DataError(
            f"{path}: the array has object dtype, which would need pickle (never loaded); "
            "expected a (V, d) array of real numbers"
        )
    if dtype.kind not in "fiu":
        raise DataError(f"{path}: expected real numbers, received dtype {dtype}")
    if len(shape) != 2 or min(shape) < 0:
        raise DataError(f"{path}: expected a 2-D array (V, d), received shape {shape}")
    if shape[1] > MAX_DIM:
        raise DataError(
            f"{path}: the header claims shape {shape}: d={shape[1]} is over the limit of "
            f"{MAX_DIM} dimensions; expected a (V, d) embedding matrix"
        )
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    held = os.fstat(handle.fileno()).st_size - handle.tell()
    if needed != held:
        raise DataError(
            f"{path}: the header claims shape {shape} of {dtype} ({needed:,} bytes), but the "
            f"file holds {held:,} bytes of data; the file is truncated or its header is wrong"
        )
    return shape, fortran, dtype
