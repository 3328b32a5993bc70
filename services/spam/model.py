"""The content model: calibrated linear heads (services/linear_heads.py) over one TF-IDF-weighted
hashed feature space, pooled across channels, with thresholds learnt per channel group.

A batch of texts is hashed once and every head scores the same matrix. The thresholds are part
of the artifact, chosen by `make train` on out-of-fold scores of the fitting rows to meet a
false-positive budget per channel group (`BUDGETS`); `grade` maps a probability onto the
detectors' shared score scale so that a text at its group's violation threshold scores exactly
`VIOLATION_AT`, and at its suspect threshold `SUSPECT_AT`. No threshold lives in code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher

from services.linear_heads import Head, Thresholds, fingerprint, load_heads, save_heads
from services.spam.features import CHANNEL_GROUPS, Cues, Extracted, cues, extract, tokens

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

_HASHER = FeatureHasher(
    n_features=N_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32
)


def counts(texts: Sequence[Extracted], text_cues: Sequence[Cues], groups: Sequence[str]) -> Any:
    """Raw hashed token counts, one row per text."""
    return _HASHER.transform(
        tokens(x, c, g) for x, c, g in zip(texts, text_cues, groups, strict=True)
    )


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
    weigh more than "call" and "free"; a long message does not outweigh a short one."""

    df: np.ndarray  # document frequency, one per hashed column
    documents: int
    idf: np.ndarray  # float32, one per hashed column

    def apply(self, x: sp.csr_matrix) -> sp.csr_matrix:
        x = x.copy()
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
        return x

    @classmethod
    def of(cls, df: np.ndarray, documents: int) -> Weighting:
        idf = (np.log((1 + documents) / (1 + df)) + 1.0).astype(np.float32)
        return cls(df, documents, idf)

    @classmethod
    def fit(cls, x: sp.csr_matrix) -> Weighting:
        return cls.of(np.bincount(x.indices, minlength=x.shape[1]), x.shape[0])


@dataclass(frozen=True)
class ContentModel:
    version: str
    heads: dict[str, Head]
    weighting: Weighting
    thresholds: dict[str, dict[str, Thresholds]]
    """head → channel group → thresholds."""
    card: dict[str, Any]

    def score(
        self, texts: Sequence[Extracted], text_cues: Sequence[Cues], groups: Sequence[str]
    ) -> dict[str, np.ndarray]:
        """Probabilities per head for a batch: one hashing, every head on the same matrix."""
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        x = self.weighting.apply(counts(texts, text_cues, groups))
        return {name: head.proba(x) for name, head in self.heads.items()}

    def grade(self, head: str, group: str, p: float) -> float:
        return self.thresholds[head][group].grade(p)

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> ContentModel:
        heads, card = load_heads(directory, STEM, HEADS, N_FEATURES)
        arrays = np.load(directory / f"{STEM}.npz", allow_pickle=False)
        df = np.zeros(N_FEATURES, dtype=np.int64)
        df[np.cumsum(arrays["df_columns_delta"].astype(np.int64))] = arrays["df"]
        weighting = Weighting.of(df, int(card["documents"]))
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
        """Document frequencies as the deltas between seen columns and their counts (small
        integers, which compress to a fraction of the float idf)."""
        seen = np.flatnonzero(self.weighting.df)
        self.card["documents"] = self.weighting.documents
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
