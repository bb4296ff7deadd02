"""Request and response bodies of the JSON API (docs/web-api.md), apart from the store's
rows: a run's details and figure data pass through as the service returns them.

Request bodies are strict: an integer is a JSON integer (not true, 1.0 or "1"), a number
is finite, a seed is 0 <= seed < 2^32, texts and lists have a length limit; anything
else is 422 naming the field. Ranges the service checks (with the CLI's messages) are
left to it; the mappings (a run config, a data spec, a trace) are checked by the spec.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rnnlab import service

Task = Literal[service.task_names()]  # type: ignore[valid-type]  # spec.run.Task
CellName = Literal[service.cell_names()]  # type: ignore[valid-type]  # the registry's cells
Mapping = dict[str, Any]
MAX_TEXT = 10_000  # characters of one prompt or sentence
Seed = Annotated[int, Field(ge=0, lt=2**32, description="0 <= seed < 2^32")]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---- datasets ------------------------------------------------------------------------------


class Sample(BaseModel):
    name: str
    path: str
    description: str
    task: Task


class Upload(BaseModel):
    id: str
    path: str = Field(description="upload:<id>, usable wherever a data path is")
    filename: str = Field(description="the name the file was uploaded with (a label only)")
    format: Literal["text", "tsv", "csv"]
    bytes: int
    uploaded_at: str
    task: Task


class Datasets(BaseModel):
    samples: list[Sample]
    uploads: list[Upload]


class PreviewRequest(_Body):
    task: Task
    data: Mapping = Field(
        description="DataSpec fields; path: sample:NAME | synthetic:... | upload:<id>"
    )


class Histogram(BaseModel):
    edges: list[float]
    counts: list[int]


class Preview(BaseModel):
    task: Task
    rows: list[list[str]]
    columns: list[str] | None
    text: str | None
    summary: Mapping
    vocab_size: int | None
    classes: list[str] | None
    lengths: Histogram


# ---- embeddings ----------------------------------------------------------------------------


class EmbeddingEntry(BaseModel):
    id: str
    label: str
    V: int
    d: int
    method: str | None
    created_at: str


class EmbeddingBuild(_Body):
    method: str = Field(
        description="onehot | random | uniform | xavier | orthogonal | ppmi-svd | word2vec"
    )
    dataset: str | None = Field(None, description="a data path: sample:NAME or upload:<id>")
    dim: int | None = Field(None, ge=1, le=4096)
    window: int = Field(5, ge=1, le=50)
    min_count: int = Field(1, ge=1, le=2**31)
    seed: Seed = 0
    tokenizer: Literal["word", "char"] = "word"
    lowercase: bool = True


class EmbeddingCreated(BaseModel):
    id: str
    info: Mapping


class Neighbour(BaseModel):
    word: str
    cosine: float


# ---- cells ---------------------------------------------------------------------------------


class CellGate(BaseModel):
    name: str = Field(description="its symbol, e.g. f")
    title: str = Field(description="its figure title, e.g. forget gate f")
    activation: str = Field(description="sigmoid (0..1) | tanh (-1..1) | ...")


class CellParam(BaseModel):
    stem: str = Field(description="PyTorch's name before _l{k}, e.g. weight_hh")
    symbol: str = Field(description="DESIGN.md's symbol, e.g. W_hh")
    rows: str = Field(description="rows in blocks of H, e.g. 4H")
    cols: str | None = Field(description="input (D) | hidden (H) | null: a vector")


class CellInfo(BaseModel):
    """One registered cell type (``rnnlab.cells``), as ``rnnlab cells --json`` shows it."""

    name: str
    display_name: str
    summary: str
    gates: list[CellGate] = Field(description="in storage order")
    has_cell_state: bool
    recurrent: bool = Field(description="h_{t-1} enters the gates (W_hh exists)")
    parallel_scan: bool
    nonlinearities: list[str] = Field(description="model.nonlinearity choices; the first is f")
    forget_gate: str | None = Field(description="the gate model.forget_bias shifts, if any")
    identity_init: bool = Field(description="model.init identity (IRNN) allowed")
    params: list[CellParam]


# ---- tasks ---------------------------------------------------------------------------------


class TaskShape(BaseModel):
    name: str = Field(description="one-to-many | many-to-one | many-to-many | encoder-decoder")
    title: str
    summary: str
    inputs: Literal["every", "first"] = Field(description="x_t at every step, or one input")
    outputs: Literal["every", "last"] = Field(description="an output at every step, or one")
    encoder_decoder: bool
    when: str = Field(description="training | prediction | both")


class TaskInfo(BaseModel):
    """One task a run can have (``rnnlab.service.tasks``)."""

    name: str
    display_name: str
    hint: str
    shapes: list[TaskShape] = Field(description="the shapes of RNN it is, training first")
    tokens: bool = Field(description="reads tokens through an embedding E")
    predict: str = Field(description="its prediction: /api/runs/{id}/<predict>")
    readout: Literal["vocabulary", "classes", "values"] = Field(
        description="what the output layer scores: the next token (V), K classes or tags, "
        "or the next values of a series"
    )
    formats: list[str] = Field(description="the data.format values it accepts")
    engines: list[str] = Field(description="the train.engine values it accepts")
    bidirectional: bool = Field(description="model.bidirectional allowed")
    fields: list[str] = Field(
        description="config fields only some tasks use, this one among them (their "
        "descriptions name it, or 'token tasks' for a task that reads tokens); a field no "
        "task claims is every task's"
    )
    defaults: Mapping = Field(
        description="fields whose value for this task, when left out, is not the field's "
        "default: dotted name -> value"
    )
    figures: list[str] = Field(description="run figures only this task has, e.g. confusion")
    select_by: list[str] = Field(description="train.select_by choices besides auto")
    headline: str = Field(description="the metric a runs table shows, e.g. val_accuracy")
    report: str | None = Field(
        description="the key of a run's details (GET /api/runs/{id}) with its task report's "
        "rows, e.g. tag_comparison"
    )


class FlowSeries(BaseModel):
    layer: int
    direction: str = Field(description="forward | backward | encoder | decoder | ...")


# ---- models --------------------------------------------------------------------------------


class SummaryRequest(_Body):
    task: Task
    model: Mapping = Field(default_factory=dict, description="ModelSpec fields")
    embedding: Mapping = Field(default_factory=dict, description="EmbeddingSpec fields")
    vocab_size: int | None = Field(None, ge=1, le=10_000_000)
    num_classes: int | None = Field(None, ge=1, le=100_000)
    horizon: int | None = Field(None, ge=1, le=1000)
    input_size: int | None = Field(None, ge=1, le=100_000)


class Parameter(BaseModel):
    name: str
    symbol: str
    shape: list[int]
    count: int
    gates: str | None


class ModelSummary(BaseModel):
    parameters: list[Parameter]
    total: int
    trainable: int
    sizes: Mapping
    diagram: Mapping


# ---- runs ----------------------------------------------------------------------------------


class RunCreate(_Body):
    config: Mapping = Field(description="a RunConfig mapping (as the YAML file holds it)")


class RunAccepted(BaseModel):
    id: str
    status: str


class ClassifyRequest(_Body):
    texts: list[Text] = Field(min_length=1, max_length=1000)


class Classified(BaseModel):
    text: str
    label: str
    probabilities: dict[str, float]


class GenerateRequest(_Body):
    prompt: Text = ""
    length: int = 200  # ranges are checked by the service, with the CLI's messages
    temperature: Finite = 1.0
    top_k: int | None = None
    top_p: Finite | None = None
    seed: Seed | None = None
    n: int = 1  # samples in one batch (range checked by the service)
    stop_at_eos: bool | None = None  # None: on for word models, off for char models


class GeneratedSample(BaseModel):
    prompt: str
    text: str
    tokens: list[str]
    full_text: str
    stopped_at_eos: bool = False


class Generated(GeneratedSample):  # the first sample, and all of them
    samples: list[GeneratedSample] = []
    unknown_tokens: list[str] = []  # prompt tokens the vocabulary lacks (read as <unk>)
    warnings: list[str] = []


class ForecastRequest(_Body):
    steps: int = 12
    values: list[Finite] | None = Field(None, max_length=1_000_000)


class Forecast(BaseModel):
    history: list[float]
    forecast: list[float]
    horizon: int


class TagRequest(_Body):
    texts: list[Text] = Field(
        description="texts to tag: tokens separated by spaces (a punctuation run reads "
        "characters); the number of texts is checked by the service"
    )


class TaggedSentence(BaseModel):
    tokens: list[str]
    tags: list[str] = Field(description="the likeliest tag of each token")
    probabilities: list[dict[str, float]] = Field(description="per token: tag -> p")


class TaggedText(BaseModel):
    text: str
    sentences: list[TaggedSentence]
    punctuated: str | None = Field(description="a punctuation run: the text with its marks")


class Tagged(BaseModel):
    task: str
    format: str = Field(description="the run's data format (punctuated: characters)")
    tags: list[str] = Field(description="every tag the run knows")
    results: list[TaggedText]
    unknown_tokens: list[str] = []
    warnings: list[str] = []


class TranslateRequest(_Body):
    sources: list[Text] = Field(description="source texts; their number is checked by the service")
    beam_size: int = Field(1, description="1: greedy decoding; more: beam search")
    max_len: int | None = Field(None, description="decoded tokens at most (<eos> included)")


class Translated(BaseModel):
    source: str
    source_tokens: list[str]
    output: str
    output_tokens: list[str] = Field(description="<eos> left out")
    attention: list[list[float]] | None = Field(
        description="output tokens x source tokens; null without attention"
    )
    unknown_tokens: list[str] = Field(description="source tokens read as <unk>")
    figure: Mapping | None = Field(description="the attention heatmap (figure data) or null")


# ---- calculator ----------------------------------------------------------------------------


class TraceExample(BaseModel):
    name: str
    title: str
    spec: Mapping


class RandomTrace(_Body):
    """A random network's options; one left out takes the calculator's default (one place:
    rnnlab.trace.random.random_trace_spec)."""

    cell: CellName | None = None
    input_size: int | None = None
    hidden_size: int | None = None
    steps: int | None = None
    seed: Seed | None = None
    output: Literal["sigmoid", "softmax", "linear"] | None = None
    readout: Literal["last", "every"] | None = None
    output_size: int | None = None
    nonlinearity: str | None = Field(None, description="one of the cell's; default its first")


class TraceRequest(_Body):
    spec: Mapping = Field(description="a trace mapping (as a trace YAML file holds it)")
    precision: int = Field(4, ge=1, le=12)


class TraceBundle(BaseModel):
    result: Mapping
    markdown: str
    latex: str
    equations: Mapping = Field(
        description="title and sections; each equation's lhs, rule, numbers and result in "
        "plain text and in LaTeX math (tex), for the page to typeset"
    )
