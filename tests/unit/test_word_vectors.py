"""The content-safety word vectors: a text's vector is the normalised sum of its known words',
the stored table survives its int8 round trip, the shipped table puts a word's senses near each
other, and the distiller's WordPiece split is BERT's greedy longest match."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from services.content_safety.distil import vocabulary
from services.content_safety.minilm import MiniLM
from services.content_safety.model import LocalModel
from services.content_safety.word_vectors import WordVectors

pytestmark = pytest.mark.unit

TABLE = WordVectors(
    {"kill": 0, "process": 1, "bread": 2},
    np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], dtype=np.float32),
)


def test_a_text_is_the_normalised_sum_of_its_known_words() -> None:
    out = TABLE.embed(["kill the process", "bread", "nothing known here", ""])
    assert np.allclose(out[0], np.array([1.0, 2.0, 0.0]) / np.sqrt(5.0))
    assert np.allclose(out[1], [0.0, 0.0, 1.0])
    assert not out[2].any()
    assert not out[3].any()
    assert out.dtype == np.float32
    assert out.shape == (4, 3)


def test_the_table_survives_its_int8_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    table = WordVectors({f"w{i}": i for i in range(50)}, rng.normal(size=(50, 8)).astype("f4"))
    table.save(tmp_path / "v.npz")
    back = WordVectors.load(tmp_path / "v.npz")
    assert back.index == table.index
    assert np.abs(back.vectors - table.vectors).max() <= np.abs(table.vectors).max() / 127


def test_the_shipped_table_knows_that_words_of_one_meaning_are_near() -> None:
    words = LocalModel.load().words
    a, b, c = words.embed(
        ["how do i terminate a daemon", "how do i kill a process", "write a poem about bread"]
    )
    assert a @ b > a @ c
    assert b @ a > b @ c


def test_wordpiece_takes_the_longest_prefix_then_the_longest_continuation() -> None:
    vocab = {w: i for i, w in enumerate(["[UNK]", "un", "unhapp", "##i", "##ness", "##y", "hap"])}
    encoder = MiniLM({}, vocab)
    assert encoder.pieces("unhappiness") == [vocab["unhapp"], vocab["##i"], vocab["##ness"]]
    assert encoder.pieces("unhappy") == [vocab["unhapp"], vocab["##y"]]
    assert encoder.pieces("zebra") == [vocab["[UNK]"]]


def test_the_vocabulary_is_the_encoders_words_and_the_training_rows_frequent_words() -> None:
    words, counts = vocabulary(
        ["the", "##ing", "a", "[CLS]", "kill"], ["Zorblat zorblat ZORBLAT once", "the the"]
    )
    assert words == ["kill", "the", "zorblat"]  # one-letter and '##' pieces left out
    assert counts == Counter({"zorblat": 3, "the": 2, "once": 1})
