"""/api/trace: the step-by-step calculator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.schemas import RandomTrace, TraceBundle, TraceExample, TraceRequest

router = APIRouter(prefix="/trace", tags=["calculator"])


@router.get("/cells")
def cells() -> list[dict[str, Any]]:
    """The cells the calculator traces, with the weight names a trace mapping may give."""
    return service.trace_cells()


@router.get("/examples", response_model=list[TraceExample])
def examples() -> Any:
    """The bundled worked examples as trace mappings."""
    return service.trace_examples()


@router.post("/random")
def random(body: RandomTrace) -> dict[str, Any]:
    """A small random network with an input sequence and a target, as a trace mapping."""
    return service.random_trace(**body.model_dump())


@router.post("", response_model=TraceBundle)
def trace(body: TraceRequest) -> Any:
    """Every number of the forward and BPTT pass, the Markdown and LaTeX worked example,
    and its equations as data (plain text and LaTeX math) for the page to typeset."""
    return service.trace_bundle(body.spec, body.precision)
