"""One micro-batch through the content-safety stage: each classifier scores every prompt and
every generation of the batch in one call, then the pure `judge`. No per-account state; the
registry view (which apps are supervised) follows the `registry` topic in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import GenerationEvent, Verdict
from services.content_safety.classifier import ContentClassifier
from services.content_safety.detector import Reading, judge
from services.event_view import text_of
from services.registry import RegistryView
from services.state.round_trip import RoundTrip


def prompt_of(event: GenerationEvent) -> str:
    return event.normalized.prompt if event.normalized else event.prompt


@dataclass
class ContentSafetyPipeline:
    classifiers: Sequence[ContentClassifier]
    registry: RegistryView | None = None
    """Without one (tests, backtest) no app counts as supervised."""

    def supervised(self, app_id: str) -> bool:
        return self.registry is not None and self.registry.supervised(app_id)

    def take_revisions(self) -> list[Verdict]:
        return []

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]:
        if rt is not None:
            await rt.execute()  # the host's lookups of already-judged events
        if not events:
            return []
        if self.registry is not None:
            await self.registry.ready()
        prompts = [prompt_of(e) for e in events]
        generations = [text_of(e) for e in events]
        n = len(events)
        scored = await asyncio.gather(*(c.score(prompts + generations) for c in self.classifiers))
        readings: list[list[Reading]] = [[] for _ in events]
        for c, scores in zip(self.classifiers, scored, strict=True):
            for i in range(n):
                texts = (
                    ("prompt", prompts[i], scores[i]),
                    ("generation", generations[i], scores[n + i]),
                )
                for part, text, s in texts:
                    if text.strip():
                        name, version = s.source or (c.name, c.version)
                        readings[i].append(Reading(name, version, part, s))
        return [
            judge(e, readings[i], decided_at(e), self.supervised(e.app_id))
            for i, e in enumerate(events)
        ]
