"""Word vectors distilled from a sentence encoder: what lets the content-safety heads judge a word
no labelled row contains.

Hashed n-grams only know the words of the training rows: "terminate the daemon" shares nothing
with "kill the Python process", and a held-out way of asking for harm in words the sets never
used scores as nothing. Each word here carries the vector all-MiniLM-L6-v2 gives it alone
(`distil.py`, at training time), reduced by PCA and weighted by how rare the word is in the
training text (smooth inverse frequency, so "the" and "how" weigh little). A text's vector is
the mean over its words; the heads read it beside the n-grams. At run time it is a dictionary
lookup per word and a mean: no encoder, no tokeniser, no new dependency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

WORD = re.compile(r"[a-z][a-z']*")
"""Words of a skeleton (`services.skeleton`: lower-case, letters folded to ASCII). Letters only,
unlike the n-grams' `gram_hashing.WORD`: a number has no meaning of its own to distil."""


@dataclass(frozen=True)
class WordVectors:
    index: dict[str, int]
    vectors: np.ndarray
    """(words, dims) float32, each row already weighted."""

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def embed(self, skeletons: Sequence[str]) -> np.ndarray:
        """(texts, dims): each text's mean word vector, l2-normalised (zeros if no word is
        known)."""
        get = self.index.get
        ids: list[int] = []
        indptr = [0]
        for text in skeletons:
            ids += [i for i in map(get, WORD.findall(text)) if i is not None]
            indptr.append(len(ids))
        counts = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.float32), ids, indptr),
            shape=(len(skeletons), len(self.index)),
        )
        # One sparse product for the batch: per-text NumPy calls cost more than the sums.
        totals = np.asarray(counts @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(totals, axis=1, keepdims=True)
        return np.asarray(totals / np.where(norms > 0.0, norms, 1.0), dtype=np.float32)

    def save(self, path: Path) -> None:
        scale = np.abs(self.vectors).max(axis=1, keepdims=True) / 127.0
        scale[scale == 0.0] = 1.0
        words = sorted(self.index, key=self.index.__getitem__)
        np.savez_compressed(
            path,
            words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
            codes=np.round(self.vectors / scale).astype(np.int8),
            scale=scale.astype(np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> WordVectors:
        with np.load(path) as z:
            words = z["words"].tobytes().decode().split("\n")
            vectors = z["codes"].astype(np.float32) * z["scale"]
        return cls({w: i for i, w in enumerate(words)}, vectors)
