"""POST /api/models/summary: parameters, symbols and counts, checked by hand."""

from __future__ import annotations

from .conftest import TestClient


def summary(client: TestClient, **body: object) -> dict:
    response = client.post("/api/models/summary", json=body)
    assert response.status_code == 200, response.json()
    return response.json()


def test_two_layer_bidirectional_lstm_by_hand(client: TestClient) -> None:
    # V = 10 words, E = 5, H = 3, C = 2 classes; an LSTM stacks 4 gates: 4H = 12 rows.
    model = {"cell": "lstm", "hidden_size": 3, "num_layers": 2, "bidirectional": True}
    result = summary(
        client, task="classify", model=model, embedding={"dim": 5}, vocab_size=10, num_classes=2
    )
    rows = {p["name"]: (p["symbol"], p["shape"], p["count"]) for p in result["parameters"]}
    assert rows["embedding.weight"] == ("E", [10, 5], 50)
    assert rows["rnn.weight_ih_l0"] == ("W_xh (layer 0)", [12, 5], 60)
    assert rows["rnn.weight_hh_l0"] == ("W_hh (layer 0)", [12, 3], 36)
    assert rows["rnn.bias_ih_l0"] == ("b_ih (layer 0)", [12], 12)
    assert rows["rnn.bias_hh_l0_reverse"] == ("b_hh (layer 0, backward)", [12], 12)
    # layer 2 reads both directions of layer 1: D = 2H = 6
    assert rows["rnn.weight_ih_l1"] == ("W_xh (layer 1)", [12, 6], 72)
    assert rows["rnn.weight_hh_l1_reverse"] == ("W_hh (layer 1, backward)", [12, 3], 36)
    assert rows["head.weight"] == ("W_hy", [2, 6], 12)
    assert rows["head.bias"] == ("b_y", [2], 2)
    assert len(rows) == 1 + 2 * 2 * 4 + 2
    # E 50; layer 1: 2 x (60 + 36 + 12 + 12) = 240; layer 2: 2 x (72 + 36 + 24) = 264; head 14
    assert result["total"] == result["trainable"] == 50 + 240 + 264 + 14 == 568
    gates = {p["gates"] for p in result["parameters"] if p["name"].startswith("rnn.")}
    assert gates == {"i f g o"}
    assert result["diagram"] == {
        "steps": 4,
        "layers": 2,
        "directions": 2,
        "readout": "last",
        "cell": "lstm",
        "display_name": "LSTM",
        "embedding": True,
        "labels": {"x": "x_t", "h": "h_t", "y": "y_hat", "c": "c_t"},
    }


def test_a_frozen_embedding_is_not_trainable(client: TestClient) -> None:
    model = {"cell": "lstm", "hidden_size": 3, "num_layers": 2, "bidirectional": True}
    embedding = {"dim": 5, "trainable": False}
    result = summary(
        client, task="classify", model=model, embedding=embedding, vocab_size=10, num_classes=2
    )
    assert (result["total"], result["trainable"]) == (568, 518)


def test_gru_language_model_and_forecaster(client: TestClient) -> None:
    lm = summary(
        client, task="language-model", model={"cell": "gru", "hidden_size": 4},
        embedding={"init": "onehot"}, vocab_size=6,
    )  # fmt: skip
    rows = {p["name"]: (p["shape"], p["gates"]) for p in lm["parameters"]}
    assert rows["rnn.weight_ih_l0"] == ([12, 6], "r z n")  # one-hot: D = V
    assert rows["head.weight"] == ([6, 4], None)
    assert lm["diagram"]["readout"] == "every" and "c" not in lm["diagram"]["labels"]
    series = summary(
        client, task="forecast", model={"cell": "rnn", "hidden_size": 2}, horizon=3, input_size=2
    )
    rows = {p["name"]: (p["symbol"], p["shape"], p["gates"]) for p in series["parameters"]}
    assert rows == {
        "rnn.weight_ih_l0": ("W_xh (layer 0)", [2, 2], None),
        "rnn.weight_hh_l0": ("W_hh (layer 0)", [2, 2], None),
        "rnn.bias_ih_l0": ("b_ih (layer 0)", [2], None),
        "rnn.bias_hh_l0": ("b_hh (layer 0)", [2], None),
        "head.weight": ("W_hy", [3, 2], None),
        "head.bias": ("b_y", [3], None),
    }
    assert series["total"] == 4 + 4 + 2 + 2 + 6 + 3
    assert series["diagram"]["embedding"] is False


def test_summary_errors(client: TestClient) -> None:
    cases = [
        ({"task": "classify", "num_classes": 2}, "vocab_size"),
        ({"task": "classify", "vocab_size": 9}, "num_classes"),
        ({"task": "forecast", "model": {"cell": "gru", "nonlinearity": "relu"}}, "nonlinearity"),
        ({"task": "forecast", "model": {"hidden_size": 0}}, "model.hidden_size"),
        ({"task": "poetry"}, "task"),
    ]
    for body, field in cases:
        response = client.post("/api/models/summary", json=body)
        assert response.status_code == 422 and field in response.json()["detail"], body


def test_an_encoder_decoder_is_summarised(client: TestClient) -> None:
    model = {"hidden_size": 4, "attention": "dot"}
    result = summary(client, task="seq2seq", model=model, embedding={"dim": 2}, vocab_size=6)
    symbols = {p["name"]: p["symbol"] for p in result["parameters"]}
    assert symbols["encoder.rnn.weight_hh_l0"] == "W_hh (encoder, layer 0)"
    assert symbols["decoder.out.weight"] == "W_o" and "decoder.attention.W_s.weight" not in symbols
