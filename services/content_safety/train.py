"""Rebuild the content-safety model: `make train` (or `python -m services.content_safety.train
--data ../shared/datasets`).

Data and split: `sets.py`. Each head is fitted on the rows that teach it something
(`Example.target`), by repeated k-fold cross-fitting (`linear_heads.fit_head_cv`); its
thresholds are the lowest probabilities that keep its out-of-fold negatives under the budgets
in `model.BUDGETS`. Then `make eval`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from services.content_safety.model import (
    ANY,
    ARTIFACT_DIR,
    BUDGETS,
    FLOORS,
    HEADS,
    WORDS_FILE,
    LocalModel,
    design_matrix,
    features_fingerprint,
)
from services.content_safety.sets import SEED, Example, load_split
from services.content_safety.word_vectors import WordVectors
from services.linear_heads import Head, Thresholds, fit_head_cv, threshold_at_fpr, version_of

C = 30.0
PRUNE_BELOW = 0.01


NO_SUSPECT_BAND = frozenset({ANY})
"""Heads that send nothing to review: below the violation threshold they say nothing. `any`
speaks only through the lift (`local.combine`), in whichever topical category scores highest,
and its suspect band (3 % of out-of-fold negatives, p >= 0.24) held mostly clean requests of
families training never saw: on the held-out rows it sent to review 70 % of the
research-statistics prompts, 21 % of the technical homonyms, 9 % of everyday work tasks, 4 % of
everyday prompts and, in `make eval`'s demo stream, 14 % of ordinary chat help ("think through a
database migration" as hate, every topical head near 0), against 9 % of the harmful requests:
about three clean texts for each harmful one. Without the band no flag moves on any set."""


def is_request(e: Example) -> bool:
    """A clean text shaped like a request to an AI: everyday prompts, the benign twins of the
    harmful sets' frames, and the self-made hard negatives."""
    return not e.positive and (
        e.set in ("prompts", "frame_swaps")
        or (e.set == "self_made" and e.family.startswith("clean/"))
    )


def fit_one(x: Any, examples: list[Example], head: str) -> tuple[Head, Thresholds, dict[str, Any]]:
    targets = [e.target(head) for e in examples]
    rows = np.array([t is not None for t in targets])
    y = np.array([bool(t) for t in targets])[rows]
    fitted, oof = fit_head_cv(x[rows], y, C, seed=SEED)
    negative = ~y
    # The budgets hold over all negatives and, on their own, over the clean requests: most
    # negatives are tweets, SMS and mail, among which a request to an AI stands out, so a
    # budget over all of them let a quarter of everyday prompts go to review.
    requests = negative & np.array(
        [is_request(e) for e, t in zip(examples, targets, strict=True) if t is not None]
    )

    def at(budget: float) -> float:
        return max(
            threshold_at_fpr(oof, negative, budget),
            threshold_at_fpr(oof, requests, budget) if requests.any() else 0.0,
        )

    violation = max(at(BUDGETS["violation"]), FLOORS["violation"])
    suspect = min(max(at(BUDGETS["suspect"]), FLOORS["suspect"]), violation)
    if head in NO_SUSPECT_BAND:
        suspect = violation
    pruned = Head(
        np.where(np.abs(fitted.weights) >= PRUNE_BELOW, fitted.weights, 0.0).astype(np.float32),
        fitted.intercept,
        fitted.platt_a,
        fitted.platt_b,
    )
    card = {
        "intercept": pruned.intercept,
        "platt_a": pruned.platt_a,
        "platt_b": pruned.platt_b,
        "C": C,
        "positives": int(y.sum()),
        "negatives": int((~y).sum()),
        "out_of_fold_recall_at_violation": round(float(np.mean(oof[y] >= violation)), 4),
    }
    return pruned, Thresholds(round(suspect, 6), round(violation, 6)), card


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the content-safety model.")
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=ARTIFACT_DIR)
    args = parser.parse_args()
    started = time.monotonic()
    split = load_split(args.data)
    words = WordVectors.load(args.out / WORDS_FILE)
    x = design_matrix([e.text for e in split.fit], words)
    heads: dict[str, Head] = {}
    thresholds: dict[str, Thresholds] = {}
    cards: dict[str, Any] = {}
    for name in HEADS:
        heads[name], thresholds[name], cards[name] = fit_one(x, split.fit, name)
        print(f"{name}: {cards[name]}", flush=True)
    version = version_of("safety", heads, thresholds)
    tally: dict[str, int] = {}
    for e in split.fit:
        tally[e.set] = tally.get(e.set, 0) + 1
    card: dict[str, Any] = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data": {
            "sets": [
                "davidson_hate_offensive (Davidson et al. 2017, MIT)",
                "harmful_requests (HarmBench, AdvBench, StrongREJECT; MIT)",
                "sms_spam_collection ham (Almeida et al. 2011, CC BY 4.0)",
                "data/content_safety/texts.csv (self-made, see its README)",
                "data/misrepresentation/prompts.csv clean prompts (self-made)",
            ],
            "fit_by_set": tally,
            "held_out": len(split.held_out),
            "seed": SEED,
        },
        "budgets": BUDGETS,
        "floors": FLOORS,
        "features_fingerprint": features_fingerprint(words),
        "features": "hashed (2^18 each) word 1-2-grams and in-word char 3-5-grams of the "
        "skeleton (services/skeleton.py) of the first 2,000 characters, and the mean of its "
        f"words' {words.dims}-dimensional vectors distilled from all-MiniLM-L6-v2 "
        f"({len(words.index)} words; distil.py)",
        "heads": cards,
        "pruned_below": PRUNE_BELOW,
    }
    LocalModel(version, heads, thresholds, card, words).save(args.out)
    print(json.dumps({"version": version, "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
