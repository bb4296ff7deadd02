"""The FastAPI application: the JSON API under /api, the pages, the static files.

    create_app(home, host, token, max_upload_mb)    an app for `rnnlab serve` or tests
    app_from_env()                                  the factory `rnnlab serve` runs

Every route calls ``rnnlab.service``; errors become statuses in ``errors``; the guards
(Host, Origin, token, body size) are ``security.SecurityMiddleware``; training runs in
worker processes managed by ``jobs.JobManager``, stopped cleanly when the app shuts down;
heavy requests (previews, embedding builds) run in budgeted processes (``sandbox``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from rnnlab import __version__, service
from rnnlab.web import errors, pages
from rnnlab.web.jobs import JobManager
from rnnlab.web.routers import ROUTERS
from rnnlab.web.sandbox import HeavyJobs, Limits, warm_up
from rnnlab.web.security import SecurityMiddleware, Settings, check_settings

DESCRIPTION = (
    "The rnnlab workbench's JSON API: data sets, embeddings, model summaries, training "
    "jobs with live events, figures, predictions and the step-by-step calculator. "
    'Errors are {"detail": message} with the message the CLI prints.'
)


def stop_jobs_on_shutdown(
    jobs: JobManager, heavy: HeavyJobs
) -> Callable[[FastAPI], AbstractAsyncContextManager]:
    """The app's lifespan: on start, the heavy requests' fork server (in the background);
    on shutdown, stop every training worker cleanly (interrupt checkpoints) and kill the
    heavy requests' processes."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm_up()
        yield
        heavy.shutdown()
        await run_in_threadpool(jobs.shutdown)

    return lifespan


def create_app(
    home: str | Path | None = None,
    host: str = "127.0.0.1",
    token: str | None = None,
    max_upload_mb: int = 20,
    static_dir: str | Path | None = None,
    train_threads: int | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The workbench app. A host other machines can reach needs a token (ConfigError).

    home: the run store ($RNNLAB_HOME, else ./.rnnlab); static_dir: the pages and assets
    (default: the package's static/); train_threads: torch threads of each training
    process (default: half the CPUs); limits: jobs at a time and the budget of a heavy
    request (default ``Limits()``).
    """
    limits = limits or Limits()
    settings = Settings(
        home=service.resolve_home(home),
        host=host,
        token=check_settings(host, token),
        max_upload_bytes=int(max_upload_mb * 2**20),
        static_dir=Path(static_dir) if static_dir is not None else pages.STATIC_DIR,
    )
    heavy = HeavyJobs(limits)  # the checks of a run prepare its data: a heavy request too
    jobs = JobManager(
        settings.home, threads=train_threads, max_jobs=limits.max_jobs, checks=heavy.run
    )
    app = FastAPI(
        title="rnnlab",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=stop_jobs_on_shutdown(jobs, heavy),
        default_response_class=errors.SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.jobs = jobs
    app.state.heavy = heavy
    errors.install(app)
    app.add_middleware(SecurityMiddleware, settings=settings)
    for router in ROUTERS:
        app.include_router(router, prefix="/api")
    pages.install(app, settings.static_dir)
    return app


def app_from_env() -> FastAPI:
    """The app `rnnlab serve` runs (uvicorn factory): RNNLAB_HOME, RNNLAB_SERVE_HOST,
    RNNLAB_TOKEN, RNNLAB_MAX_UPLOAD_MB, RNNLAB_TRAIN_THREADS, RNNLAB_MAX_JOBS,
    RNNLAB_JOB_SECONDS and RNNLAB_JOB_MEMORY_MB."""
    threads = os.environ.get("RNNLAB_TRAIN_THREADS", "")
    defaults = Limits()
    limits = Limits(
        max_jobs=int(os.environ.get("RNNLAB_MAX_JOBS") or defaults.max_jobs),
        seconds=float(os.environ.get("RNNLAB_JOB_SECONDS") or defaults.seconds),
        memory_mb=int(os.environ.get("RNNLAB_JOB_MEMORY_MB") or defaults.memory_mb),
    )
    return create_app(
        home=os.environ.get("RNNLAB_HOME") or None,
        host=os.environ.get("RNNLAB_SERVE_HOST", "127.0.0.1"),
        token=os.environ.get("RNNLAB_TOKEN") or None,
        max_upload_mb=int(os.environ.get("RNNLAB_MAX_UPLOAD_MB", "20")),
        train_threads=int(threads) if threads.isdigit() else None,
        limits=limits,
    )
