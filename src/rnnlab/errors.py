"""The errors of rnnlab: one base class and its kinds.

Errors are raised where the problem is found, with a message that names the
thing at fault (a file, a line, a field, an argument), what was expected and what
was received. The views (CLI, web) translate them at the edge: a CLI message or
an HTTP 4xx carrying the same text.
"""

from __future__ import annotations

from collections.abc import Iterable


class RnnlabError(Exception):
    """Base class of every error rnnlab raises on purpose."""


class ConfigError(RnnlabError, ValueError):
    """A configuration value or argument is not allowed."""


class DataError(RnnlabError, ValueError):
    """A data file or in-memory data set cannot be used as given."""


class ShapeError(RnnlabError, ValueError):
    """An array does not have the shape the operation needs."""


class RunNotFound(RnnlabError, LookupError):
    """No run with the given id or name exists in the store."""


class RunBusy(RnnlabError):
    """Another live process is training the run: it cannot be removed or resumed now
    (the web answers 409)."""


class StoreUnavailable(RnnlabError):
    """The run store cannot be used now, e.g. another process holds its write lock for
    longer than we wait: try again later (the web answers 503)."""


def error_kind(names: Iterable[str]) -> type[RnnlabError]:
    """The first RnnlabError kind named in `names` (a kind's class name, then its bases'),
    among this module's kinds and their subclasses defined elsewhere and imported: for an
    error that crossed a process boundary by name. RnnlabError when none is known."""
    known: dict[str, type[RnnlabError]] = {}
    pending: list[type[RnnlabError]] = [RnnlabError]
    while pending:
        kind = pending.pop()
        known.setdefault(kind.__name__, kind)
        pending.extend(kind.__subclasses__())
    return next((known[name] for name in names if name in known), RnnlabError)


def expect_shape(name: str, received: tuple[int, ...], expected: tuple[int, ...]) -> None:
    """Raise ShapeError naming `name` unless `received == expected`."""
    if tuple(received) != tuple(expected):
        raise ShapeError(f"{name}: expected shape {_fmt(expected)}, received {_fmt(received)}")


def _fmt(shape: tuple[int, ...]) -> str:
    return str(tuple(int(n) for n in shape))  # (3,) for one axis, as NumPy prints it
