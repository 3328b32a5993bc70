"""Calibrated linear heads over a sparse feature matrix: the shape of every content model here
(spam/phishing over messages, misrepresentation over prompts). Serving is a dot product and a
sigmoid; artifacts are plain arrays (JSON card + compressed .npz of the non-zero weights, no
pickle, so loading never executes code). Training helpers are beside them so that each model's
train.py says only what is particular to its data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.event_view import SUSPECT_AT, VIOLATION_AT


@dataclass(frozen=True)
class Head:
    weights: np.ndarray  # float32, one per feature column
    intercept: float
    platt_a: float  # calibration: p = sigmoid(a * margin + b)
    platt_b: float

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        margin = x @ self.weights + self.intercept
        z = self.platt_a * np.asarray(margin, dtype=np.float64) + self.platt_b
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


@dataclass(frozen=True)
class HeadStack:
    """Every head of a model scored in one pass over a batch's matrix: the matrix times a
    (features × heads) weight matrix, instead of one pass per head (content safety's nine heads,
    64 events: 1.9 -> 0.4 ms per batch). Heads loaded from an artifact are already this matrix's
    columns (`load_heads`), so the stack is no second copy of their weights."""

    names: tuple[str, ...]
    weights: np.ndarray  # (features, heads) float32, C order
    intercepts: np.ndarray
    platt_a: np.ndarray
    platt_b: np.ndarray

    @classmethod
    def of(cls, heads: dict[str, Head]) -> HeadStack:
        columns = [h.weights for h in heads.values()]
        base = columns[0].base if columns else None
        laid_out = (
            isinstance(base, np.ndarray)
            and base.shape == (len(columns[0]), len(columns))
            and base.flags.c_contiguous
            and all(
                c.base is base and np.shares_memory(c, base[:, i]) for i, c in enumerate(columns)
            )
        )
        weights = base if laid_out else np.ascontiguousarray(np.stack(columns, axis=1))
        assert isinstance(weights, np.ndarray)
        return cls(
            tuple(heads),
            weights,
            np.array([h.intercept for h in heads.values()]),
            np.array([h.platt_a for h in heads.values()]),
            np.array([h.platt_b for h in heads.values()]),
        )

    def proba(self, x: sp.csr_matrix) -> dict[str, np.ndarray]:
        """Each head's calibrated probabilities for the rows of `x`, as `Head.proba` gives them."""
        # The intercept is added in float32, as `Head.proba` adds it: the same probabilities to
        # the last bit, so no threshold decides differently.
        margin = x @ self.weights + self.intercepts.astype(np.float32)
        z = self.platt_a * np.asarray(margin, dtype=np.float64) + self.platt_b
        p = 1.0 / (1.0 + np.exp(-z))
        return {name: p[:, i] for i, name in enumerate(self.names)}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A head's two probability thresholds, chosen on validation data."""

    suspect: float
    violation: float

    def grade(self, p: float) -> float:
        """The probability on the detectors' score scale: piecewise linear through
        (0, 0), (suspect, SUSPECT_AT), (violation, VIOLATION_AT), (1, 1)."""
        return float(self.grade_all(np.asarray([p]))[0])

    def grade_all(self, p: np.ndarray) -> np.ndarray:
        """`grade` of every probability in `p`."""
        return np.asarray(
            np.interp(
                p, [0.0, self.suspect, self.violation, 1.0], [0.0, SUSPECT_AT, VIOLATION_AT, 1.0]
            )
        )


def version_of(
    kind: str, heads: dict[str, Head], thresholds: dict[str, Thresholds] | None = None
) -> str:
    """`<kind>-<12 hex>`: a hash of the weights (and, where given, the thresholds, which decide
    as much as the weights do), so the same model always has the same version and a model that
    decides differently never has the same one."""
    parts = [h.weights.tobytes() for h in heads.values()]
    if thresholds:
        parts += [
            f"{name}:{t.suspect!r}:{t.violation!r}".encode()
            for name, t in sorted(thresholds.items())
        ]
    return f"{kind}-{hashlib.sha256(b''.join(parts)).hexdigest()[:12]}"


def fingerprint(x: sp.csr_matrix) -> str:
    """A short hash of a feature matrix. Each model records the one its featurisation gives for a
    few fixed texts when it is trained; a test recomputes it, so a change to the features that
    was not followed by `make train` fails instead of serving a model on features it never
    saw."""
    x = x.copy()
    x.sort_indices()
    parts = (x.indptr, x.indices, x.data.astype(np.float32))
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in parts)).hexdigest()[
        :16
    ]


