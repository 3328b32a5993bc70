"""Hashed n-gram features computed for a whole batch at once in NumPy, for every model here:
word n-grams and in-word character n-grams, the grams scikit-learn's `HashingVectorizer` cuts
(`word` and `char_wb` analysers; counts, l2-normalised rows, float32, no alternating sign, so
weights read as evidence for, not a collision's sign), with another hash function, at a
fraction of the cost (tests/unit/test_gram_hashing.py checks the grams against scikit-learn's).
scikit-learn builds and hashes every gram as a Python string: 80 % of the content-safety
stage's time, two thirds of the spam model's and 38 % of the misrepresentation stage's were
spent there.

Here a batch's text becomes one array of code points, each gram's hash is a polynomial rolled
over it (one vector operation per gram length), and only the words themselves are hashed one
by one (crc32, in C). Hashes are stable across processes and machines (no `PYTHONHASHSEED`)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

WORD = r"(?u)\b\w[\w']*\b"
"""A word: letters or digits, with inner apostrophes (don't, o'clock)."""
_WORD = re.compile(WORD)
_P = np.uint64(0x100000001B3)
_M1 = np.uint64(0xBF58476D1CE4E5B9)


WORD_SALT = np.uint64(1 << 40)
"""Added to a word n-gram's hash times n, so that a word and a bigram never share a hash."""


def _mix(h: np.ndarray, n_features: int) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's), then the column."""
    h = h ^ (h >> np.uint64(31))
    h = h * _M1
    h = h ^ (h >> np.uint64(29))
    return (h & np.uint64(n_features - 1)).astype(np.int64)


def columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """The column of each 64-bit gram hash in a space of `n_features` (a power of two)."""
    if n_features & (n_features - 1):
        raise ValueError("n_features must be a power of two")
    return _mix(hashes, n_features)


def count_matrix(
    rows: np.ndarray, cols: np.ndarray, n_texts: int, n_features: int
) -> sp.csr_matrix:
    """Counts of each column per row (float32, duplicates summed, indices sorted). One sort of
    the (row, column) pairs as single integers: scipy's own route (a COO matrix, then each row's
    indices sorted in C++) took 3.0 ms for a batch of 64 demo events in the spam model, this
    1.3 ms."""
    keys, counts = np.unique(rows * n_features + cols, return_counts=True)
    indptr = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n_features, minlength=n_texts), out=indptr[1:])
    return sp.csr_matrix(
        (counts.astype(np.float32), (keys % n_features).astype(np.int32), indptr),
        shape=(n_texts, n_features),
    )


def _l2_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
    return x


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))


def char_wb_hashes(
    texts: Sequence[str], lengths: range = range(3, 6)
) -> tuple[np.ndarray, np.ndarray]:
    """(row, hash) of every in-word character n-gram: each whitespace-separated word padded
    with one space on each side, every gram of each length that fits inside it."""
    padded: list[str] = []
    owners: list[int] = []
    for row, text in enumerate(texts):
        for word in text.split():
            padded.append(f" {word} ")
            owners.append(row)
    if not padded:
        return _EMPTY
    sizes = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    word_of = np.repeat(np.arange(len(padded)), sizes)
    row_of = np.asarray(owners, dtype=np.int64)[word_of]
    rows: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    h = codes
    for n in range(2, lengths.stop):
        h = h[:-1] * _P + codes[n - 1 :]
        if n in lengths:
            inside = word_of[: len(h)] == word_of[n - 1 :]
            rows.append(row_of[: len(h)][inside])
            hashes.append(h[inside] + np.uint64(n))
    if not rows:
        return _EMPTY
    return np.concatenate(rows), np.concatenate(hashes)


def token_hashes(token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(row, hash) of every token of each row's list, in order (crc32 of its UTF-8)."""
    flat = [t for tokens in token_lists for t in tokens]
    if not flat:
        return _EMPTY
    sizes = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    rows = np.repeat(np.arange(len(token_lists), dtype=np.int64), sizes)
    # One encode and one split in C, then crc32 mapped without a Python frame per token (~140
    # -> ~80 ns per token); a token holding the separator falls back to encoding one by one.
    parts = "\x00".join(flat).encode().split(b"\x00")
    if len(parts) != len(flat):
        parts = [t.encode() for t in flat]
    h = np.fromiter(map(zlib.crc32, parts), np.uint64, len(flat))
    return rows, h


def ngram_hashes(rows: np.ndarray, h: np.ndarray, max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, hash) of the 1..max_n-grams of consecutive tokens of one row (rows as given by
    `token_hashes`: each row's tokens contiguous and in order)."""
    out_rows = [rows]
    out = [h + WORD_SALT]
    grams = h
    for n in range(2, max_n + 1):
        grams = grams[:-1] * _P + h[n - 1 :]
        inside = rows[: len(grams)] == rows[n - 1 :]
        out_rows.append(rows[: len(grams)][inside])
        out.append(grams[inside] + np.uint64(n) * WORD_SALT)
    return np.concatenate(out_rows), np.concatenate(out)


def char_wb_grams(
    texts: Sequence[str], n_features: int, lengths: range = range(3, 6)
) -> sp.csr_matrix:
    """In-word character n-grams (`char_wb_hashes`), counts, l2-normalised rows."""
    rows, hashes = char_wb_hashes(texts, lengths)
    cols = columns(hashes, n_features)
    return _l2_rows(count_matrix(rows, cols, len(texts), n_features))


def word_grams(texts: Sequence[str], n_features: int, max_n: int = 2) -> sp.csr_matrix:
    """Word 1..max_n-grams (`gram_hashing.WORD` tokens) of each text, counts, l2-normalised."""
    if max_n < 1:
        raise ValueError("max_n must be at least 1")
    rows, h = token_hashes([_WORD.findall(text) for text in texts])
    if len(h):
        rows, h = ngram_hashes(rows, h, max_n)
    cols = columns(h, n_features)
    return _l2_rows(count_matrix(rows, cols, len(texts), n_features))
