"""The content model: calibrated linear heads (services/linear_heads.py) over one TF-IDF-weighted
hashed feature space, pooled across channels, with thresholds learnt per channel group.

A batch of texts is hashed once and every head scores the same matrix. The thresholds are part
of the artifact, chosen by `make train` on out-of-fold scores of the fitting rows to meet a
false-positive budget per channel group (`BUDGETS`); `grade` maps a probability onto the
detectors' shared score scale so that a text at its group's violation threshold scores exactly
`VIOLATION_AT`, and at its suspect threshold `SUSPECT_AT`. No threshold lives in code."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services import gram_hashing as gh
from services.linear_heads import Head, HeadStack, Thresholds, fingerprint, load_heads, save_heads
from services.spam.features import (
    CHANNEL_GROUPS,
    CHAR_GRAM_CHARS,
    Cues,
    Extracted,
    cues,
    extract,
    kind_tokens,
)

ARTIFACT_DIR = Path(__file__).parent / "model"
STEM = "content_model"
N_FEATURES = 2**20
HEADS = ("unsolicited", "phishing")
"""unsolicited: spam or phishing vs legitimate; phishing: phishing vs everything else."""

BUDGETS: dict[str, dict[str, float]] = {
    "sms": {"violation": 0.003, "suspect": 0.01},
    "email": {"violation": 0.004, "suspect": 0.015},
    "comment": {"violation": 0.015, "suspect": 0.04},
    "chat": {"violation": 0.001, "suspect": 0.01},
}
"""Share of a group's legitimate texts (out-of-fold) allowed above each threshold."""
SET_BUDGETS: dict[str, float] = {"spamassassin_hard_ham": 0.05}
"""Violation budgets of their own for sets of legitimate texts that look like abuse: legitimate
marketing mail and newsletters are a few percent of mail but most of its false positives, and a
budget over all mail would let them be flagged at several times the rate of the rest."""

KIND_SALT = np.uint64(3 << 40)
TAG_SALT = np.uint64(5 << 40)
GROUP_SALT = {
    g: np.uint64(zlib.crc32(g.encode()) << 24) for g in sorted(set(CHANNEL_GROUPS.values()))
}


def counts(
    texts: Sequence[Extracted],
    text_cues: Sequence[Cues],
    groups: Sequence[str],
    n_features: int = N_FEATURES,
) -> sp.csr_matrix:
    """Raw hashed counts of each text's `features.tokens`, one row per text, for the whole
    batch at once (services/gram_hashing.py): the words, bigrams and kind tokens hashed, each
    also with its channel group mixed in (the tagged copy), one group token, and the in-word
    character grams. Building the tokens as strings and hashing them one by one
    (scikit-learn's FeatureHasher) was two thirds of the content model's cost: 431 -> 92 µs
    per event of demo traffic at batch 64."""
    n = len(texts)
    word_rows, word_h = gh.token_hashes([x.words for x in texts])
    if len(word_h):
        word_rows, word_h = gh.ngram_hashes(word_rows, word_h, 2)
    kind_rows, kind_h = gh.token_hashes(
        [kind_tokens(x, c) for x, c in zip(texts, text_cues, strict=True)]
    )
    rows = np.concatenate([word_rows, kind_rows])
    h = np.concatenate([word_h, kind_h + KIND_SALT])
    salts = np.array([GROUP_SALT[g] for g in groups], dtype=np.uint64)
    char_rows, char_h = gh.char_wb_hashes(
        [x.skeleton[:CHAR_GRAM_CHARS] for x in texts], range(2, 6)
    )
    all_rows = np.concatenate([rows, rows, np.arange(n, dtype=np.int64), char_rows])
    all_h = np.concatenate([h, (h ^ salts[rows]) + TAG_SALT, salts + KIND_SALT + TAG_SALT, char_h])
    return gh.count_matrix(all_rows, gh.columns(all_h, n_features), n, n_features)


FINGERPRINT_TEXTS = (
    ("WINNER!! Claim your £1,000 prize: call 09061701461 or visit bit.ly/x7Yz now", "sms"),
    ("Your PayPal account is limited, confirm at http://paypa1-secure.com/login", "email"),
    ("Log in at icicibank.com to see the payee you added. Running late, see you at 7", "sms"),
    ("Earn $500/day from home, v1agra 4 sale, 0.1 BTC to wallet, www.example.co.uk", "comment"),
    ("Ｆ r e e  сash, hxxp://win[.]example", "email"),
)


