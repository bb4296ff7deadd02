"""Evaluating an encoder-decoder: the numbers equal decoding and scoring by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rnnlab.data.seq2seq import Seq2SeqData, load_seq2seq_tsv
from rnnlab.data.seq2seq_tasks import build_task_data
from rnnlab.data.tokenize import Tokenizer
from rnnlab.errors import ConfigError, DataError
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss
from rnnlab.torch_engine.seq2seq_search import beam_search, greedy_decode
from rnnlab.train.seq2seq_eval import batch_tensors, evaluate_seq2seq
from rnnlab.train.seq2seq_metrics import bleu, columns, exact_match, token_accuracy


def setup() -> tuple[Seq2Seq, Seq2SeqData]:
    data = build_task_data("sort", 3, 12, 10, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(
        len(data.source_vocab),
        len(data.target_vocab),
        embed_dim=8,
        hidden_size=16,
        attention="general",
    )
    return model, data


def by_hand(model: Seq2Seq, data: Seq2SeqData, beam_size: int) -> dict[str, float]:
    batch = next(data.batches("val", 100))
    src, lengths, tgt_in, tgt_out = batch_tensors(batch, "cpu")
    with torch.no_grad():
        loss = float(sequence_loss(model(src, lengths, tgt_in).logits, tgt_out))
        decode = greedy_decode if beam_size == 1 else beam_search
        ids = decode(model, src, lengths, 5).ids.numpy()  # targets 3 + <eos>, + 1
    predicted, reference = columns(ids), columns(batch.decoder_targets)
    return {
        "loss": loss,
        "exact_match": exact_match(predicted, reference),
        "token_accuracy": token_accuracy(predicted, reference),
        "examples": 10.0,
    }


@pytest.mark.parametrize("beam_size", [1, 2])
def test_evaluation_equals_decoding_and_scoring_by_hand(beam_size: int) -> None:
    model, data = setup()
    model.train()
    got = evaluate_seq2seq(model, data, "val", batch_size=4, beam_size=beam_size)  # 3 batches
    want = by_hand(model.eval(), data, beam_size)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert math.isclose(got[key], value, rel_tol=1e-5), key


def test_the_model_keeps_its_mode_and_bad_arguments_are_refused() -> None:
    model, data = setup()
    model.train()
    evaluate_seq2seq(model, data)
    assert model.training
    model.eval()
    evaluate_seq2seq(model, data)
    assert not model.training
    with pytest.raises(ConfigError, match=r"beam_size: expected an integer >= 1, received 0"):
        evaluate_seq2seq(model, data, beam_size=0)
    empty = build_task_data("sort", 3, 12, 0, seed=0)
    with pytest.raises(DataError, match=r"seq2seq:sort\?size=3: the val split is empty"):
        evaluate_seq2seq(model, empty)


def test_sentences_are_also_scored_by_bleu_of_their_texts(tmp_path: Path) -> None:
    pairs = [("the cat sat", "le chat assis"), ("a dog ran", "un chien courait")] * 6
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("source\ttarget\n" + "".join(f"{a}\t{b}\n" for a, b in pairs))
    data = load_seq2seq_tsv(tsv, Tokenizer("word"), val_fraction=0.5, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(len(data.source_vocab), len(data.target_vocab), embed_dim=8, hidden_size=8)
    got = evaluate_seq2seq(model, data, "val", batch_size=4)
    batch = next(data.batches("val", 100))
    src, lengths, _, _ = batch_tensors(batch, "cpu")
    with torch.no_grad():
        max_len = int(batch.tgt_lengths.max()) + 1  # as evaluate_seq2seq decodes
        ids = greedy_decode(model.eval(), src, lengths, max_len).ids.numpy()
    texts = [data.decode_target(c) for c in columns(ids)]
    references = [data.decode_target(c) for c in columns(batch.decoder_targets)]
    assert got["bleu"] == pytest.approx(bleu(texts, references))
    assert "bleu" not in evaluate_seq2seq(*setup())  # characters: no BLEU
