"""The approval detector's batch pipeline: each event against the registry view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from schemas.events import GenerationEvent, Verdict
from services.approval.rules import unapproved_use
from services.registry import RegistryView
from services.state.round_trip import RoundTrip


class ApprovalPipeline:
    """A BatchJudge (services/event_view.py) with no Redis state: nothing is judged before the
    registry has been read to the end (an approval not yet read is not a missing one), and the
    view follows the topic from then on, so an approval or a revocation counts within seconds."""

    def __init__(self, registry: RegistryView) -> None:
        self._registry = registry

    def take_revisions(self) -> list[Verdict]:
        return []

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]:
        await self._registry.ready()
        if rt is not None:
            await rt.execute()  # the host's lookups of already-judged events
        return [unapproved_use(e, self._registry.get(e.app_id), decided_at(e)) for e in events]
