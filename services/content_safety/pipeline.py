"""One micro-batch through the content-safety stage: each classifier scores every prompt and
every generation of the batch in one call, then the pure `judge`. No per-account state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import GenerationEvent, Verdict
from services.content_safety.classifier import ContentClassifier
from services.content_safety.detector import Reading, judge
from services.event_view import text_of
from services.state.round_trip import RoundTrip


def prompt_of(event: GenerationEvent) -> str:
    return event.normalized.prompt if event.normalized else event.prompt


@dataclass
class ContentSafetyPipeline:
    classifiers: Sequence[ContentClassifier]

    def take_revisions(self) -> list[Verdict]:
        return []

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]:
        if not events:
            return []
        prompts = [prompt_of(e) for e in events]
        generations = [text_of(e) for e in events]
        n = len(events)
        scored = await asyncio.gather(*(c.score(prompts + generations) for c in self.classifiers))
        readings: list[list[Reading]] = [[] for _ in events]
        for c, scores in zip(self.classifiers, scored, strict=True):
            for i in range(n):
                if prompts[i].strip():
                    readings[i].append(Reading(c.name, c.version, "prompt", scores[i]))
                if generations[i].strip():
                    readings[i].append(Reading(c.name, c.version, "generation", scores[n + i]))
        return [judge(e, readings[i], decided_at(e)) for i, e in enumerate(events)]
