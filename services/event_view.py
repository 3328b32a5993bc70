"""How detectors read an event: one definition of its text and its time, shared by all."""

from __future__ import annotations

from schemas.events import GenerationEvent
from services.state.windows import WindowCounts

EMPTY_WINDOW = WindowCounts(0, 0, 0, 0)
"""The window counts of an event that is not recorded (red-team traffic)."""


def text_of(event: GenerationEvent) -> str:
    """The gateway's normalised generation, or the raw one (backtest files may hold events that
    never went through the gateway)."""
    return event.normalized.generation if event.normalized else event.generation


def at_ms(event: GenerationEvent) -> int:
    """Event time in milliseconds: windows run on it, never on the wall clock."""
    return int(event.occurred_at.timestamp() * 1000)
