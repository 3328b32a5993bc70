"""The batch n-gram hasher cuts the same grams as scikit-learn's analysers (only the hash
function differs), keeps grams inside a word and a text, and is stable."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from services import gram_hashing as gh
from services.gram_hashing import WORD, char_wb_grams, word_grams

pytestmark = pytest.mark.unit

N = 2**20  # wide enough that these few grams do not collide
TEXTS = [
    "how do i kill a python process that will not stop",
    "a b",
    "",
    "aaaa aaaa banana",
    "don't stop o'clock naïve",
]


def sklearn(analyzer: str, ngram_range: tuple[int, int]) -> HashingVectorizer:
    """The reference: scikit-learn's vectoriser as the models once used it."""
    return HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        n_features=N,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
        lowercase=False,
        token_pattern=WORD,
    )


def _profiles(x: object) -> list[list[float]]:
    rows = x.tocsr()  # type: ignore[attr-defined]
    return [sorted(np.round(rows[i].data, 5)) for i in range(rows.shape[0])]


def test_character_grams_are_scikit_learns_char_wb_grams_with_another_hash() -> None:
    ours = char_wb_grams(TEXTS, N)
    theirs = sklearn("char_wb", (3, 5)).transform(TEXTS)
    assert _profiles(ours) == _profiles(theirs)
    assert ours.dtype == np.float32
    assert ours.shape == (len(TEXTS), N)


def test_word_grams_are_scikit_learns_word_grams_with_another_hash() -> None:
    for n in (2, 3):
        ours = word_grams(TEXTS, N, max_n=n)
        theirs = sklearn("word", (1, n)).transform(TEXTS)
        assert _profiles(ours) == _profiles(theirs)


def test_no_gram_crosses_a_word_or_a_text() -> None:
    # " a " and " b ": one 3-gram each, nothing spanning "a b"; the second text shares nothing
    # with the first even though the batch is one array.
    x = char_wb_grams(["a b", "b"], N)
    assert x[0].nnz == 2
    assert x[1].nnz == 1
    assert set(x[1].indices) <= set(x[0].indices)
    assert word_grams(["alpha beta"], N).nnz == 3  # alpha, beta, "alpha beta"
    assert [row.nnz for row in word_grams(["alpha", "beta"], N)] == [1, 1]


def test_the_same_text_hashes_to_the_same_columns_in_every_batch() -> None:
    alone = char_wb_grams(["kill the nginx workers"], 2**18)
    batched = char_wb_grams(["something else", "kill the nginx workers"], 2**18)
    assert (alone[0] != batched[1]).nnz == 0


def test_empty_batches_and_texts_give_empty_rows() -> None:
    assert char_wb_grams([], N).shape == (0, N)
    assert word_grams(["", "   "], N).nnz == 0
    with pytest.raises(ValueError, match="power of two"):
        char_wb_grams(["x"], 1000)


def test_token_hashes_are_the_crc32_of_each_token_whatever_it_holds() -> None:
    tokens = [["free", "naïve", "ключ", ""], [], ["a\x00b", "email|w:invoice"]]
    rows, h = gh.token_hashes(tokens)
    flat = [t for ts in tokens for t in ts]
    assert rows.tolist() == [0, 0, 0, 0, 2, 2]
    assert h.tolist() == [zlib.crc32(t.encode()) for t in flat]
