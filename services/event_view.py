"""How detectors read events: one definition of an event's text and time, and the one shape
of a detector's batch pipeline, shared by the faust wiring and `usewatch backtest`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from schemas.events import Category, GenerationEvent, Label, Verdict, VerdictSubject
from services.state.round_trip import RoundTrip
from services.state.windows import WindowCounts

EMPTY_WINDOW = WindowCounts(0, 0, 0, 0)
"""The window counts of an event that is not recorded (red-team traffic)."""


SUSPECT_AT = 0.5
VIOLATION_AT = 0.8
"""Every detector's label thresholds on its score (the enforcer applies its own, per category,
from the policy file)."""


def label_for(score: float) -> Label:
    if score >= VIOLATION_AT:
        return Label.VIOLATION
    if score >= SUSPECT_AT:
        return Label.SUSPECT
    return Label.CLEAN


def verdict_for(
    event: GenerationEvent,
    detector: str,
    category: Category,
    score: float,
    evidence: dict[str, Any],
    model_version: str,
    decided_at: datetime,
) -> Verdict:
    """A detector's verdict on an event: the score clamped to [0, 1] and rounded, the label from
    the shared thresholds."""
    score = round(min(max(score, 0.0), 1.0), 4)
    return Verdict(
        event_id=event.event_id,
        account_id=event.account_id,
        subject=VerdictSubject.of(event),
        detector=detector,
        category=category,
        score=score,
        label=label_for(score),
        evidence=evidence,
        model_version=model_version,
        decided_at=decided_at,
    )


def text_of(event: GenerationEvent) -> str:
    """The gateway's normalised generation, or the raw one (backtest files may hold events that
    never went through the gateway)."""
    return event.normalized.generation if event.normalized else event.generation


def at_ms(event: GenerationEvent) -> int:
    """Event time in milliseconds: windows run on it, never on the wall clock."""
    return int(event.occurred_at.timestamp() * 1000)


class BatchJudge(Protocol):
    """A detector's batch pipeline: events in, one verdict or None ("cannot say") per event.

    Its state lookups and writes go on `rt`, which it sends (the caller may have queued its own
    commands there first: one round trip for the whole batch); writes that depend on the
    verdicts go on `after`, which the caller sends once the verdicts are published. Without
    them (tests, backtest) the pipeline makes and sends its own.

    `take_revisions` hands over, once, the verdicts on earlier events that a batch's evidence
    changed (a suspect proven a violation later); they are published with the batch's
    verdicts."""

    def take_revisions(self) -> list[Verdict]: ...

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]: ...
