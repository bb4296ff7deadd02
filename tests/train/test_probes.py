"""Probes: dL/dh_t per step, states and gates, recorded during ordinary training.

On the torch engine the gradient-flow probe runs on the model's device
(torch_engine/probe.py); on the numpy engine it reads the reference engine's tapes. Both
are checked against an independent unrolling of the same torch model with autograd, the
torch probe against the reference engine (the oracle) for every layout, and the tape
against the delta recursion itself. Torch paths run on each device of tests/devices.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.events import ProbeTaken
from rnnlab.reference.probe import gradient_flow
from rnnlab.train import Trainer, build_learner
from tests.devices import DEVICES
from tests.train.conftest import prepared_for, small_config


def with_train(config, **update):
    return config.model_copy(update={"train": config.train.model_copy(update=update)})


def unrolled_dh(model, x: torch.Tensor, y: torch.Tensor, task: str):
    """dL/dh_t (T, B, H) of a 1-layer unidirectional torch model, by stepping its cell."""
    cells = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn": torch.nn.RNNCell}
    rnn = model.rnn
    kwargs = {"nonlinearity": rnn.nonlinearity} if model.cell == "rnn" else {}
    device = model.head.weight.device
    cell = cells[model.cell](rnn.input_size, rnn.hidden_size, **kwargs).double().to(device)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in rnn.state_dict().items()})
    inputs = model.embedding(x) if model.embedding is not None else x
    B, H = x.shape[1], rnn.hidden_size
    zeros = torch.zeros(B, H, dtype=torch.float64, device=device)
    state = (zeros,) * (2 if model.cell == "lstm" else 1)
    hs = []
    for t in range(x.shape[0]):
        state = cell(inputs[t], state if model.cell == "lstm" else state[0])
        state = state if isinstance(state, tuple) else (state,)
        state[0].retain_grad()
        hs.append(state[0])
    if task == "language-model":
        logits = model.head(torch.stack(hs))
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
        )
    else:
        loss = torch.nn.functional.mse_loss(model.head(hs[-1]), y)
    loss.backward()
    return torch.stack([h.grad for h in hs]).cpu().numpy()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("engine", ["torch", "numpy"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("task", ["language-model", "forecast"])
def test_gradient_flow_equals_autograd_on_an_unrolled_torch_model(cell, task, engine, device):
    config = small_config(task, model={"cell": cell}, train={"engine": engine, "device": device})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    batch = next(iter(Trainer(learner, prepared, config).batches("train", 0)))
    probe = learner.device_probe if engine == "torch" else learner.probe
    flow, hist = probe(batch, None, step=1)
    # the unrolling runs the torch model (for engine numpy: the one it was initialised from)
    model = build_learner(with_train(config, engine="torch"), prepared, dtype="float64").model
    as_long = task == "language-model"
    x, y = (torch.as_tensor(a, device=model.head.weight.device) for a in (batch.x, batch.y))
    x, y = (x.long(), y.long()) if as_long else (x, y)
    dh = unrolled_dh(model, x, y, task)  # (T, B, H)
    expected = np.linalg.norm(dh, axis=2).mean(axis=1)
    (series,) = flow["series"]
    assert (series["layer"], series["direction"]) == (0, "forward")
    np.testing.assert_allclose(series["norms"], expected, rtol=1e-9, atol=1e-14)
    assert flow["time_steps"] == batch.x.shape[0]
    grads = learner.gradients(batch)
    for name, norm in flow["param_norms"].items():
        assert norm == pytest.approx(np.linalg.norm(grads[name]), rel=1e-9)
    assert sum(hist["grads"]["rnn.weight_hh_l0"]["counts"]) == grads["rnn.weight_hh_l0"].size


def test_the_tape_follows_the_delta_recursion():
    config = small_config("forecast", model={"cell": "rnn"}, train={"engine": "numpy"})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    batch = next(iter(Trainer(learner, prepared, config).batches("train", 0)))
    learner.probe(batch, None, step=1)
    tape = learner.reference_model().rnn.tapes[0]
    W_hh = learner.reference_model().rnn.params["weight_hh_l0"]
    # dh_t = (from the output: only at T for many-to-one) + W_hh^T delta_{t+1}
    for t in range(tape.steps - 1):
        np.testing.assert_allclose(tape.dh[t], tape.delta[t + 1] @ W_hh, atol=1e-14)
    np.testing.assert_allclose(tape.delta, tape.dh * (1 - tape.h[1:] ** 2), atol=1e-14)


def reference_probe(learner, batch, carry=None):
    """The reference engine's probe on the torch learner's weights and carried state."""
    arrays = learner.carry_to_arrays(carry)
    state = None if not arrays else ((arrays["h"], arrays["c"]) if "c" in arrays else arrays["h"])
    model = learner.reference_model()
    return gradient_flow(model, batch.x, batch.y, batch.lengths, state, step=1), model


LAYOUTS = {
    "lm-2-layers-carried": ("language-model", {"num_layers": 2}, True),
    "classify-bidirectional-packed": ("classify", {"num_layers": 2, "bidirectional": True}, False),
    "forecast-2-layers": ("forecast", {"num_layers": 2}, False),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_torch_probe_equals_the_reference_engine(layout, cell, device):
    task, model, carried = LAYOUTS[layout]
    config = small_config(task, model={"cell": cell, **model}, train={"device": device})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    trainer = Trainer(learner, prepared, config)
    batches = iter(trainer.batches("train", 0))
    carry = learner.train_step(next(batches), None).carry if carried else None
    batch = next(batches)
    if task == "classify":
        assert len(set(batch.lengths.tolist())) > 1  # packing really happens
    flow, hist = learner.device_probe(batch, carry, step=1)
    (want, want_hist), _ = reference_probe(learner, batch, carry)
    assert [(s["layer"], s["direction"]) for s in flow["series"]] == [
        (s["layer"], s["direction"]) for s in want["series"]
    ]
    for got, expected in zip(flow["series"], want["series"], strict=True):
        np.testing.assert_allclose(got["norms"], expected["norms"], rtol=1e-9, atol=1e-15)
    assert flow["param_norms"].keys() == want["param_norms"].keys()
    for name, norm in want["param_norms"].items():
        assert flow["param_norms"][name] == pytest.approx(norm, rel=1e-9, abs=1e-15), name
    for kind in ("params", "grads"):
        for name, expected in want_hist[kind].items():
            got = hist[kind][name]
            np.testing.assert_allclose(got["edges"], expected["edges"], rtol=1e-9, atol=1e-12)
            moved = np.abs(np.subtract(got["counts"], expected["counts"])).sum()
            assert sum(got["counts"]) == sum(expected["counts"]) and moved <= 2, (kind, name)


@pytest.mark.parametrize("engine", ["torch", "numpy"])
def test_packed_sequences_average_only_steps_inside_each_length(engine):
    config = small_config(
        "classify", model={"cell": "gru", "bidirectional": True}, train={"engine": engine}
    )
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    batch = prepared.data.encode_texts(["the soup was great .", "bad ."])
    batch = type(batch)(batch.x, np.array([1, 0]), batch.lengths)
    probe = learner.device_probe if engine == "torch" else learner.probe
    flow, _ = probe(batch, None, step=1)
    assert [(s["layer"], s["direction"]) for s in flow["series"]] == [
        (0, "forward"),
        (0, "backward"),
    ]
    if engine == "torch":  # the tapes of the reference engine's pass on the same batch
        reference_probe(learner, batch)
    model = learner.reference_model()
    for series, tape in zip(flow["series"], model.rnn.tapes, strict=True):
        dh = tape.dh[::-1] if tape.reverse else tape.dh
        norms = np.linalg.norm(dh, axis=2)  # (T, B)
        assert series["norms"][0] == pytest.approx(norms[0].mean())  # both inside
        assert series["norms"][-1] == pytest.approx(norms[-1, 0])  # only the long one


@pytest.mark.parametrize("device", DEVICES)
def test_states_and_gates_equal_what_torch_computes(device):
    config = small_config("language-model", model={"cell": "lstm"}, train={"device": device})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    ids = prepared.vocab.encode(list("the cat"))[:, None]  # (T, 1)
    payload = learner.states(ids, list("the cat"))
    (layer,) = payload["layers"]
    model = learner.model
    with torch.no_grad():
        emb = model.embedding(torch.as_tensor(ids, device=learner.device))
        y, (_, c_n) = model.rnn(emb)
        W_ih, W_hh = model.rnn.weight_ih_l0, model.rnn.weight_hh_l0
        b = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
        pre = (emb[1, 0] @ W_ih.T + y[0, 0] @ W_hh.T + b).cpu()  # step 2's pre-activations
        y, c_n = y.cpu(), c_n.cpu()
    np.testing.assert_allclose(layer["h"], y[:, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(layer["c"][-1], c_n[0, 0].numpy(), atol=1e-12)
    H = model.rnn.hidden_size
    np.testing.assert_allclose(
        layer["gates"]["f"][1], torch.sigmoid(pre[H : 2 * H]).numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        layer["gates"]["g"][1], torch.tanh(pre[2 * H : 3 * H]).numpy(), atol=1e-12
    )
    assert payload["tokens"] == list("the cat") and payload["cell"] == "lstm"


def test_training_emits_probes_at_step_1_and_every_probe_every_steps():
    config = small_config("classify", train={"max_steps": 7, "probe_every": 3})
    prepared = prepared_for(config)
    events: list = []
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    probes = [e for e in events if isinstance(e, ProbeTaken)]
    flows = [e for e in probes if e.kind == "gradient_flow"]
    assert [e.step for e in flows] == [1, 3, 6]
    assert [e.step for e in probes if e.kind == "histograms"] == [1, 3, 6]
    assert {"grad_norm", "clipped"} <= set(flows[0].payload)
    states = [e for e in probes if e.kind == "states"]
    assert len(states) == 1 and states[0].step == 7 and states[0].payload["tokens"]


def test_probing_off_and_probes_do_not_change_training():
    runs = []
    for probe_every in (None, 1):
        config = small_config(
            "language-model",
            model={"dropout": 0.3},
            train={"max_steps": 5, "probe_every": probe_every},
        )
        prepared = prepared_for(config)
        learner = build_learner(config, prepared)
        events: list = []
        Trainer(learner, prepared, config, [events.append]).fit()
        runs.append((learner.model_arrays(), events))
    (weights_off, events_off), (weights_on, _) = runs
    assert not any(e.kind == "gradient_flow" for e in events_off if isinstance(e, ProbeTaken))
    for key, value in weights_off.items():  # same RNG, same steps
        np.testing.assert_array_equal(weights_on[key], value)


def test_a_probe_due_on_a_short_last_window_waits_for_a_full_one():
    config = small_config(
        "language-model",
        data={"path": "sample:sample_text", "seq_len": 12},
        train={"batch_size": 8, "epochs": 2, "max_steps": None, "probe_every": 1},
    )
    prepared = prepared_for(config)
    events: list = []
    trainer = Trainer(build_learner(config, prepared), prepared, config, [events.append])
    windows = [b.x.shape[0] for b in trainer.batches("train", 0)]
    assert windows[-1] < 12  # the epoch ends short
    trainer.fit()
    flows = [e for e in events if isinstance(e, ProbeTaken) and e.kind == "gradient_flow"]
    assert {e.payload["time_steps"] for e in flows} == {12}
    assert len(flows) == 2 * (len(windows) - 1)  # every full window


def test_probes_run_numpy_blas_on_one_thread(monkeypatch):
    """On the CPU probes and states run the NumPy engine inside torch training: its BLAS
    threads would contend with torch's for the cores, so they run on one and restore the
    setting after."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from rnnlab.train import learner as learner_module

    def blas_threads() -> set[int]:
        return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}

    seen: list[set[int]] = []

    def recording(real):  # `real`, noting the BLAS threads it runs with
        def wrapper(*args):
            seen.append(blas_threads())
            return real(*args)

        return wrapper

    for name in ("gradient_flow", "states"):
        monkeypatch.setattr(learner_module, name, recording(getattr(learner_module, name)))
    config = small_config("language-model", train={"device": "cpu"})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared)
    batch = next(iter(Trainer(learner, prepared, config).batches("train", 0)))
    with threadpool_limits(limits=2, user_api="blas"):
        learner.probe(batch, None, step=1)
        learner.states(batch.x[:, :1], ["t"] * batch.x.shape[0])
        after = blas_threads()
    assert seen == [{1}, {1}]
    assert after == {2}
