"""Punctuation restoration as tagging: the marks, the normal form, restore, the files."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab.data.punctuation import (
    MARKS,
    NONE,
    build_punctuation_data,
    characters_to_punctuate,
    normalise,
    parse_anthology,
    punctuation_tags,
    read_punctuated,
    restore,
    restore_lines,
    split_long,
    strip_notes,
    strip_punctuation,
    tag_line,
)
from rnnlab.data.samples import sample_path
from rnnlab.data.tagging import TaggedSentence
from rnnlab.errors import ConfigError, DataError

Write = Callable[[str, "str | bytes"], Path]
GUWEN = Path(__file__).resolve().parents[3] / "shared" / "data" / "guwenguanzhi.txt"


def test_each_character_is_tagged_with_the_mark_after_it() -> None:
    chars, tags = tag_line("學而時習之，不亦說乎？")
    assert "".join(chars) == "學而時習之不亦說乎"
    assert tags == [NONE, NONE, NONE, NONE, "，", NONE, NONE, NONE, "？"]
    assert punctuation_tags().tags == tuple(sorted((NONE, *MARKS))) and len(MARKS) == 7


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("曰：“可矣！”遂行。", "曰：可矣！遂行。"),  # quotes dropped, the pause kept
        ("滅之,執虞公.及其大夫?", "滅之，執虞公。及其大夫？"),  # ASCII marks
        ("曰∶善哉!", "曰：善哉！"),
        ("來聘。……請觀", "來聘。請觀"),  # a run keeps its first mark
        ("其國士——濟國", "其國士，濟國"),  # a dash is a pause
        ("無下拜!”’對曰", "無下拜！對曰"),
        ("，或立於陂(bēi)田", "或立於陂田"),  # leading mark and pinyin note dropped
        ("問諸水濱。”(徵 通 徵)", "問諸水濱。"),
        ("綿上（地名）爲之田。", "綿上爲之田。"),
        ("將禍是[通“事”]務", "將禍是務"),
        ("戰則請從。”（遍 一作：徧)", "戰則請從。"),  # mixed brackets still close
        ("《禮記·檀弓》曰 ：善", "禮記檀弓曰：善"),  # titles, middle dot, space
        ("用於世⒅，忠良", "用於世，忠良"),  # a note number
        ("天\u200b地\t玄\ufeff黃。", "天地玄黃。"),  # format and control characters
        ("髡帣韝鞠\ue031，侍酒", "髡帣韝鞠\ue031，侍酒"),  # a private-use character is text
        ("「吾相之功也！」", "吾相之功也！"),
        ("『非我罪也』！", "非我罪也！"),
    ],
)
def test_normal_form(text: str, normal: str) -> None:
    assert normalise(text) == normal
    assert normalise(normal) == normal


def test_notes_and_strip_punctuation() -> None:
    assert strip_notes("無危(泰山 一作：太山)，不可") == "無危，不可"
    assert strip_punctuation("子曰：“學而時習之。”") == "子曰學而時習之"


def test_round_trip_both_ways() -> None:
    text = "余居山中，屋前有水；屋後有林：春則花開、夏則鳥鳴！豈不樂乎？心安矣。"
    assert restore(*tag_line(text)) == text
    rng = random.Random(0)
    chars = list("天地玄黃宇宙洪荒日月盈昃辰宿列張")
    for _ in range(50):
        tags = [rng.choice((NONE, NONE, NONE, *MARKS)) for _ in chars]
        assert tag_line(restore(chars, tags)) == (chars, tags)


def test_restore_errors() -> None:
    with pytest.raises(DataError, match="restore: 2 characters but 1 tags"):
        restore(["天", "地"], [NONE])
    with pytest.raises(DataError, match=r"restore: tag 2 is '\.'; expected O or one of ，"):
        restore(["天", "地"], [NONE, "."])


ANTHOLOGY = """卷一・甲

山居記
《習作》 今人：某

余居山中，屋前有水。
春則花開。

種樹說
《習作》 今人：某

樹乃大。

卷二・乙

舟行記
《習作》 今人：某