def save_heads(
    directory: Path,
    stem: str,
    heads: dict[str, Head],
    card: dict[str, Any],
    extra: dict[str, np.ndarray] | None = None,
) -> None:
    """`<stem>.npz` (non-zero weights per head, plus any `extra` arrays the model needs) and
    `<stem>.json` (the card, which must carry each head's intercept and Platt parameters under
    card["heads"][name])."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = dict(extra or {})
    for name, head in heads.items():
        nz = np.flatnonzero(head.weights).astype(np.int32)
        arrays[f"{name}_index"] = nz
        arrays[f"{name}_value"] = head.weights[nz].astype(np.float32)
    np.savez_compressed(directory / f"{stem}.npz", **arrays)  # type: ignore[arg-type]
    (directory / f"{stem}.json").write_text(json.dumps(card, indent=2) + "\n")


def load_heads(
    directory: Path, stem: str, names: Iterable[str], size: int
) -> tuple[dict[str, Head], dict[str, Any]]:
    card = json.loads((directory / f"{stem}.json").read_text())
    arrays = np.load(directory / f"{stem}.npz", allow_pickle=False)
    names = tuple(names)
    matrix = np.zeros((size, len(names)), dtype=np.float32)  # the heads' `HeadStack` layout
    heads = {}
    for i, name in enumerate(names):
        matrix[arrays[f"{name}_index"], i] = arrays[f"{name}_value"]
        h = card["heads"][name]
        heads[name] = Head(matrix[:, i], h["intercept"], h["platt_a"], h["platt_b"])
    return heads, card


# ----------------------------------------------------------------------------------------------
# Training


def fit_head(x: Any, y: np.ndarray, x_cal: Any, y_cal: np.ndarray, c: float) -> Head:
    """Balanced logistic regression on (x, y), Platt-calibrated on data it did not see."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=2000)
    clf.fit(x, y)
    margin_cal = clf.decision_function(x_cal).reshape(-1, 1)
    platt = LogisticRegression(C=1e6, solver="lbfgs").fit(margin_cal, y_cal)
    return Head(
        weights=clf.coef_[0].astype(np.float32),
        intercept=float(clf.intercept_[0]),
        platt_a=float(platt.coef_[0][0]),
        platt_b=float(platt.intercept_[0]),
    )


def fit_head_cv(
    x: Any, y: np.ndarray, c: float, folds: int = 5, seed: int = 0, repeats: int = 2
) -> tuple[Head, np.ndarray]:
    """Logistic regression by repeated k-fold cross-fitting: in each of `repeats` shuffles into
    `folds` folds, each row is scored by the model fitted on the other folds; a row's
    out-of-fold margin is the mean over the repeats, Platt scaling is fitted on those margins,
    and the head returned is the average of every fold model. Averaging linear models averages
    their margins, so the served head has the scale of the models that produced the
    out-of-fold scores, and thresholds chosen on those scores hold on new data. (A model
    refitted on every row is more confident than its folds were: its false-positive rate at an
    out-of-fold threshold was several times the budget on held-out comments.) Repeats steady
    the strict thresholds, which a handful of legitimate texts decide: with one shuffle, a
    change that moved few features moved the SMS threshold from 0.68 to 0.88. Returns the head
    and the out-of-fold probabilities, which are honest scores for choosing C and thresholds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    margins = np.zeros(len(y))
    weights = np.zeros(x.shape[1], dtype=np.float64)
    intercept = 0.0
    fits = folds * repeats
    for r in range(repeats):
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed + r).split(x, y)
        for train, held in splits:
            clf = LogisticRegression(C=c, solver="lbfgs", max_iter=5000).fit(x[train], y[train])
            margins[held] += clf.decision_function(x[held]) / repeats
            weights += clf.coef_[0] / fits
            intercept += float(clf.intercept_[0]) / fits
    platt = LogisticRegression(C=1e6, solver="lbfgs").fit(margins.reshape(-1, 1), y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    head = Head(weights.astype(np.float32), intercept, a, b)
    return head, 1.0 / (1.0 + np.exp(-(a * margins + b)))


def threshold_at_fpr(scores: np.ndarray, negatives: np.ndarray, max_fpr: float) -> float:
    """Lowest threshold whose false-positive rate on the negatives is at most max_fpr."""
    neg = np.sort(scores[negatives])[::-1]
    allowed = int(np.floor(max_fpr * len(neg)))
    return float(neg[allowed]) + 1e-9 if allowed < len(neg) else 0.0


def report(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall and false-positive rate of `scores >= threshold`."""
    return rates(scores >= threshold, positive) | {"threshold": round(threshold, 6)}


def rates(flagged: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(flagged & positive))
    fp = int(np.sum(flagged & ~positive))
    fn = int(np.sum(~flagged & positive))
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "false_positive_rate": round(fp / max(int(np.sum(~positive)), 1), 5),
        "positives": int(np.sum(positive)),
        "negatives": int(np.sum(~positive)),
    }
