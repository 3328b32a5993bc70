"""The content model: calibrated linear models over one hashed feature space.

Serving loads plain arrays (JSON metadata + a compressed .npz of weights, no pickle, so loading
never executes code). A batch of texts is vectorised once and every model scores the same matrix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from services.spam.features import CUE_NAMES, Cues, tokens

ARTIFACT_DIR = Path(__file__).parent / "model"
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
class Head:
    weights: np.ndarray  # float32, N_FEATURES + len(CUE_NAMES)
    intercept: float
    platt_a: float  # calibration: p = sigmoid(a * margin + b)
    platt_b: float

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        margin = x @ self.weights + self.intercept
        z = self.platt_a * np.asarray(margin, dtype=np.float64) + self.platt_b
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


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
        card = json.loads((directory / "content_model.json").read_text())
        arrays = np.load(directory / "content_model.npz", allow_pickle=False)
        size = N_FEATURES + len(CUE_NAMES)
        heads = {}
        for name in HEADS:
            weights = np.zeros(size, dtype=np.float32)
            weights[arrays[f"{name}_index"]] = arrays[f"{name}_value"]
            h = card["heads"][name]
            heads[name] = Head(weights, h["intercept"], h["platt_a"], h["platt_b"])
        return cls(card["version"], heads, card)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for name, head in self.heads.items():
            nz = np.flatnonzero(head.weights).astype(np.int32)
            arrays[f"{name}_index"] = nz
            arrays[f"{name}_value"] = head.weights[nz].astype(np.float32)
        np.savez_compressed(directory / "content_model.npz", **arrays)  # type: ignore[arg-type]
        (directory / "content_model.json").write_text(json.dumps(self.card, indent=2) + "\n")
