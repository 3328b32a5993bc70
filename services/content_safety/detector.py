"""The content-safety decision: every classifier's scores of an event's prompt and of its
generation in, one verdict out. Pure: no I/O, no clock.

The prompt is judged as well as the generation: asking for disallowed help is a disallowed use
even when the model refused. The verdict is the strongest reading over both texts and every
classifier; its evidence names the classifier that spoke, the text it read (prompt or
generation) and the runner-up categories, so a reviewer sees what else was close.

`unsafe.unsupervised_medical` is about who is in the loop, not the topic: for an app registered
as supervised (a person reviews its outputs, `AppApproval.supervised`) the category is not
judged at all."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from schemas.events import Category, GenerationEvent, Verdict
from services.content_safety.classifier import TextScores
from services.event_view import verdict_for

DETECTOR = "content_safety"
_NAMES = {c: c.value for c in Category}
"""Read once: an enum member's `.value` is a descriptor call."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One classifier's scores of one of the event's texts."""

    classifier: str
    version: str
    part: str  # "prompt" or "generation"
    scores: TextScores


def _without(r: Reading, category: Category) -> Reading:
    kept = {c: s for c, s in r.scores.by_category.items() if c is not category}
    return replace(r, scores=TextScores(kept))


def judge(
    event: GenerationEvent, readings: list[Reading], decided_at: datetime, supervised: bool = False
) -> Verdict | None:
    """None when no classifier read anything (no text, or none covers a category)."""
    if supervised:
        readings = [_without(r, Category.UNSAFE_UNSUPERVISED_MEDICAL) for r in readings]
    best: tuple[float, Category, Reading] | None = None
    for r in readings:
        top = r.scores.top()
        if top is not None and (best is None or top[1] > best[0]):
            best = (top[1], top[0], r)
    if best is None:
        return None
    score, category, spoke = best
    others = sorted(
        (
            (_NAMES[c], round(s, 3))
            for c, s in spoke.scores.by_category.items()
            if c is not category
        ),
        key=lambda cs: -cs[1],
    )
    evidence: dict[str, Any] = {
        "classifier": spoke.classifier,
        "text": spoke.part,
        "runners_up": dict(others[:3]),
        "classifiers": sorted({r.classifier for r in readings}),
    }
    return verdict_for(
        event,
        DETECTOR,
        category,
        score,
        evidence,
        f"{spoke.classifier}:{spoke.version}",
        decided_at,
    )