（選自《某書》）
舟行江上。
"""


def test_parse_anthology_volumes_headings_and_paragraph_lines() -> None:
    essays = parse_anthology(ANTHOLOGY)
    assert [(e.volume, e.title, e.source) for e in essays] == [
        ("卷一・甲", "山居記", "《習作》 今人：某"),
        ("卷一・甲", "種樹說", "《習作》 今人：某"),
        ("卷二・乙", "舟行記", "《習作》 今人：某"),
    ]
    assert essays[0].paragraphs == ((6, "余居山中，屋前有水。"), (7, "春則花開。"))


def test_read_punctuated_tags_paragraphs_only_grouped_by_essay(write: Write) -> None:
    sentences, groups = read_punctuated(write("a.txt", ANTHOLOGY))
    assert ["".join(s.tokens) for s in sentences] == [
        "余居山中屋前有水",
        "春則花開",
        "樹乃大",
        "舟行江上",  # the note line has no characters left: skipped
    ]
    assert groups == [0, 0, 1, 2] and [s.line for s in sentences] == [6, 7, 12, 20]
    lines, line_groups = read_punctuated(write("b.txt", "甲，乙。\n\n丙丁\n"), "lines")
    assert [s.tags for s in lines] == [("，", "。"), (NONE, NONE)] and line_groups == [0, 1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("題\n源\n另一行\n\n正文。\n", r"a\.txt: line 1: expected an essay heading of 2 lines"),
        ("卷一\n\n題\n源\n", r"a\.txt: line 3: the essay '題' has no paragraphs"),
        ("卷一\n\n卷二\n", r"a\.txt: no essays"),
        ("題\n源\n\n無標點之文\n", r"a\.txt: no punctuation marks"),
        ("題\n源\n\n“”\n", r"a\.txt: no characters to tag"),
        (b"\xff\n", r"a\.txt: line 1: not UTF-8 text"),
        ("", r"a\.txt: the file is empty"),
    ],
)
def test_read_punctuated_errors(write: Write, content: str | bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_punctuated(write("a.txt", content))


def test_read_punctuated_layout_is_checked(write: Write) -> None:
    with pytest.raises(ConfigError, match=r"data\.layout: expected anthology \| lines"):
        read_punctuated(write("a.txt", "甲，乙。\n"), "poems")


def test_bundled_sample() -> None:
    sentences, groups = read_punctuated(sample_path("punctuation"))
    assert len(set(groups)) == 4 and len(sentences) == 11
    assert "".join(sentences[0].tokens).startswith("余居山中屋前有水")
    assert all(s.tags[-1] in MARKS for s in sentences)  # every paragraph ends with a mark
    counts = Counter(t for s in sentences for t in s.tags)
    assert set(counts) == {NONE, *MARKS}


def test_split_long_cuts_after_sentence_ends_then_marks() -> None:
    chars, tags = tag_line("甲乙，丙。丁戊己，庚辛壬癸")
    long = TaggedSentence(tuple(chars), tuple(tags), 3)
    pieces = split_long(long, 5)
    assert ["".join(p.tokens) for p in pieces] == ["甲乙丙", "丁戊己", "庚辛壬癸"]
    assert [p.tags[-1] for p in pieces] == ["。", "，", NONE] and pieces[2].line == 3
    hard = split_long(TaggedSentence(tuple("天地玄黃宇"), (NONE,) * 5), 2)
    assert ["".join(p.tokens) for p in hard] == ["天地", "玄黃", "宇"]
    assert split_long(long, 100) == [long]
    with pytest.raises(ConfigError, match=r"data\.max_length: expected an integer >= 1"):
        split_long(long, 0)


@pytest.mark.skipif(not GUWEN.is_file(), reason=f"{GUWEN} is absent (shared data)")
def test_guwenguanzhi_marks() -> None:
    sentences, groups = read_punctuated(GUWEN)
    assert len(sentences) == 1012 and len(set(groups)) == 222
    counts = Counter(t for s in sentences for t in s.tags)
    assert counts == {
        NONE: 92612,
        "，": 12708,
        "。": 5259,
        "：": 1006,
        "？": 917,
        "、": 866,
        "；": 832,
        "！": 509,
    }


def test_build_punctuation_data_from_the_sample() -> None:
    data = build_punctuation_data(sample_path("punctuation"), val_fraction=0.25, seed=0)
    assert data.tags == punctuation_tags() and data.size("train") + data.size("val") == 11
    short = build_punctuation_data(
        sample_path("punctuation"), val_fraction=0.25, seed=0, max_length=20
    )
    assert short.size("train") + short.size("val") > 11
    assert short.summary()["train_max_length"] <= 20
    # the same essays are held out: the pieces stay with their essay
    assert short.summary()["val_tokens"] == data.summary()["val_tokens"]


def test_characters_to_punctuate_and_restore_lines() -> None:
    lines = characters_to_punctuate("子曰：學而時習之\n\n“”\n不亦說乎")
    assert lines == [list("子曰學而時習之"), list("不亦說乎")]
    tags = [[NONE, "：", NONE, NONE, NONE, NONE, "。"], [NONE, NONE, NONE, "？"]]
    assert restore_lines(lines, tags) == "子曰：學而時習之。\n不亦說乎？"
    with pytest.raises(DataError, match="text: no characters to punctuate"):
        characters_to_punctuate("。\n“”")
    with pytest.raises(DataError, match="restore: 2 lines of characters but 1 of tags"):
        restore_lines(lines, tags[:1])
