"""The content model: calibrated linear heads (services/linear_heads.py) over one TF-IDF-weighted
hashed feature space. A batch of texts is vectorised once and every head scores the same matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from services.linear_heads import Head, fingerprint, load_heads, save_heads
from services.spam.features import tokens

ARTIFACT_DIR = Path(__file__).parent / "model"
STEM = "content_model"
N_FEATURES = 2**20
HEADS = ("unsolicited", "phishing")
"""unsolicited: spam or phishing vs legitimate; phishing: phishing vs everything else."""

_VECTORIZER = HashingVectorizer(
    analyzer=tokens, n_features=N_FEATURES, alternate_sign=False, norm=None, dtype=np.float32
)  # stateless; built once, its set-up costs more than a small batch


def counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw hashed n-gram counts, one row per text."""
    return _VECTORIZER.transform(texts)


FINGERPRINT_TEXTS = (
    "WINNER!! Claim your £1,000 prize: call 09061701461 or visit bit.ly/x7Yz now",
    "Your PayPal account is limited, confirm at http://paypa1-secure.com/login",
    "Log in at icicibank.com to see the payee you added. Running late, see you at 7",
    "Earn $500/day from home, v1agra 4 sale, 0.1 BTC to wallet, www.example.co.uk",
)


def features_fingerprint() -> str:
    """What the featurisation makes of a few fixed texts (see `linear_heads.fingerprint`)."""
    return fingerprint(counts(FINGERPRINT_TEXTS))


@dataclass(frozen=True)
class Weighting:
    """Sublinear TF-IDF with l2-normalised rows, as scikit-learn's TfidfTransformer does it
    (smooth idf), with the document frequencies learnt on the training texts. Rare n-grams
    weigh more than "call" and "free"; a long message does not outweigh a short one."""

    idf: np.ndarray  # float32, one per hashed column

    def apply(self, x: sp.csr_matrix) -> sp.csr_matrix:
        x = x.copy()
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
        return x

    @classmethod
    def fit(cls, x: sp.csr_matrix) -> Weighting:
        df = np.bincount(x.indices, minlength=x.shape[1])
        n = x.shape[0]
        return cls((np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32))


@dataclass(frozen=True)
class ContentModel:
    version: str
    heads: dict[str, Head]
    weighting: Weighting
    card: dict[str, Any]

    def score(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Probabilities per head for a batch: one vectorisation, every head on the same matrix."""
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        x = self.weighting.apply(counts(texts))
        return {name: head.proba(x) for name, head in self.heads.items()}

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> ContentModel:
        heads, card = load_heads(directory, STEM, HEADS, N_FEATURES)
        arrays = np.load(directory / f"{STEM}.npz", allow_pickle=False)
        # Columns no training text had share the largest idf (document frequency 0).
        idf = np.full(N_FEATURES, card["idf_unseen"], dtype=np.float32)
        idf[arrays["idf_index"]] = arrays["idf_value"]
        return cls(card["version"], heads, Weighting(idf), card)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        idf = self.weighting.idf
        unseen = float(idf.max())
        seen = np.flatnonzero(idf < unseen).astype(np.int32)
        self.card["idf_unseen"] = unseen
        save_heads(
            directory,
            STEM,
            self.heads,
            self.card,
            extra={"idf_index": seen, "idf_value": idf[seen]},
        )
