"""The dependencies routes share: the server's settings, its home folder, its jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from rnnlab.web.jobs import JobManager
from rnnlab.web.sandbox import HeavyJobs
from rnnlab.web.security import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_home(request: Request) -> Path:
    """The server's $RNNLAB_HOME (absolute)."""
    return get_settings(request).home


def get_jobs(request: Request) -> JobManager:
    return request.app.state.jobs


def get_heavy(request: Request) -> HeavyJobs:
    return request.app.state.heavy


SettingsDep = Annotated[Settings, Depends(get_settings)]
Home = Annotated[Path, Depends(get_home)]
Jobs = Annotated[JobManager, Depends(get_jobs)]
Heavy = Annotated[HeavyJobs, Depends(get_heavy)]
