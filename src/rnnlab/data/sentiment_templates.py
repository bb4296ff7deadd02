"""Template review sentences whose labels depend on word order, for the sentiment sample.

Cue words recur, so a small model can learn them from a few hundred examples, and
three frames need order to be read correctly, which a bag of words cannot do:

    "the soup was great ."                  plain         -> the adjective's label
    "the soup was not great ."              negation      -> the opposite label
    "the soup was awful but the staff were lovely ."  contrast -> the label after "but"

``generate_sentiment_sentences`` is deterministic (``random.Random`` with a fixed
seed keeps its sequence across Python versions); the shipped ``sentiment.tsv`` ends
with its output after the handwritten sentences, and a test checks that.
"""

from __future__ import annotations

import random

SUBJECTS = [
    ("the battery", "was"),
    ("the screen", "was"),
    ("the film", "was"),
    ("the plot", "was"),
    ("the acting", "was"),
    ("the soup", "was"),
    ("the service", "was"),
    ("the staff", "were"),
    ("the room", "was"),
    ("the sound", "was"),
    ("the camera", "was"),
    ("the pasta", "was"),
    ("the ending", "was"),
    ("the delivery", "was"),
    ("the music", "was"),
    ("the beds", "were"),
    ("the app", "was"),
    ("the coffee", "was"),
    ("the waiters", "were"),
    ("the seats", "were"),
]
POSITIVE = [
    "great",
    "excellent",
    "wonderful",
    "lovely",
    "superb",
    "brilliant",
    "fantastic",
    "good",
    "pleasant",
    "perfect",
]
NEGATIVE = [
    "terrible",
    "awful",
    "poor",
    "horrible",
    "dreadful",
    "bad",
    "disappointing",
    "useless",
    "weak",
    "boring",
]
INTENSIFIERS = ["", "", "really ", "very ", "truly ", "quite "]
OPENERS = ["", "", "", "i thought ", "honestly , ", "overall , "]


def _clause(rng: random.Random, positive: bool) -> str:
    subject, verb = rng.choice(SUBJECTS)
    adjective = rng.choice(POSITIVE if positive else NEGATIVE)
    return f"{subject} {verb} {rng.choice(INTENSIFIERS)}{adjective}"


def _sentence(rng: random.Random, label: int) -> str:
    frame = rng.choice(["plain", "plain", "negation", "contrast"])
    opener = rng.choice(OPENERS)
    if frame == "plain":
        return f"{opener}{_clause(rng, label == 1)} ."
    if frame == "negation":  # "not good" is negative
        subject, verb = rng.choice(SUBJECTS)
        adjective = rng.choice(NEGATIVE if label == 1 else POSITIVE)
        return f"{opener}{subject} {verb} not {adjective} ."
    first = _clause(rng, label != 1)  # the clause after "but" wins
    return f"{opener}{first} but {_clause(rng, label == 1)} ."


def generate_sentiment_sentences(n: int = 760, seed: int = 11) -> list[tuple[str, str]]:
    """n (text, label) pairs, alternating labels 1 and 0, all distinct."""
    rng, seen, rows = random.Random(seed), set(), []
    while len(rows) < n:
        label = len(rows) % 2 == 0
        text = _sentence(rng, int(label))
        if text not in seen:
            seen.add(text)
            rows.append((text, "1" if label else "0"))
    return rows
