"""Errors translated at the edge: each RnnlabError kind becomes an HTTP status with
``{"detail": "<the message the CLI prints>"}``; and JSON that never carries NaN.

    ConfigError, DataError, ShapeError   422
    RunNotFound, UnknownId               404
    JobConflict, RunBusy                 409
    UploadTooLarge                       413
    TooManyJobs                          429
    OverBudget (a job's memory budget)   503
    TimedOut (a job's time budget)       504
    StoreUnavailable (store locked)      503
    any other RnnlabError                500 (the store or the machine failed)
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rnnlab import service
from rnnlab.errors import (
    ConfigError,
    DataError,
    RnnlabError,
    RunBusy,
    RunNotFound,
    ShapeError,
    StoreUnavailable,
)
from rnnlab.web.jobs import JobConflict
from rnnlab.web.sandbox import OverBudget, TimedOut, TooManyJobs
from rnnlab.web.worker import finite

STATUS: tuple[tuple[type[RnnlabError], int], ...] = (
    (service.UploadTooLarge, 413),
    (TooManyJobs, 429),
    (OverBudget, 503),
    (TimedOut, 504),
    (JobConflict, 409),
    (RunBusy, 409),
    (StoreUnavailable, 503),
    (service.UnknownId, 404),
    (RunNotFound, 404),
    (ConfigError, 422),
    (DataError, 422),
    (ShapeError, 422),
)


class SafeJSONResponse(JSONResponse):
    """JSON where NaN and infinities (a diverged run's metrics) become null."""

    def render(self, content: Any) -> bytes:
        return super().render(finite(content))


def status_of(err: RnnlabError) -> int:
    """The HTTP status of an RnnlabError kind (see the module docstring)."""
    return next((status for kind, status in STATUS if isinstance(err, kind)), 500)


async def rnnlab_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RnnlabError)
    return SafeJSONResponse({"detail": str(err)}, status_code=status_of(err))


async def invalid_request(request: Request, err: Exception) -> JSONResponse:
    """A request that does not match its schema: 422 with one sentence per problem."""
    assert isinstance(err, RequestValidationError)
    return SafeJSONResponse({"detail": validation_text(err.errors())}, status_code=422)


def validation_text(errors: Any) -> str:
    """``body.texts: Field required; query.k: ...`` from pydantic's error list."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request does not match the API"


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RnnlabError, rnnlab_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
