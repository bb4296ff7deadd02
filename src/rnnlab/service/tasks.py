"""The tasks a run can have, as the views show them: the one description the web page
(``GET /api/tasks``) reads instead of keeping its own hints, diagrams and metric names.

Which tasks exist, the data formats each accepts, whether it may be bidirectional, the
data fields it alone uses and the metrics it can select its best checkpoint by are the
config layer's answers (``spec.run``: the ``Task`` literal, ``RunConfig``'s validation,
the sections' field descriptions, ``SELECT_BY``), and the figures only a task's runs have
are ``service.figures``'; nothing here repeats them. What the
config does not say lives here, once: a task's display name, its one-line hint, the
shapes of recurrent network it is (``SHAPES``), whether it reads tokens, the prediction
it makes, what its output layer scores and the metric a runs table shows for it.

The shapes, drawn unrolled on the Build page from these fields alone::

    many-to-one      x_1 .. x_T in, one output after the last step (classify, forecast)
    many-to-many     an output at every input step (tag; a language model's training)
    one-to-many      one input starts the sequence, each output fed back as the next
                     input (a language model's generation)
    encoder-decoder  an encoder reads x_1 .. x_S, a decoder writes y_1 .. y_n from its
                     state, optionally attending to every encoder state (seq2seq)
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel

from rnnlab.errors import ConfigError
from rnnlab.service.figures import TASK_OF_FIGURE
from rnnlab.spec.run import SELECT_BY, DataSpec, RunConfig, Task, TrainSpec, parse_run_config

PROBE_PATH = "probe"  # a data path for checking which options a task's config accepts


@dataclass(frozen=True)
class Shape:
    """A shape of recurrent network, as its unrolled diagram shows it."""

    name: str
    title: str
    summary: str
    inputs: Literal["every", "first"]  # x_t at every step, or one input then its own outputs
    outputs: Literal["every", "last"]  # an output at every step, or after the last one
    encoder_decoder: bool  # two networks: an encoder row and a decoder row


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            "one-to-many",
            "one-to-many",
            "one input starts the sequence; each output is fed back as the next input",
            "first",
            "every",
            False,
        ),
        Shape(
            "many-to-one",
            "many-to-one",
            "reads the whole sequence; one output after the last step",
            "every",
            "last",
            False,
        ),
        Shape(
            "many-to-many",
            "many-to-many, aligned",
            "one output at every input step",
            "every",
            "every",
            False,
        ),
        Shape(
            "encoder-decoder",
            "encoder–decoder",
            "an encoder reads the source, a decoder writes a target of another length from "
            "its state (and, with attention, from every encoder state)",
            "every",
            "every",
            True,
        ),
    )
}


@dataclass(frozen=True)
class TaskView:
    """What the config layer does not say about a task (see the module docstring)."""

    display_name: str
    hint: str
    shapes: tuple[tuple[str, str], ...]  # (shape name, when: training | prediction | both)
    tokens: bool  # reads tokens through an embedding E
    predict: str  # the prediction: classify | generate | forecast | tag | translate
    readout: Literal["vocabulary", "classes", "values"]  # what the output layer scores
    headline: str | None = None  # the metric a runs table shows; None: the first select_by
    report: str | None = None  # the key of a run's details with its task's report rows


TASK_VIEWS: dict[str, TaskView] = {
    "language-model": TaskView(
        "language model",
        "predict the next token at every step; generate text one token at a time",
        (("many-to-many", "training"), ("one-to-many", "prediction")),
        True,
        "generate",
        "vocabulary",
        "val_perplexity",
    ),
    "classify": TaskView(
        "classify",
        "one label per sentence, read from the last step",
        (("many-to-one", "both"),),
        True,
        "classify",
        "classes",
    ),
    "forecast": TaskView(
        "forecast",
        "the next values of a numeric series, read from the last step",
        (("many-to-one", "both"),),
        False,
        "forecast",
        "values",
    ),
    "tag": TaskView(
        "sequence labelling",
        "one tag per token (e.g. BIO names, or the punctuation mark after each character)",
        (("many-to-many", "both"),),
        True,
        "tag",
        "classes",
        report="tag_comparison",
    ),
    "seq2seq": TaskView(
        "sequence to sequence",
        "map a source sequence to a target of another length (encoder, decoder, attention)",
        (("encoder-decoder", "both"),),
        True,
        "translate",
        "vocabulary",
    ),
}


def task_names() -> tuple[str, ...]:
    """Every task a run config accepts (``spec.run.Task``), in its order."""
    return typing.get_args(Task)


def _accepts(task: str, data: dict[str, Any] | None = None, **sections: Any) -> bool:
    """Whether a config of `task` with these options passes RunConfig's validation."""
    config = {"task": task, "data": {"path": PROBE_PATH, **(data or {})}, **sections}
    try:
        parse_run_config(config)
    except ConfigError:
        return False
    return True


