"""Export a trained run for use without rnnlab: ONNX, a safetensors model file, TorchScript.

Every export is checked before it is written: ONNX with onnxruntime and TorchScript with
torch.jit.load, each against the torch model on random inputs of several lengths and batch
sizes (the largest absolute difference must be at most MAX_EXPORT_DIFF); the safetensors
file is read back and compared with the checkpoint's weights. The file is built in a
temporary folder and lands at the destination in one atomic rename: a refused or failed
export leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.predict import ModelBundle
from rnnlab.service.model_file import model_file_bytes, model_metadata, read_model_file
from rnnlab.service.runs import load_bundle
from rnnlab.store import Store, atomic_write_bytes
from rnnlab.torch_engine import export as graphs
from rnnlab.torch_engine import load_numpy, model_from_config

EXPORT_FORMATS = ("onnx", "safetensors", "torchscript")
MAX_EXPORT_DIFF = 1e-4  # the largest |exported - torch| an export may show


def export_run(
    ref: str, format: str, output: str | Path, home: str | Path | None = None
) -> dict[str, Any]:
    """Write run `ref`'s model (the checkpoint predict uses) to `output` in `format`.

    Returns run, format, path, bytes, max_abs_diff (the check's largest difference),
    checked (the (T, B) shapes of the random inputs, ONNX / TorchScript) and tolerance.
    """
    if format not in EXPORT_FORMATS:
        raise ConfigError(
            f"format: expected one of {' | '.join(EXPORT_FORMATS)}, received {format!r}"
        )
    destination = check_output_path(output, f"{format} file")
    with Store(home) as store:
        run_id = store.get_run(ref).id
    bundle = load_bundle(run_id, home)
    if format == "safetensors":
        data, diff, checked = _model_file(bundle, run_id)
    else:
        data, diff, checked = _graph_file(bundle, run_id, format)
    atomic_write_bytes(destination, data)
    return {
        "run": run_id,
        "format": format,
        "path": str(destination),
        "bytes": len(data),
        "max_abs_diff": diff,
        "checked": checked,
        "tolerance": MAX_EXPORT_DIFF,
    }


def _model_file(bundle: ModelBundle, run_id: str) -> tuple[bytes, float, list[list[int]]]:
    """The safetensors model file, read back: its weights equal the checkpoint's."""
    data = model_file_bytes(bundle, run_id)
    with tempfile.TemporaryDirectory(prefix="rnnlab-export-") as folder:
        path = Path(folder) / "model.safetensors"
        path.write_bytes(data)
        weights = read_model_file(path).weights
    diff = max(
        float(np.max(np.abs(weights[key] - value), initial=0.0))
        for key, value in bundle.weights.items()
    )
    return data, diff, []


def _graph_file(
    bundle: ModelBundle, run_id: str, format: str
) -> tuple[bytes, float, list[list[int]]]:
    """An ONNX or TorchScript file of the bundle's model, checked against the torch model."""
    vocab_size = None if bundle.vocab is None else len(bundle.vocab)
    model = model_from_config(bundle.config, vocab_size, bundle.num_labels)
    load_numpy(model, bundle.weights)
    model.eval()
    write: Callable[..., None] = graphs.export_onnx
    runner: Callable[[Path], graphs.RunFile] = graphs.onnx_runner
    if format == "torchscript":
        write, runner = graphs.export_torchscript, graphs.torchscript_runner
    with tempfile.TemporaryDirectory(prefix="rnnlab-export-") as folder:
        path = Path(folder) / f"model.{format}"
        try:
            write(model, path, model_metadata(bundle, run_id))
            diff = graphs.max_difference(model, runner(path))
        except RnnlabError:
            raise
        except Exception as err:  # the exporter's own failure: a message, not a traceback
            raise DataError(f"run {run_id}: the {format} export failed in torch: {err}") from err
        if not diff <= MAX_EXPORT_DIFF:
            raise DataError(
                f"run {run_id}: the {format} export differs from the torch model by {diff:.3g} "
                f"on random inputs (at most {MAX_EXPORT_DIFF} allowed); nothing written"
            )
        data = path.read_bytes()
    return data, diff, [list(shape) for shape in graphs.CHECK_SHAPES]
