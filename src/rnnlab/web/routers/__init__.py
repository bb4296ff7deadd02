"""One router per resource of the JSON API (docs/web-api.md), all mounted under /api."""

from rnnlab.web.routers import (
    cells,
    config,
    datasets,
    embeddings,
    models,
    predict,
    runs,
    tasks,
    trace,
)

ROUTERS = (
    cells.router,
    config.router,
    datasets.router,
    embeddings.router,
    models.router,
    runs.router,
    predict.router,
    tasks.router,
    tasks.run_router,
    trace.router,
)

__all__ = ["ROUTERS"]
