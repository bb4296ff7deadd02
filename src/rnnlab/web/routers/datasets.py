"""/api/datasets: the bundled samples, uploads, and a preview of a data set for a task."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, UploadFile

from rnnlab import service
from rnnlab.web.deps import Heavy, Home, SettingsDep
from rnnlab.web.schemas import Datasets, Preview, PreviewRequest, Upload

router = APIRouter(prefix="/datasets", tags=["datasets"])


def read_limited(file: UploadFile, max_bytes: int) -> bytes:
    """At most `max_bytes` + 1 bytes of an upload (one more tells it is too large)."""
    return file.file.read(max_bytes + 1)


@router.get("", response_model=Datasets)
def list_datasets(home: Home) -> Any:
    """The bundled samples and the uploaded files, each with the task it suits."""
    return service.list_datasets(home)


@router.post("", status_code=201, response_model=Upload)
def upload_dataset(file: UploadFile, home: Home, settings: SettingsDep) -> Any:
    """Upload a .txt, .tsv or .csv file (UTF-8; tables with a header); 413 beyond the limit."""
    content = read_limited(file, settings.max_upload_bytes)
    return service.save_upload(file.filename, content, home, settings.max_upload_bytes)


@router.delete("/{upload_id}", status_code=204)
def delete_dataset(upload_id: str, home: Home) -> Response:
    """Remove an uploaded file."""
    service.delete_upload(upload_id, home)
    return Response(status_code=204)


@router.post("/preview", response_model=Preview)
def preview(body: PreviewRequest, home: Home, heavy: Heavy) -> Any:
    """First rows or text, prepare()'s summary, vocabulary, classes and a length histogram
    (prepared in a budgeted process: 429, 503 or 504 past the server's limits)."""
    return heavy.run(
        "data preview", service.preview_dataset, body.task, body.data, home, allow_files=False
    )