def features_fingerprint() -> str:
    """What the featurisation makes of a few fixed texts (see `linear_heads.fingerprint`)."""
    xs = [extract(t) for t, _ in FINGERPRINT_TEXTS]
    return fingerprint(counts(xs, [cues(x) for x in xs], [g for _, g in FINGERPRINT_TEXTS]))


@dataclass(frozen=True)
class Weighting:
    """Sublinear TF-IDF with l2-normalised rows, as scikit-learn's TfidfTransformer does it
    (smooth idf), with the document frequencies learnt on the training texts. Rare n-grams
    weigh more than "call" and "free"; a long message does not outweigh a short one. Columns
    seen in fewer than `min_df` training texts weigh nothing (scikit-learn's `min_df`): a token
    of one text can only be memorised, and its large idf took most of that text's norm away
    from the tokens that generalise."""

    df: np.ndarray  # document frequency, one per hashed column
    documents: int
    min_df: int
    idf: np.ndarray  # float32, one per hashed column; 0 where df < min_df

    def apply(self, x: sp.csr_matrix) -> sp.csr_matrix:
        x = x.copy()
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
        return x

    @classmethod
    def of(cls, df: np.ndarray, documents: int, min_df: int) -> Weighting:
        idf = (np.log((1 + documents) / (1 + df)) + 1.0).astype(np.float32)
        idf[df < min_df] = 0.0
        return cls(df, documents, min_df, idf)

    @classmethod
    def fit(cls, x: sp.csr_matrix, min_df: int) -> Weighting:
        return cls.of(np.bincount(x.indices, minlength=x.shape[1]), x.shape[0], min_df)


@dataclass(frozen=True)
class ContentModel:
    version: str
    heads: dict[str, Head]
    weighting: Weighting
    thresholds: dict[str, dict[str, Thresholds]]
    """head → channel group → thresholds."""
    card: dict[str, Any]

    @cached_property
    def stack(self) -> HeadStack:
        """Every head in one pass over a batch's matrix (`linear_heads.HeadStack`)."""
        return HeadStack.of(self.heads)

    def score(
        self, texts: Sequence[Extracted], text_cues: Sequence[Cues], groups: Sequence[str]
    ) -> dict[str, np.ndarray]:
        """Probabilities per head for a batch: one hashing, every head on the same matrix."""
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        x = self.weighting.apply(counts(texts, text_cues, groups))
        return self.stack.proba(x)

    def grade(self, head: str, group: str, p: float) -> float:
        return self.thresholds[head][group].grade(p)

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> ContentModel:
        heads, card = load_heads(directory, STEM, HEADS, N_FEATURES)
        arrays = np.load(directory / f"{STEM}.npz", allow_pickle=False)
        df = np.zeros(N_FEATURES, dtype=np.int64)
        df[np.cumsum(arrays["df_columns_delta"].astype(np.int64))] = arrays["df"]
        weighting = Weighting.of(df, int(card["documents"]), int(card["min_df"]))
        thresholds = {
            head: {g: Thresholds(t["suspect"], t["violation"]) for g, t in groups.items()}
            for head, groups in card["thresholds"].items()
        }
        missing = {(h, g) for h in HEADS for g in set(CHANNEL_GROUPS.values())} - {
            (h, g) for h, groups in thresholds.items() for g in groups
        }
        if missing:
            raise ValueError(f"{directory}: no thresholds for {sorted(missing)}; run make train")
        return cls(card["version"], heads, weighting, thresholds, card)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        """Document frequencies as the deltas between kept columns and their counts (small
        integers, which compress to a fraction of the float idf); columns under `min_df` weigh
        nothing and are left out."""
        seen = np.flatnonzero(self.weighting.df >= self.weighting.min_df)
        self.card["documents"] = self.weighting.documents
        self.card["min_df"] = self.weighting.min_df
        self.card["thresholds"] = {
            head: {g: {"suspect": t.suspect, "violation": t.violation} for g, t in groups.items()}
            for head, groups in self.thresholds.items()
        }
        save_heads(
            directory,
            STEM,
            self.heads,
            self.card,
            extra={
                "df_columns_delta": np.diff(seen, prepend=0).astype(np.uint32),
                "df": self.weighting.df[seen].astype(np.uint32),
            },
        )
