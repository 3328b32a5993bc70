"""scikit-learn's hashed n-gram featurisers as the prompt model uses them: word n-grams and
in-word character 3–5-grams, l2-normalised, float32, never sign-alternated (so weights read as
evidence for, not a hash collision's sign). The content-safety model cuts the same grams with
`services.gram_hashing`, batch-wise and ~5 × faster; the prompt model could follow (a retrain)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

WORD = r"(?u)\b\w[\w']*\b"
"""A word: letters or digits, with inner apostrophes (don't, o'clock)."""


def word_grams(n_features: int, ngram_range: tuple[int, int], lowercase: bool) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="word",
        ngram_range=ngram_range,
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
        lowercase=lowercase,
        token_pattern=WORD,
    )


def char_grams(n_features: int, lowercase: bool) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
        lowercase=lowercase,
    )
