"""Using a trained model: classify sentences, generate text, forecast a series, tag tokens.

Inference runs on the torch engine whichever engine trained the model (the weights are
the same arrays under the same names). Generation carries the hidden state from token to
token, so each new token costs one recurrent step, never a pass over the whole prefix; on
the CPU a classic cell (RNN, LSTM, GRU) takes that step through its NumPy reference step
(``rnnlab.reference.stepping``), about 1.8x the tokens/s of torch's ops at B = 1.

    predictor.py   ModelBundle, Predictor (classify, generate, forecast, tag, states)
    sampling.py    the next token from logits: greedy, temperature, top-k, top-p
"""

from rnnlab.predict.predictor import (
    MAX_GENERATE,
    MAX_SAMPLES,
    ModelBundle,
    Predictor,
    unknown_tokens_warning,
)
from rnnlab.predict.sampling import check_sampling, sample_token, sample_tokens

__all__ = [
    "MAX_GENERATE",
    "MAX_SAMPLES",
    "ModelBundle",
    "Predictor",
    "check_sampling",
    "sample_token",
    "sample_tokens",
    "unknown_tokens_warning",
]
