"""Rebuild the content model from the shared datasets: `make train` (or
`python -m services.spam.train --data ../shared/datasets`).

Data: SMS Spam Collection (Almeida et al. 2011) merged with the Mendeley smishing set (Mishra &
Soni 2022), both CC BY 4.0, de-duplicated on text. Where the smishing set relabels a UCI "spam"
as smishing, its finer label wins; a text labelled both spam and smishing counts as smishing.
Split 70/10/20 (train / calibration / test), stratified, seed fixed. Training sees only the first
part; Platt scaling and the operating thresholds are fitted on the second; the metrics in the
artifact come from the third, which nothing was fitted on.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from services.linear_heads import Head, fit_head, rates, report, threshold_at_fpr, version_of
from services.spam.features import CUE_NAMES, cues
from services.spam.model import ARTIFACT_DIR, HEADS, ContentModel, design_matrix

SEED = 20261126
RANK = {"ham": 0, "spam": 1, "phishing": 2}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # ham | spam | phishing


def load_examples(data: Path) -> tuple[list[Example], dict[str, Any]]:
    labels: dict[str, str] = {}
    sources = {}
    for folder, rename in (
        ("sms_spam_collection", {}),
        ("sms_smishing_mendeley", {"smishing": "phishing"}),
    ):
        path = data / folder / "train.csv"
        sources[folder] = hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                text = row["text"].strip()
                label = rename.get(row["label"].lower(), row["label"].lower())
                if not text or label not in RANK:
                    continue
                previous = labels.get(text)
                if folder == "sms_smishing_mendeley" and previous == "spam":
                    labels[text] = label if label != "ham" else previous  # finer label wins
                elif previous is None or RANK[label] > RANK[previous]:
                    labels[text] = label
    examples = [Example(t, lab) for t, lab in sorted(labels.items())]
    return examples, {"files_sha256": sources}


def evaluate_detector(model: ContentModel, texts: list[str], labels: np.ndarray) -> Any:
    """The whole detector (model, cues, thresholds) on held-out SMS, one message at a time and
    with no account history: what content alone decides. A message counts as caught when its
    verdict is a violation (or, for the `flagged` rows, at least suspect)."""
    from schemas.events import Category, GenerationEvent, Label
    from services.spam.detector import ContentScores, Snapshot, judge
    from services.state.near_duplicates import NO_MATCHES
    from services.state.windows import WindowCounts

    cue_rows = [cues(t) for t in texts]
    scores = model.score(texts, cue_rows)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    verdicts = []
    for i, text in enumerate(texts):
        event = GenerationEvent(
            event_id=f"t{i}",
            occurred_at=when,
            account_id="a",
            app_id="p",
            channel="sms",
            prompt="",
            generation=text,
            model="m",
        )
        snap = Snapshot(
            event,
            text,
            cue_rows[i],
            ContentScores(float(scores["unsolicited"][i]), float(scores["phishing"][i])),
            WindowCounts(1, 1, 0, 1),
            NO_MATCHES,
            None,
        )
        verdicts.append(judge(snap, model.version, when))
    violation = np.array([v is not None and v.label == Label.VIOLATION for v in verdicts])
    flagged = np.array([v is not None and v.label != Label.CLEAN for v in verdicts])
    phishing_cat = np.array(
        [
            v is not None
            and v.label != Label.CLEAN
            and v.category in (Category.FRAUD_PHISHING, Category.SECURITY_SPEARPHISHING)
            for v in verdicts
        ]
    )
    bad = labels != "ham"
    phish = labels == "phishing"

    return {
        "violation_vs_ham": rates(violation, bad),
        "suspect_or_violation_vs_ham": rates(flagged, bad),
        "phishing_category_vs_rest": rates(phishing_cat, phish),
        "rows": len(texts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the spam/phishing content model.")
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=ARTIFACT_DIR)
    args = parser.parse_args()

    started = time.monotonic()
    examples, provenance = load_examples(args.data)
    labels = np.array([e.label for e in examples])
    idx = np.arange(len(examples))
    train_idx, rest = train_test_split(idx, test_size=0.3, stratify=labels, random_state=SEED)
    cal_idx, test_idx = train_test_split(
        rest, test_size=2 / 3, stratify=labels[rest], random_state=SEED
    )
    texts = [e.text for e in examples]
    x_all = design_matrix(texts, [cues(t) for t in texts])
    x_tr, x_cal, x_te = x_all[train_idx], x_all[cal_idx], x_all[test_idx]

    targets = {"unsolicited": labels != "ham", "phishing": labels == "phishing"}
    heads: dict[str, Head] = {}
    card_heads: dict[str, Any] = {}
    for name in HEADS:
        y = targets[name]
        best: tuple[float, float, Head] | None = None
        for c in (1.0, 4.0, 16.0):
            head = fit_head(x_tr, y[train_idx], x_cal, y[cal_idx], c)
            cal_scores = head.proba(x_cal)
            t = threshold_at_fpr(cal_scores, ~y[cal_idx], 0.001)
            recall = float(np.mean(cal_scores[y[cal_idx]] >= t))
            if best is None or recall > best[0]:
                best = (recall, c, head)
        assert best is not None
        _, c, head = best
        heads[name] = head
        cal_scores = head.proba(x_cal)
        strict = threshold_at_fpr(cal_scores, ~y[cal_idx], 0.001)
        test_scores = head.proba(x_te)
        card_heads[name] = {
            "intercept": head.intercept,
            "platt_a": head.platt_a,
            "platt_b": head.platt_b,
            "C": c,
            "threshold_at_0.1pct_fpr": strict,
            "test": {
                "at_0.5": report(test_scores, y[test_idx], 0.5),
                "at_0.1pct_fpr_threshold": report(test_scores, y[test_idx], strict),
            },
        }

    version = version_of("content", heads)
    card = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data": {
            "sets": [
                "sms_spam_collection (Almeida et al. 2011, CC BY 4.0)",
                "sms_smishing_mendeley (Mishra & Soni 2022, CC BY 4.0)",
            ],
            **provenance,
            "examples": len(examples),
            "by_label": {k: int(np.sum(labels == k)) for k in RANK},
            "split": {
                "train": len(train_idx),
                "calibration": len(cal_idx),
                "test": len(test_idx),
                "seed": SEED,
            },
        },
        "features": "hashed word 1-2-grams + char 3-5-grams of canonicalised text (2^18) "
        f"+ {len(CUE_NAMES)} dense cues",
        "heads": card_heads,
    }
    model = ContentModel(version, heads, card)
    card["detector_on_test"] = evaluate_detector(
        model, [texts[i] for i in test_idx], labels[test_idx]
    )
    model.save(args.out)
    print(
        json.dumps(
            {
                "version": version,
                "seconds": round(time.monotonic() - started, 1),
                **{n: h["test"] for n, h in card_heads.items()},
                "detector_on_test": card["detector_on_test"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
