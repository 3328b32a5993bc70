"""How detectors read events: one definition of an event's text and time, and the one shape
of a detector's batch pipeline, shared by the faust wiring and `usewatch backtest`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from schemas.events import GenerationEvent, Label, Verdict
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


def text_of(event: GenerationEvent) -> str:
    """The gateway's normalised generation, or the raw one (backtest files may hold events that
    never went through the gateway)."""
    return event.normalized.generation if event.normalized else event.generation


def at_ms(event: GenerationEvent) -> int:
    """Event time in milliseconds: windows run on it, never on the wall clock."""
    return int(event.occurred_at.timestamp() * 1000)


class BatchJudge(Protocol):
    """A detector's batch pipeline: events in, one verdict or None ("cannot say") per event."""

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
    ) -> list[Verdict | None]: ...
