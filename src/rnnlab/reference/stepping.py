"""One token at a time through a trained language model in NumPy, for generation on the CPU.

At B = 1 a token costs per-call overhead, not arithmetic: a PyTorch op pays a few
microseconds of dispatch whatever its size, a NumPy one about one. So on the CPU the
classic cells (those whose reference implementation is ``_gated.GatedRecurrence``: RNN,
LSTM, GRU) decode through their own reference step, ``step_forward``, the same code the
reference engine trains with and the calculator reads. No formula is written again.

Per layer, ``ReferenceStepper`` keeps a one-step ``Tape`` for the n samples and writes each
new step into it. The input side zx = W_xh x + b_ih of the first layer is a row of a
table, E W_xh^T + b_ih (V, G), computed once, when that table is small
(``TABLE_LIMIT``). Then come the cell's step and the head's GEMV. bench/generation.py
measures it against the torch stepper and against a bare PyTorch loop.

Weights are a state_dict's arrays by name (``embedding.weight``, ``rnn.weight_ih_l0``,
``head.weight`` ...), float32 as trained. The state is the tapes' h[0] (and c[0]).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnlab import cells
from rnnlab.cells._gated import GatedRecurrence, StepCell
from rnnlab.cells.tape import Tape

Array = np.ndarray
TABLE_LIMIT = 4_000_000  # entries of the first layer's input table (V x G) worth computing


def reference_step_cell(cell: str, nonlinearity: str) -> StepCell | None:
    """The cell's one-step reference implementation, or None for a cell without one (the
    scan cells and LN-LSTM run whole sequences only)."""
    impl = cells.get(cell).reference(nonlinearity)
    return impl.step if isinstance(impl, GatedRecurrence) else None


class _Layer:
    """One layer's weights (as the reference step reads them) and its one-step tape."""

    def __init__(self, step: StepCell, w: Mapping[str, Array], n: int) -> None:
        self.cell = step
        self.W_ih_T = np.ascontiguousarray(w["weight_ih"].T)  # (D, G)
        G, H = w["weight_hh"].shape
        zero = np.zeros(G, w["weight_hh"].dtype)
        self.b_ih, self.b_hh = w.get("bias_ih", zero), w.get("bias_hh", zero)  # (G,) each
        self.W_hh = np.asfortranarray(w["weight_hh"])  # (G, H), as GatedRecurrence passes it
        x = np.zeros((1, n, self.W_ih_T.shape[0]), self.W_hh.dtype)  # (1, n, D)
        self.tape = Tape.allocate(x, None, H, step.gates, step.has_cell_state, False)

    def step(self, x: Array | None) -> Array:
        """h_t (n, H) from the input x_t (n, D), or from zx_t already in the tape (x None)."""
        tape = self.tape
        if x is not None:
            np.matmul(x, self.W_ih_T, out=tape.zx[0])  # (n, G)
            tape.zx[0] += self.b_ih
        self.cell.step_forward(tape, 0, self.W_hh, self.b_hh)
        tape.h[0] = tape.h[1]  # (n, H) the state for the next step
        if tape.c is not None:
            tape.c[0] = tape.c[1]
        return tape.h[1]


class ReferenceStepper:
    """logits = stepper.advance(token_ids) for n samples at once, after ``prime``."""

    def __init__(
        self, cell: str, step: StepCell, weights: Mapping[str, Array], num_layers: int, n: int
    ) -> None:
        stems = [param.stem for param in cells.get(cell).params]

        def layer_weights(k: int) -> dict[str, Array]:  # by stem; a bias may be absent
            found = {stem: weights.get(f"rnn.{stem}_l{k}") for stem in stems}
            return {stem: value for stem, value in found.items() if value is not None}

        self.layers = [_Layer(step, layer_weights(k), n) for k in range(num_layers)]
        self.embedding = weights["embedding.weight"]  # (V, E)
        self.head_T = np.ascontiguousarray(weights["head.weight"].T)  # (H, V)
        self.head_b = weights["head.bias"]  # (V,)
        first = self.layers[0]
        self.table = None  # (V, G): zx of every token for the first layer
        if self.embedding.shape[0] * first.W_hh.shape[0] <= TABLE_LIMIT:
            self.table = self.embedding @ first.W_ih_T + first.b_ih

    def prime(self, h: Array, c: Array | None) -> None:
        """Start from the states (L, n, H) (and c) after the prompt."""
        for k, layer in enumerate(self.layers):
            layer.tape.h[0] = h[k]
            if layer.tape.c is not None:
                layer.tape.c[0] = c[k]

    def advance(self, tokens: list[int]) -> Array:
        """One step of the n samples: token ids (n,) -> logits (n, V)."""
        first = self.layers[0]
        if self.table is not None:
            np.take(self.table, tokens, axis=0, out=first.tape.zx[0])  # (n, G)
            h = first.step(None)
        else:
            h = first.step(self.embedding[tokens])  # (n, E) -> (n, H)
        for layer in self.layers[1:]:
            h = layer.step(h)  # (n, H)
        return h @ self.head_T + self.head_b  # (n, V)
