"""The content model: calibrated linear heads (services/linear_heads.py) over one hashed feature
space. A batch of texts is vectorised once and every head scores the same matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from services.linear_heads import Head, load_heads, save_heads
from services.spam.features import CUE_NAMES, Cues, tokens

ARTIFACT_DIR = Path(__file__).parent / "model"
STEM = "content_model"
N_FEATURES = 2**18
HEADS = ("unsolicited", "phishing")
"""unsolicited: spam or phishing vs legitimate; phishing: phishing vs everything else."""


def vectorizer() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer=tokens, n_features=N_FEATURES, alternate_sign=False, norm="l2", dtype=np.float32
    )


_VECTORIZER = vectorizer()  # stateless; built once, its set-up costs more than a small batch


def design_matrix(texts: Sequence[str], cue_rows: Sequence[Cues]) -> sp.csr_matrix:
    """[hashed n-grams | dense cues]: the one matrix every head scores."""
    hashed = _VECTORIZER.transform(texts)
    dense = sp.csr_matrix(np.asarray([c.as_vector() for c in cue_rows], dtype=np.float32))
    return sp.hstack([hashed, dense], format="csr")


@dataclass(frozen=True)
class ContentModel:
    version: str
    heads: dict[str, Head]
    card: dict[str, Any]

    def score(self, texts: Sequence[str], cue_rows: Sequence[Cues]) -> dict[str, np.ndarray]:
        """Probabilities per head for a batch: one vectorisation, every head on the same matrix."""
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        x = design_matrix(texts, cue_rows)
        return {name: head.proba(x) for name, head in self.heads.items()}

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> ContentModel:
        heads, card = load_heads(directory, STEM, HEADS, N_FEATURES + len(CUE_NAMES))
        return cls(card["version"], heads, card)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        save_heads(directory, STEM, self.heads, self.card)
