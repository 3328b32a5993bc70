"""What every section of `make eval` shares: texts become events as a fresh account would send
them at one fixed time, and go through a stage's own batch pipeline in micro-batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from schemas.events import GenerationEvent, Label, Verdict
from services.event_view import BatchJudge

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 64


def judge_all(pipeline: BatchJudge, events: Sequence[GenerationEvent]) -> list[Verdict | None]:
    """The pipeline's verdicts on `events`, judged BATCH at a time, decided at WHEN."""

    async def run() -> list[Verdict | None]:
        out: list[Verdict | None] = []
        for start in range(0, len(events), BATCH):
            out += await pipeline.judge_batch(events[start : start + BATCH], lambda e: WHEN)
        return out

    return asyncio.run(run())


def to_review(v: Verdict | None) -> bool:
    return v is not None and v.label == Label.SUSPECT
