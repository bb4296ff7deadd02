"""Data: tokenizers and vocabularies, file readers, and the datasets of the three tasks.

    Tokenizer, Vocab             text <-> tokens <-> ids (vocab saved as JSON)
    read_text, read_table, ...   UTF-8 files, TSV/CSV tables, numeric series
    LMData                       parallel token streams for truncated BPTT
    ClassifyData                 padded, time-major classification batches
    SeriesData                   forecasting windows, scaled on the training part only
    synthetic:TASK               long-range memory tasks (adding, copy, order), dial T
    prepare(config)              all of it from a RunConfig, as a Prepared
    sample_path, list_samples    the small data sets bundled as sample:NAME

Every batch is a ``Batch`` (time-major, see ``rnnlab.data.batches``).
"""

from rnnlab.data.batches import Batch
from rnnlab.data.classify import ClassifyData, build_classify, pad_batch, sort_classes
from rnnlab.data.forecast import SeriesData
from rnnlab.data.lm import LMData
from rnnlab.data.prepare import Prepared, prepare
from rnnlab.data.readers import (
    column,
    file_hash,
    infer_format,
    read_series,
    read_table,
    read_table_lines,
    read_text,
)
from rnnlab.data.samples import list_samples, resolve_path, sample_path
from rnnlab.data.split import stratified_split
from rnnlab.data.synthetic import (
    SYNTHETIC_TRAIN,
    SYNTHETIC_VAL,
    baseline,
    build_synthetic,
    input_size_for,
    is_synthetic,
    make_adding,
    make_copy,
    make_order,
    order_windows,
    parse_synthetic_path,
    synthetic_hash,
)
from rnnlab.data.synthetic import TASKS as SYNTHETIC_TASKS
from rnnlab.data.synthetic_data import SyntheticAdding, SyntheticSequences
from rnnlab.data.tokenize import EOS, Tokenizer
from rnnlab.data.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab

__all__ = [
    "EOS",
    "PAD",
    "PAD_ID",
    "SYNTHETIC_TASKS",
    "SYNTHETIC_TRAIN",
    "SYNTHETIC_VAL",
    "UNK",
    "UNK_ID",
    "Batch",
    "ClassifyData",
    "LMData",
    "Prepared",
    "SeriesData",
    "SyntheticAdding",
    "SyntheticSequences",
    "Tokenizer",
    "Vocab",
    "baseline",
    "build_classify",
    "build_synthetic",
    "column",
    "file_hash",
    "infer_format",
    "input_size_for",
    "is_synthetic",
    "list_samples",
    "make_adding",
    "make_copy",
    "make_order",
    "order_windows",
    "pad_batch",
    "parse_synthetic_path",
    "prepare",
    "read_series",
    "read_table",
    "read_table_lines",
    "read_text",
    "resolve_path",
    "sample_path",
    "sort_classes",
    "stratified_split",
    "synthetic_hash",
]
