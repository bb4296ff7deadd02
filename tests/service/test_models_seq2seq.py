"""service.model_summary of an encoder-decoder (task seq2seq): every parameter of the
Seq2Seq the config builds, with its symbol, shape and count, checked by hand."""

from __future__ import annotations

from typing import get_args

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.spec.run import Task
from rnnlab.torch_engine.model import TASKS as ONE_NETWORK_TASKS


def rows(result: dict) -> dict[str, tuple[str, list[int], int, str | None]]:
    return {
        p["name"]: (p["symbol"], p["shape"], p["count"], p["gates"]) for p in result["parameters"]
    }


def test_a_bidirectional_lstm_encoder_gru_decoder_with_additive_attention_by_hand() -> None:
    # V = 7, E = 3, H = 2; the encoder reads both ways: M = 2H = 4; attention size A = H_d = 2
    model = {"cell": "lstm", "decoder_cell": "gru", "hidden_size": 2, "bidirectional": True}
    result = service.model_summary("seq2seq", model, {"dim": 3}, vocab_size=7)
    got = rows(result)
    assert got["encoder.embedding.weight"] == ("E_x", [7, 3], 21, None)
    assert got["encoder.rnn.weight_ih_l0"] == ("W_xh (encoder, layer 0)", [8, 3], 24, "i f g o")
    assert got["encoder.rnn.weight_hh_l0_reverse"] == (
        "W_hh (encoder, layer 0, backward)",
        [8, 2],
        16,
        "i f g o",
    )
    assert got["decoder.embedding.weight"] == ("E_y", [7, 3], 21, None)
    assert got["decoder.attention.W_s.weight"] == ("W_s", [2, 2], 4, None)
    assert got["decoder.attention.W_h.weight"] == ("W_h", [2, 4], 8, None)
    assert got["decoder.attention.W_h.bias"] == ("b_h", [2], 2, None)
    assert got["decoder.attention.v.weight"] == ("v", [1, 2], 2, None)
    # the decoder cell reads [E y_{t-1}; c_t]: 3 + 4 columns; a GRU stacks 3 gates: 3H rows
    assert got["decoder.cell.weight_ih"] == ("W_xh (decoder)", [6, 7], 42, "r z n")
    assert got["decoder.cell.bias_hh"] == ("b_hh (decoder)", [6], 6, "r z n")
    assert got["decoder.out.weight"] == ("W_o", [7, 6], 42, None)  # [s_t; c_t]: 2 + 4
    assert got["bridge.W_b.weight"] == ("W_b", [2, 4], 8, None)
    assert result["total"] == result["trainable"] == sum(r[2] for r in got.values())
    assert result["sizes"] == {"input_size": 3, "num_outputs": 7, "vocab_size": 7}


def test_a_mingru_encoder_and_an_ln_lstm_decoder_list_their_own_parameters() -> None:
    # V = 7, E = 3, H = 2, no attention; minGRU: W_xh (2H x E) and its bias, nothing
    # recurrent; LN-LSTM: W_xh 4H x E, W_hh 4H x H, b, the gains and the shift of c
    model = {"cell": "mingru", "decoder_cell": "lstm-ln", "hidden_size": 2, "attention": "none"}
    result = service.model_summary("seq2seq", model, {"dim": 3}, vocab_size=7)
    got = rows(result)
    assert got["encoder.rnn.weight_ih_l0"] == ("W_xh (encoder, layer 0)", [4, 3], 12, "z n")
    assert got["encoder.rnn.bias_ih_l0"][1:] == ([4], 4, "z n")
    assert not any(name.startswith("encoder.rnn.weight_hh") for name in got)
    assert got["decoder.cell.weight_ih"] == ("W_xh (decoder)", [8, 3], 24, "i f g o")
    assert got["decoder.cell.weight_hh"] == ("W_hh (decoder)", [8, 2], 16, "i f g o")
    assert got["decoder.cell.gain_c"][1:3] == ([2], 2)
    assert got["decoder.cell.shift_c"][1:3] == ([2], 2)
    assert len(got) == 13 and result["total"] == 147


def test_a_mingru_seq2seq_summary_with_the_defaults_builds() -> None:
    result = service.model_summary("seq2seq", {"cell": "mingru"}, vocab_size=7)
    assert "decoder.cell.weight_ih" in rows(result) and result["total"] > 0


def test_without_attention_there_are_no_attention_parameters() -> None:
    result = service.model_summary("seq2seq", {"attention": "none"}, vocab_size=5)
    assert not any(".attention." in name for name in rows(result))


def test_an_embedding_file_decides_the_width() -> None:
    result = service.model_summary("seq2seq", {"hidden_size": 4}, vocab_size=5, input_size=9)
    assert rows(result)["encoder.embedding.weight"][1] == [5, 9]


def test_a_seq2seq_summary_needs_the_vocabulary_size() -> None:
    with pytest.raises(ConfigError, match=r"vocab_size: task seq2seq needs the vocabulary size"):
        service.model_summary("seq2seq", {}, vocab_size=None)


def test_the_one_network_model_and_seq2seq_cover_the_configs_tasks() -> None:
    assert set(ONE_NETWORK_TASKS) | {"seq2seq"} == set(get_args(Task))
    assert "seq2seq" not in ONE_NETWORK_TASKS
