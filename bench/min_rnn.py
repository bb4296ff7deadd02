"""minGRU and minLSTM (parallel scan over time) against the GRU: char-LM training tokens/s.

Text: tinyshakespeare.txt from ../shared/data (the bundled sample tiny_stories repeated to
2 MB when the folder is absent, as in gpu.py). Model: config a of _common.CONFIGS (1 layer
x 128, embedding 64, batch 32), at its own seq 64 and again at seq 512, torch engine on
the CPU (or a GPU), float32, Adam (lr 2e-3), clip 5, probes and evaluation off: rnnlab
end to end (``build_learner`` + ``Trainer.fit``, timed as in throughput.py).

- GRU: ``train.kernel`` auto (rnnlab's explicit GRU layer where it is faster, else nn.GRU;
  on a GPU, cuDNN's);
- minGRU, minLSTM: the generic CellRecurrent, whose ``sequence`` is ``rnnlab.cells._scan``:
  on the CPU a loop over t with a hand-written backward (``DiagonalLoop``), on a GPU the
  log-space parallel scan (no loop over t inside a 64-step chunk).

Blocks of every cell are interleaved repetition by repetition; the table gives medians,
and "x GRU" is the median of the per-repetition ratios (same run, same threads).

    .venv/bin/python bench/min_rnn.py                 # 1 thread, seq 64 and 512
    .venv/bin/python bench/min_rnn.py --quick         # a smoke run
    .venv/bin/python bench/min_rnn.py --threads 1,2
    .venv/bin/python bench/min_rnn.py --cells gru,lstm,lstm-ln   # the recurrent cells
    python3 bench/min_rnn.py --device cuda           # on a GPU machine (GRU: cuDNN)
"""

from __future__ import annotations

import argparse
import tempfile
from typing import Any

from _common import CONFIGS, describe, lm_config, median, parse_threads, set_threads
from _common import table as markdown_table
from gpu import text_path
from rnnlab import cells
from rnnlab.data import prepare
from rnnlab.service import load_config
from throughput import rnnlab_block

CELLS = ("gru", "mingru", "minlstm")  # --cells: any registered cell; the GRU is the reference
SEQ_LENS = (CONFIGS["a"]["seq"], 512)  # config a as it is, then long sequences


def plans(quick: bool) -> dict[int, dict[str, int]]:
    """Warm-up steps, timed steps and repetitions per sequence length."""
    short, long = SEQ_LENS
    if quick:
        return {
            short: {"warmup": 1, "steps": 3, "reps": 1},
            long: {"warmup": 1, "steps": 2, "reps": 1},
        }
    return {
        short: {"warmup": 2, "steps": 15, "reps": 3},
        long: {"warmup": 1, "steps": 4, "reps": 3},
    }


def config_for(cell: str, path: str, seq_len: int, device: str) -> Any:
    mapping = lm_config("a", cell, path, lr=2e-3, clip_grad_norm=5.0, device=device)
    mapping["data"]["seq_len"] = seq_len
    return load_config(mapping)


def measure(
    path: str, seq_len: int, plan: dict[str, int], device: str, chosen: tuple[str, ...] = CELLS
) -> dict[str, list[float]]:
    """tokens/s per repetition for each cell, interleaved."""
    configs = {cell: config_for(cell, path, seq_len, device) for cell in chosen}
    prepared = prepare(configs["gru"])  # the same data for every cell
    for config in configs.values():
        rnnlab_block(config, prepared, 1, 1)  # a discarded round: one-off costs
    runs: dict[str, list[float]] = {cell: [] for cell in chosen}
    for _ in range(plan["reps"]):
        for cell, config in configs.items():
            tps, _ = rnnlab_block(config, prepared, plan["warmup"], plan["steps"])
            runs[cell].append(tps)
            name = cells.get(cell).display_name
            print(f"  {device} seq {seq_len} {name}: {tps:,.0f} tok/s", flush=True)
    return runs


def main(
    quick: bool, threads: list[int] | None = None, device: str = "cpu", chosen: tuple = CELLS
) -> str:
    """The Markdown table (threads: torch's intra-op threads; device: cpu or cuda)."""
    chosen = ("gru", *(c for c in chosen if c != "gru"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-min-rnn-") as folder:
        path, label = text_path(folder)  # tinyshakespeare, else the sample repeated to 2 MB
        for t in threads or [1]:
            set_threads(t)
            for seq_len in SEQ_LENS:
                runs = measure(path, seq_len, plans(quick)[seq_len], device, chosen)
                for cell, values in runs.items():
                    ratios = [v / g for v, g in zip(values, runs["gru"], strict=True)]
                    ratio = "1 (ref.)" if cell == "gru" else f"{median(ratios):.2f}"
                    name = cells.get(cell).display_name
                    rows.append([seq_len, device, t, name, median(values), ratio])
    p = plans(quick)
    steps = "; ".join(
        f"seq {n}: {v['warmup']} warm-up + {v['steps']} timed steps x {v['reps']} reps"
        for n, v in p.items()
    )
    text = (
        f"Data: {label}. Config {describe('a')} (and seq 512), torch engine, float32; "
        f"GRU with kernel auto, minGRU/minLSTM on _scan.scan (a loop on the CPU, the log-space "
        f"scan on a GPU). {steps}. Medians; "
        "x GRU: median of per-repetition ratios (interleaved).\n\n"
        + markdown_table(["seq", "device", "threads", "cell", "tokens/s", "x GRU"], rows)
        + "\n"
    )
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--threads", default="1", help="comma-separated thread counts")
    parser.add_argument("--device", default="cpu", help="cpu (the figures asked for) or cuda")
    parser.add_argument(
        "--cells", default=",".join(CELLS), help=f"comma-separated, of {', '.join(cells.names())}"
    )
    args = parser.parse_args()
    chosen = tuple(args.cells.split(","))
    unknown = [c for c in chosen if c not in cells.names()]
    if unknown:
        parser.error(f"--cells: expected among {', '.join(cells.names())}, received {unknown}")
    main(args.quick, parse_threads(args.threads), args.device, chosen)
