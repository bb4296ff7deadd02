"""``Predictor``: a trained model used to classify, generate, forecast and tag (the
package docstring says how)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rnnlab.data.punctuation import characters_to_punctuate
from rnnlab.data.series_transform import SeriesPipeline
from rnnlab.data.tagging import TagVocab
from rnnlab.data.tokenize import EOS, Tokenizer
from rnnlab.data.vocab import PAD_ID, Vocab
from rnnlab.errors import ConfigError, DataError
from rnnlab.predict.sampling import check_sampling, sample_tokens
from rnnlab.reference.probe import states
from rnnlab.reference.stepping import ReferenceStepper, reference_step_cell
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine import load_numpy, model_from_config, reference_twin, to_numpy
from rnnlab.torch_engine.stepping import TokenStepper

MAX_GENERATE = 100_000
MAX_SAMPLES = 100  # generate: samples in one batch


@dataclass
class ModelBundle:
    """Everything needed to use a trained model, as a checkpoint holds it."""

    config: RunConfig
    weights: dict[str, np.ndarray]  # embedding.weight, rnn.*, head.*
    vocab: Vocab | None = None
    classes: list[str] | None = None
    scaler: dict[str, float] | None = None  # forecast: {"mean", "std"} of the training part
    history: list[float] | None = None  # forecast: the series' last values
    series: dict[str, Any] | None = None  # forecast: transform, target, scalers (None: old run)
    tags: TagVocab | None = None  # tag: the tag vocabulary (one output per tag)
    tag_format: str | None = None  # tag: the data format trained on (punctuated: characters)

    @property
    def num_labels(self) -> int | None:
        """Outputs per prediction of a classifier (classes) or a tagger (tags); else None."""
        if self.tags is not None:
            return len(self.tags)
        return len(self.classes) if self.classes else None

    def pipeline(self) -> SeriesPipeline:
        """How values become the net's input and its output becomes values."""
        return SeriesPipeline.from_json({"scaler": self.scaler, "series": self.series})


def unknown_tokens_warning(unknown: list[str]) -> str:
    """The sentence that lists a prompt's tokens missing from the vocabulary."""
    listed = ", ".join(repr(t) for t in unknown[:20]) + (" ..." if len(unknown) > 20 else "")
    return f"{len(unknown)} prompt token(s) not in the vocabulary, read as <unk>: {listed}"


