"""`rnnlab serve`: the web workbench (JSON API and pages) on a local port."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rnnlab import service
from rnnlab.cli.common import handle_errors

APP_FACTORY = "rnnlab.web.app:app_from_env"  # imported by uvicorn: the CLI calls no web code
GRACE_S = 3

EPILOG = (
    "Examples:\n\n"
    "  rnnlab serve      (then open http://127.0.0.1:8000)\n\n"
    "  rnnlab serve --port 8080 --max-upload-mb 100\n\n"
    '  rnnlab serve --host 192.168.1.20 --token "$(openssl rand -hex 16)"\n\n'
    "  rnnlab serve --max-jobs 4 --job-seconds 600 --job-memory-mb 4096\n\n"
    "The server binds 127.0.0.1 unless told otherwise. Any other --host (a name too, even "
    "one that starts with 127.) needs --token (or RNNLAB_TOKEN), and then every request "
    "must carry it: open the printed URL once and it sets a cookie.\n\n"
    "Requests must name the server as localhost, a loopback address (127.0.0.1, [::1]) "
    "or exactly the --host it was started with; a page of another origin cannot change "
    "anything.\n\n"
    "Training runs and heavy requests (data previews, embedding builds) run in processes "
    "of their own: at most --max-jobs of each at a time (429 beyond), a heavy request "
    "within --job-seconds and --job-memory-mb.\n\n"
    "Runs go to $RNNLAB_HOME (default ./.rnnlab). Ctrl-C stops the server; runs in "
    "training stop cleanly with a checkpoint and can be resumed."
)


def url(host: str, port: int, token: str | None) -> str:
    """The address to open (with ?token= when the server needs one)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


@handle_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind (other than loopback: needs a token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(help="Require this token on every request (default: $RNNLAB_TOKEN)."),
    ] = None,
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest upload, in MB.")] = 20,
    train_threads: Annotated[
        int | None,
        typer.Option(min=1, help="Torch threads per training process (default: half the CPUs)."),
    ] = None,
    max_jobs: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="RNNLAB_MAX_JOBS",
            help="Training processes at a time, and heavy requests at a time (429 beyond).",
        ),
    ] = service.DEFAULT_MAX_JOBS,
    job_seconds: Annotated[
        float,
        typer.Option(
            min=1,
            max=86400,
            envvar="RNNLAB_JOB_SECONDS",
            help="Time budget of a heavy request (data preview, embedding build): 504 past it.",
        ),
    ] = service.DEFAULT_JOB_SECONDS,
    job_memory_mb: Annotated[
        int,
        typer.Option(
            min=16,
            envvar="RNNLAB_JOB_MEMORY_MB",
            help="Memory budget of a heavy request, in MB: 422 by its estimate, 503 past it.",
        ),
    ] = service.DEFAULT_JOB_MEMORY_MB,
) -> None:
    """Run the web workbench: build, train, watch and use models in the browser."""
    import uvicorn  # only this command needs it

    token = token or os.environ.get("RNNLAB_TOKEN") or None
    service.require_token(host, token)
    os.environ["RNNLAB_SERVE_HOST"] = host
    os.environ["RNNLAB_MAX_UPLOAD_MB"] = str(max_upload_mb)
    if train_threads:
        os.environ["RNNLAB_TRAIN_THREADS"] = str(train_threads)
    os.environ["RNNLAB_MAX_JOBS"] = str(max_jobs)
    os.environ["RNNLAB_JOB_SECONDS"] = repr(float(job_seconds))
    os.environ["RNNLAB_JOB_MEMORY_MB"] = str(job_memory_mb)
    if token:
        os.environ["RNNLAB_TOKEN"] = token
    typer.echo(f"rnnlab workbench: {url(host, port, token)}  (Ctrl-C to stop)")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_S,  # event streams would hold the shutdown forever
    )


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=EPILOG)(serve)
