"""Rebuild the prompt model from the self-made prompt set: `make train` (or
`python -m services.misrepresentation.train`).

The set (data/misrepresentation/prompts.csv, made by corpus.py) marks whole families of phrasings
as test. Training sees the train families only, split 85/15 into fitting and calibration (Platt
scaling and the choice of C); the metrics in the artifact come from the held-out families, i.e.
ways of asking that the model never saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from services.gateway.normalize import normalize_text
from services.linear_heads import Head, fit_head, rates, report, version_of
from services.misrepresentation.corpus import CLEAN, DEFAULT_OUT, read
from services.misrepresentation.cues import PROMPT_CUE_NAMES, ask_cues, ask_of
from services.misrepresentation.model import (
    ARTIFACT_DIR,
    HEADS,
    PromptModel,
    design_matrix,
    features_fingerprint,
)

SEED = 20261126


def evaluate_detector(model: PromptModel, prompts: list[str], labels: np.ndarray) -> Any:
    """The whole detector (model, cues, rules) on the held-out prompts, each as an email with no
    AI disclosure and no account history: what the prompt alone decides. Caught = a verdict of
    the right category at `violation` (or, in the `suspect_or_violation` rows, at least
    suspect); a clean prompt counts as a false positive at any misrepresentation violation."""
    from schemas.events import Channel, GenerationEvent, Label
    from services.misrepresentation.cues import output_cues
    from services.misrepresentation.detector import AccountWindow, Snapshot, judge

    asks = [ask_of(p) for p in prompts]
    cue_rows = [ask_cues(a) for a in asks]
    scores = model.score([a.form for a in asks], cue_rows)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    verdicts = []
    for i, prompt in enumerate(prompts):
        event = GenerationEvent(
            event_id=f"t{i}",
            occurred_at=when,
            account_id="a",
            app_id="p",
            channel=Channel.EMAIL,
            prompt=prompt,
            generation="(output)",
            model="m",
        )
        snap = Snapshot(
            event,
            cue_rows[i],
            output_cues(""),
            float(scores["human_authorship"][i]),
            float(scores["false_identity"][i]),
            AccountWindow(1, 0, 0.0),
        )
        verdicts.append(judge(snap, model.version, when))
    out: dict[str, Any] = {}
    for name in HEADS:
        category = f"misrepresentation.{name}"
        positive = labels == name
        violation = np.array(
            [v.category.value == category and v.label == Label.VIOLATION for v in verdicts]
        )
        flagged = np.array(
            [v.category.value == category and v.label != Label.CLEAN for v in verdicts]
        )
        out[name] = {
            "violation": rates(violation, positive),
            "suspect_or_violation": rates(flagged, positive),
        }
    clean = labels == CLEAN
    any_violation = np.array([v.label == Label.VIOLATION for v in verdicts])
    any_flag = np.array([v.label != Label.CLEAN for v in verdicts])
    out["clean_prompts"] = {
        "prompts": int(np.sum(clean)),
        "violation_rate": round(float(np.mean(any_violation[clean])), 4),
        "suspect_or_violation_rate": round(float(np.mean(any_flag[clean])), 4),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the misrepresentation prompt model.")
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--out", type=Path, default=ARTIFACT_DIR)
    args = parser.parse_args()
    started = time.monotonic()

    rows = read(args.data)
    # As served: through the gateway's normalisation, the ask (not pasted material), in the
    # matching form.
    asks = [ask_of(normalize_text(r.text)) for r in rows]
    labels = np.array([r.label for r in rows])
    is_test = np.array([r.split == "test" for r in rows])
    train_pool = np.flatnonzero(~is_test)
    test_idx = np.flatnonzero(is_test)
    fit_idx, cal_idx = train_test_split(
        train_pool, test_size=0.15, stratify=labels[train_pool], random_state=SEED
    )
    x = design_matrix([a.form for a in asks], [ask_cues(a) for a in asks])

    heads: dict[str, Head] = {}
    card_heads: dict[str, Any] = {}
    for name in HEADS:
        y = labels == name
        best: tuple[float, float, Head] | None = None
        for c in (0.5, 2.0, 8.0):
            head = fit_head(x[fit_idx], y[fit_idx], x[cal_idx], y[cal_idx], c)
            p = head.proba(x[cal_idx])
            # Log loss on calibration data: the C that generalises, not the one that memorises.
            loss = -float(np.mean(np.where(y[cal_idx], np.log(p + 1e-9), np.log(1 - p + 1e-9))))
            if best is None or loss < best[0]:
                best = (loss, c, head)
        assert best is not None
        _, c, head = best
        heads[name] = head
        test_scores = head.proba(x[test_idx])
        card_heads[name] = {
            "intercept": head.intercept,
            "platt_a": head.platt_a,
            "platt_b": head.platt_b,
            "C": c,
            "held_out_families": {
                "at_0.5": report(test_scores, y[test_idx], 0.5),
                "at_0.8": report(test_scores, y[test_idx], 0.8),
                "false_positive_rate_on_clean_at_0.5": round(
                    float(np.mean(test_scores[labels[test_idx] == CLEAN] >= 0.5)), 4
                ),
            },
        }
    version = version_of("prompt", heads)
    families = sorted({r.family for r in rows if r.split == "test"})
    card = {
        "version": version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data": {
            "set": "data/misrepresentation/prompts.csv (self-made, see its README)",
            "sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
            "prompts": len(rows),
            "by_label": {k: int(np.sum(labels == k)) for k in sorted(set(labels))},
            "split": {
                "fit": len(fit_idx),
                "calibration": len(cal_idx),
                "test": len(test_idx),
                "held_out_families": families,
            },
        },
        "features_fingerprint": features_fingerprint(),
        "features": "hashed word 1-3-grams + char_wb 3-5-grams of the first 1,500 characters "
        f"(2 x 2^17) + {len(PROMPT_CUE_NAMES)} prompt cues",
        "heads": card_heads,
    }
    model = PromptModel(version, heads, card)
    card["detector_on_held_out_families"] = evaluate_detector(
        model, [normalize_text(rows[i].text) for i in test_idx], labels[test_idx]
    )
    model.save(args.out)
    print(
        json.dumps(
            {
                "version": version,
                "seconds": round(time.monotonic() - started, 1),
                **{n: h["held_out_families"] for n, h in card_heads.items()},
                "detector_on_held_out_families": card["detector_on_held_out_families"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
