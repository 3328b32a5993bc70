"""`usewatch backtest`: what would the detectors have flagged? Runs every offline-capable
detector over a file of GenerationEvents in event-time order, with in-memory state stores, and
yields their verdicts. No Kafka, no Redis, no clock: the same input gives the same output
(`decided_at` is the event's own `occurred_at`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from schemas.events import GenerationEvent, Verdict
from services.gateway.admission import with_normalized_text
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.near_duplicates import MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows

WINDOW_MS = 3600 * 1000
BATCH = 64


@dataclass(frozen=True)
class OfflineDetector:
    name: str
    build: Callable[[], SpamPipeline]


# Every detector that can run offline, in the order their verdicts are printed per batch.
DETECTORS: tuple[OfflineDetector, ...] = (
    OfflineDetector(
        "spam",
        lambda: SpamPipeline(
            ContentModel.load(),
            MemoryBehaviourWindows(WINDOW_MS),
            MemoryNearDuplicateIndex(WINDOW_MS),
        ),
    ),
)


async def backtest(events: Iterable[GenerationEvent]) -> Iterator[Verdict]:
    """Verdicts for the events, replayed in event-time order; duplicates by event_id dropped."""
    unique = {(e.account_id, e.event_id): e for e in reversed(list(events))}
    ordered = sorted(unique.values(), key=lambda e: (e.occurred_at, e.event_id))
    ordered = [e if e.normalized else with_normalized_text(e) for e in ordered]
    pipelines = [d.build() for d in DETECTORS]
    out: list[Verdict] = []
    for i in range(0, len(ordered), BATCH):
        batch = ordered[i : i + BATCH]
        for pipeline in pipelines:
            verdicts = await pipeline.judge_batch(batch, lambda e: e.occurred_at)
            out.extend(v for v in verdicts if v is not None)
    return iter(out)