class Predictor:
    """A trained model ready to classify, generate or forecast."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle, self.config = bundle, bundle.config
        vocab_size = len(bundle.vocab) if bundle.vocab is not None else None
        classes = bundle.num_labels
        self.model = model_from_config(self.config, vocab_size, classes)
        load_numpy(self.model, bundle.weights)
        self.model.eval()
        self.device = self.model.head.weight.device  # every input tensor is made there
        data = self.config.data
        self.tokenizer = Tokenizer(data.tokenizer, data.lowercase)

    def to(self, device: str | torch.device) -> Predictor:
        """Use the model on `device`. The default is the CPU wherever the model was trained:
        one token at a time, a small model decodes faster there than a GPU launches kernels."""
        self.model.to(device)
        self.device = self.model.head.weight.device
        return self

    def _require(self, task: str, action: str) -> None:
        if self.config.task != task:
            raise ConfigError(f"{action} needs a {task} run; this run's task is {self.config.task}")

    def _encode(self, text: str) -> np.ndarray:
        return self.bundle.vocab.encode(self.tokenizer.tokenize(text))

    @torch.no_grad()
    def classify(self, texts: list[str]) -> list[dict[str, Any]]:
        """Class probabilities for each text."""
        self._require("classify", "predict")
        encoded = [self._encode(t) for t in texts]
        for number, ids in enumerate(encoded, start=1):
            if len(ids) == 0:
                raise DataError(f"text {number}: empty after tokenizing; nothing to classify")
        lengths = torch.tensor([len(ids) for ids in encoded])  # on the CPU, for packing
        x = torch.zeros((int(lengths.max()), len(texts)), dtype=torch.long, device=self.device)
        for b, ids in enumerate(encoded):
            x[: len(ids), b] = torch.from_numpy(ids)  # (T, B) padded
        logits, _ = self.model(x, lengths)  # (B, C)
        probs = torch.softmax(logits.double(), dim=1).cpu().numpy()
        classes = self.bundle.classes
        return [
            {
                "text": text,
                "label": classes[int(p.argmax())],
                "probabilities": {c: float(v) for c, v in zip(classes, p, strict=True)},
            }
            for text, p in zip(texts, probs, strict=True)
        ]

    def tag_tokens(self, text: str) -> list[str]:
        """A tagger's tokens of `text`: its characters for a punctuation run (marks and
        notes dropped, lines joined), else its whitespace-separated tokens."""
        if self.bundle.tag_format == "punctuated":
            return [ch for line in characters_to_punctuate(text) for ch in line]
        return text.split()

    @torch.no_grad()
    def tag(self, token_lists: list[list[str]]) -> list[dict[str, Any]]:
        """Per sentence of tokens: its tokens, the likeliest tag of each, and each token's
        tag probabilities (``probabilities[i][tag]``). Tokens the vocabulary lacks are
        read as <unk>; ``data.lowercase`` folds them as in training."""
        self._require("tag", "tag")
        if not token_lists:
            raise DataError("text: expected at least one sentence to tag, received none")
        fold = str.lower if self.config.data.lowercase else str
        encoded = []
        for number, tokens in enumerate(token_lists, start=1):
            if not tokens:
                raise DataError(f"sentence {number}: no tokens; expected at least one to tag")
            encoded.append(self.bundle.vocab.encode([fold(t) for t in tokens]))
        lengths = torch.tensor([len(ids) for ids in encoded])  # on the CPU, for packing
        x = torch.full((int(lengths.max()), len(encoded)), PAD_ID, device=self.device)
        for b, ids in enumerate(encoded):
            x[: len(ids), b] = torch.from_numpy(ids)  # (T, B) padded
        logits, _ = self.model(x, lengths)  # (T, B, K)
        probs = torch.softmax(logits.double(), dim=-1).cpu().numpy()
        names = self.bundle.tags.tags
        results = []
        for b, tokens in enumerate(token_lists):
            rows = probs[: len(tokens), b]  # (T_b, K)
            results.append(
                {
                    "tokens": list(tokens),
                    "tags": [names[int(k)] for k in rows.argmax(axis=1)],
                    "probabilities": [dict(zip(names, map(float, r), strict=True)) for r in rows],
                }
            )
        return results

    @torch.no_grad()
    def generate(
        self,
        prompt: str = "",
        length: int = 200,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        n: int = 1,
        stop_at_eos: bool | None = None,
    ) -> dict[str, Any]:
        """Continue `prompt` by up to `length` tokens, `n` samples in one batch (each
        sampled on its own), carrying the hidden state. stop_at_eos (default: on for word
        models) ends a sample at the end of a line (<eos>; a line break for char models).

        Returns the first sample as prompt / text / tokens / full_text, all of them as
        ``samples``, and the prompt's tokens missing from the vocabulary (read as <unk>)
        as ``unknown_tokens`` with a sentence about them in ``warnings``.
        """
        self._require("language-model", "generate")
        check_sampling(temperature, top_k, top_p)
        if not 1 <= length <= MAX_GENERATE:
            raise ConfigError(f"length: expected 1..{MAX_GENERATE}, received {length}")
        if not 1 <= n <= MAX_SAMPLES:
            raise ConfigError(f"n: expected 1..{MAX_SAMPLES} samples, received {n}")
        if stop_at_eos is None:
            stop_at_eos = self.stops_at_eos_by_default
        ids = self._prompt_ids(prompt)
        x = torch.from_numpy(ids).to(self.device)[:, None].expand(len(ids), n)  # (T, n) prompts
        logits, sequence_state = self.model(x)  # primes the state
        end = self._end_of_line_id() if stop_at_eos else None
        draw = functools.partial(
            sample_tokens,
            rng=np.random.default_rng(seed),
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
        )
        samples, running = self._continue(logits[-1], sequence_state, length, draw, end)
        results = [
            self._sample(prompt, generated, not alive)
            for generated, alive in zip(samples, running, strict=True)
        ]
        unknown = self.unknown_tokens(prompt)
        warnings = [unknown_tokens_warning(unknown)] if unknown else []
        return {**results[0], "samples": results, "unknown_tokens": unknown, "warnings": warnings}

    def _continue(
        self,
        last: torch.Tensor,
        sequence_state: Any,
        length: int,
        draw: Callable[[np.ndarray], list[int]],
        end: int | None,
    ) -> tuple[list[list[int]], list[bool]]:
        """Token ids of each sample after the primed state (last: logits (n, V)), and
        whether each is still running (False: it drew `end` and stopped there)."""
        advance = self._advancer(sequence_state, last.shape[0])
        rows = last.cpu().numpy()  # (n, V) logits
        samples: list[list[int]] = [[] for _ in range(len(rows))]
        running = [True] * len(rows)
        with torch.inference_mode():
            for _ in range(length):
                tokens = draw(rows)  # (n, V) -> one id per sample
                for b, token in enumerate(tokens):
                    if running[b] and token == end:
                        running[b] = False  # the line is complete: this sample ends here
                    elif running[b]:
                        samples[b].append(token)
                if not any(running):
                    break
                rows = advance(tokens)  # one step each: (n, V)
        return samples, running

    def _advancer(self, sequence_state: Any, n: int) -> Callable[[list[int]], np.ndarray]:
        """tokens (n,) -> logits (n, V) of the next step, from the primed state. On the CPU
        a classic cell steps in NumPy (its reference step: about 2x the tokens/s of torch's
        ops at B = 1, bench/generation.py); elsewhere, or for other cells, torch steps."""
        model = self.config.model
        step = reference_step_cell(model.cell, model.nonlinearity)
        if self.device.type == "cpu" and step is not None:
            weights = to_numpy(self.model)
            stepper = ReferenceStepper(model.cell, step, weights, model.num_layers, n)
            h, c = sequence_state if isinstance(sequence_state, tuple) else (sequence_state, None)
            stepper.prime(h.numpy(), None if c is None else c.numpy())  # (L, n, H)
            return stepper.advance
        torch_stepper = TokenStepper(self.model)
        state = [torch_stepper.from_sequence_state(sequence_state)]

        def advance(tokens: list[int]) -> np.ndarray:
            logits, state[0] = torch_stepper.advance(tokens, state[0])  # (n, V)
            return logits.cpu().numpy()

        return advance

    @property
    def stops_at_eos_by_default(self) -> bool:
        """Word models end a sample at <eos> unless told otherwise; char models do not."""
        return self.config.data.tokenizer == "word"

    def _end_of_line_id(self) -> int | None:
        end = EOS if self.config.data.tokenizer == "word" else "\n"
        vocab = self.bundle.vocab
        return vocab.token_to_id(end) if end in vocab else None

    def _sample(self, prompt: str, generated: list[int], stopped: bool) -> dict[str, Any]:
        tokens = self.bundle.vocab.decode(np.array(generated, dtype=np.int64))
        prompt_tokens = self.tokenizer.tokenize(prompt) if prompt else []
        return {
            "prompt": prompt,
            "text": self.tokenizer.detokenize(tokens),
            "tokens": tokens,
            "full_text": self.tokenizer.detokenize(prompt_tokens + tokens),
            "stopped_at_eos": stopped,
        }

    def unknown_tokens(self, text: str) -> list[str]:
        """Tokens of `text` that the vocabulary lacks (each once, in order of appearance)."""
        vocab = self.bundle.vocab
        return list(dict.fromkeys(t for t in self.tokenizer.tokenize(text) if t not in vocab))

    def _prompt_ids(self, prompt: str) -> np.ndarray:
        ids = self._encode(prompt) if prompt else np.array([], dtype=np.int64)
        if len(ids) == 0:  # start from a line break
            start = "<eos>" if self.config.data.tokenizer == "word" else "\n"
            vocab = self.bundle.vocab
            token_id = vocab.token_to_id(start) if start in vocab else 2  # 2: most frequent
            ids = np.array([token_id], dtype=np.int64)
        return ids.astype(np.int64)

    def states(self, text: str | None = None, values: list[float] | None = None) -> dict[str, Any]:
        """h_t, c_t and gate activations at every step of one input (see rnnlab.probes).

        Token tasks read `text`; forecasters read `values` (default: the end of the
        training series). Computed by the reference engine on this model's weights.
        """
        if self.config.task == "forecast":
            series = values if values is not None else self.bundle.history
            pipeline = self.bundle.pipeline()
            lag = pipeline.transform.lag  # values lost to differencing before the inputs
            x = np.asarray(series, dtype=float)[-(self.config.data.seq_len * 2 + lag) :]
            if len(x) <= lag:
                raise DataError(f"values: expected more than {lag} values, received {len(x)}")
            pipeline.transform.check(x, "values")
            scaled = pipeline.input_window(x, len(x))[lag:]
            tokens = [f"{v:.4g}" for v in x[lag:]]
            return states(
                reference_twin(self.model), scaled[:, None, None], tokens, self.config.model.cell
            )
        if not text:
            raise DataError("text: give a sentence to look inside the model with")
        tokens = (
            self.tag_tokens(text) if self.config.task == "tag" else self.tokenizer.tokenize(text)
        )
        fold = str.lower if self.config.task == "tag" and self.config.data.lowercase else str
        ids = self.bundle.vocab.encode([fold(t) for t in tokens])[:, None]  # (T, 1)
        if len(tokens) == 0:
            raise DataError("text: empty after tokenizing")
        return states(reference_twin(self.model), ids, tokens, self.config.model.cell)

    @torch.no_grad()
    def forecast(
        self, steps: int, history: list[float] | np.ndarray | None = None
    ) -> dict[str, Any]:
        """The next `steps` values after `history` (default: the end of the training series)."""
        self._require("forecast", "forecast")
        seq_len, horizon = self.config.data.seq_len, self.config.data.horizon
        if not 1 <= steps <= MAX_GENERATE:
            raise ConfigError(f"steps: expected 1..{MAX_GENERATE}, received {steps}")
        values = np.asarray(self.bundle.history if history is None else history, dtype=float)
        pipeline = self.bundle.pipeline()
        need = seq_len + pipeline.transform.lag
        if len(values) < need:
            lag = f" (data.seq_len {seq_len} + {need - seq_len} for data.transform)"
            raise DataError(
                f"history: the model reads {need} values{lag if need > seq_len else ''}, "
                f"received {len(values)}"
            )
        pipeline.transform.check(values, "history")

        def predict(window: np.ndarray) -> np.ndarray:
            x = torch.tensor(window, dtype=torch.float32, device=self.device)[:, None, None]
            out, _ = self.model(x)  # x (T, 1, 1) -> (1, horizon)
            return out[0].double().cpu().numpy()

        forecast = pipeline.continue_series(values, seq_len, predict, steps)
        return {"history": values[-seq_len:].tolist(), "forecast": forecast, "horizon": horizon}