def _choices(section: type[BaseModel], field: str) -> tuple[str, ...]:
    """The values of a Literal field (without None): DataSpec.format, TrainSpec.engine."""
    annotation = section.model_fields[field].annotation
    if typing.get_origin(annotation) is Literal:
        return tuple(a for a in typing.get_args(annotation) if isinstance(a, str))
    names: list[str] = []
    for arg in typing.get_args(annotation):  # Literal[...] | None
        names.extend(a for a in typing.get_args(arg) if isinstance(a, str))
    return tuple(names)


TOKEN_TASKS = "token tasks"  # a description head naming every task that reads tokens


def _own_fields(task: str) -> list[str]:
    """Config fields whose description says they are for `task` ("forecast: ...",
    "tag, tsv: ...", "task seq2seq: ...", "token tasks: ..." when the task reads tokens),
    as dotted names: data.horizon, ... A field no description head claims is every
    task's."""
    names = {task, TOKEN_TASKS} if TASK_VIEWS[task].tokens else {task}
    own = []
    for section, outer in RunConfig.model_fields.items():
        spec = outer.annotation
        if not (isinstance(spec, type) and issubclass(spec, BaseModel)):
            continue
        for name, field in spec.model_fields.items():
            head, colon, _ = (field.description or "").partition(":")
            takers = {part.strip().removeprefix("task ") for part in head.split(",")}
            if colon and takers & names:
                own.append(f"{section}.{name}")
    return own


def _task_defaults(task: str) -> dict[str, Any]:
    """The config fields whose value, when a config of `task` leaves them out, is not the
    field's own default (e.g. model.bidirectional of a tag run): dotted name -> value."""
    try:
        config = parse_run_config({"task": task, "data": {"path": PROBE_PATH}})
    except ConfigError:
        return {}
    out = {}
    for section in RunConfig.model_fields:
        values = getattr(config, section)
        if not isinstance(values, BaseModel):
            continue
        for name, field in type(values).model_fields.items():
            value = getattr(values, name)
            if not field.is_required() and value != field.get_default(call_default_factory=True):
                out[f"{section}.{name}"] = value
    return out


def describe_task(name: str) -> dict[str, Any]:
    """One task as JSON; ConfigError listing the tasks for any other name."""
    if name not in task_names():
        raise ConfigError(f"task: expected one of {' | '.join(task_names())}, received {name!r}")
    view = TASK_VIEWS[name]
    select_by = list(SELECT_BY.get(name, ()))
    return {
        "name": name,
        "display_name": view.display_name,
        "hint": view.hint,
        "shapes": [{**asdict(SHAPES[shape]), "when": when} for shape, when in view.shapes],
        "tokens": view.tokens,
        "predict": view.predict,
        "readout": view.readout,
        "formats": [f for f in _choices(DataSpec, "format") if _accepts(name, {"format": f})],
        "engines": [
            e for e in _choices(TrainSpec, "engine") if _accepts(name, train={"engine": e})
        ],
        "bidirectional": _accepts(name, model={"bidirectional": True}),
        "fields": _own_fields(name),
        "defaults": _task_defaults(name),
        "figures": [figure for figure, takers in TASK_OF_FIGURE.items() if name in takers],
        "select_by": select_by,
        "report": view.report,
        "headline": view.headline or (f"val_{select_by[0]}" if select_by else "val_loss"),
    }


def list_tasks() -> list[dict[str, Any]]:
    """Every task (``describe_task``), in the config's order."""
    return [describe_task(name) for name in task_names()]
