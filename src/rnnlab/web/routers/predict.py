"""/api/runs/{id}/classify | generate | forecast | tag | translate: use a trained model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.deps import Home
from rnnlab.web.schemas import (
    Classified,
    ClassifyRequest,
    Forecast,
    ForecastRequest,
    Generated,
    GenerateRequest,
    Tagged,
    TagRequest,
    Translated,
    TranslateRequest,
)

router = APIRouter(prefix="/runs/{run_id}", tags=["use a model"])


@router.post("/classify", response_model=list[Classified])
def classify(run_id: str, body: ClassifyRequest, home: Home) -> Any:
    """Label and class probabilities of each text."""
    return service.classify(run_id, body.texts, home)


@router.post("/generate", response_model=Generated)
def generate(run_id: str, body: GenerateRequest, home: Home) -> Any:
    """Continue a prompt with a language model (greedy at temperature 0, top-k, top-p)."""
    return service.generate(run_id, **body.model_dump(), home=home)


@router.post("/forecast", response_model=Forecast)
def forecast(run_id: str, body: ForecastRequest, home: Home) -> Any:
    """The next values after `values` (default: the end of the training series)."""
    return service.forecast_values(run_id, body.steps, body.values, home)


@router.post("/tag", response_model=Tagged)
def tag(run_id: str, body: TagRequest, home: Home) -> Any:
    """Each text's tokens with their tags and tag probabilities; a punctuation run also
    gives the text with its marks put back (``punctuated``)."""
    return service.tag_text(run_id, body.texts, home)


@router.post("/translate", response_model=list[Translated])
def translate(run_id: str, body: TranslateRequest, home: Home) -> Any:
    """Each source decoded by an encoder-decoder (greedy at beam_size 1, else beam search),
    with its attention weights and their heatmap (null for a run without attention)."""
    return service.translate_with_attention_maps(
        run_id, body.sources, body.beam_size, body.max_len, home
    )
