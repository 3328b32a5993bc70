"""What the enforcer keeps in its own memory so that a fail-open policy can go on deciding while
Redis is away (SPEC §4): the state writes it decided, written once Redis returns. Bounded, never
unbounded memory: past its capacity the oldest entries go (logged), so strikes decided that long
ago are not written. Reports are never at stake: they are published when decided."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.state.enforcement import Effect, EnforcementLog, EnforcementState

ActionEntry = tuple[str, str, str]
"""(account, enforcement id, JSON) for the operator's log."""
ReportEntry = tuple[str, float, str]
"""(account, deadline in epoch seconds, JSON) for the operator's log."""
ReviewEntry = tuple[str, str]
"""(enforcement id, JSON) of what went to a person, for the operator's log."""

log = logging.getLogger("usewatch.enforcement.outage")


@dataclass
class PendingWrites:
    """State writes decided while Redis was away, in order, flushed when it returns. Effects are
    idempotent (SET NX, sorted-set members), so a flush that fails halfway is simply retried."""

    capacity: int = 500_000
    effects: deque[tuple[Effect, int]] = field(default_factory=deque)
    records: deque[tuple[list[ActionEntry], list[ReportEntry], float, list[ReviewEntry]]] = field(
        default_factory=deque
    )
    dropped: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add_effects(self, effects: Sequence[Effect], hour: int) -> None:
        self.effects.extend((e, hour) for e in effects)
        self._bound(self.effects)

    def add_record(
        self,
        actions: list[ActionEntry],
        reports: list[ReportEntry],
        now_s: float,
        reviews: list[ReviewEntry] | None = None,
    ) -> None:
        if actions or reports or reviews:
            self.records.append((actions, reports, now_s, reviews or []))
            self._bound(self.records)

    def _bound(self, queue: deque[Any]) -> None:
        if self._lock.locked():
            return  # a flush is counting on the queue's head; it shrinks it in a moment anyway
        while len(queue) > self.capacity:
            queue.popleft()
            self.dropped += 1
            if self.dropped % 10_000 == 1:
                log.error("pending state writes over capacity; %d oldest dropped", self.dropped)

    def __len__(self) -> int:
        return len(self.effects) + len(self.records)

    async def flush(self, state: EnforcementState, operator_log: EnforcementLog) -> int:
        """Write everything pending, oldest first (raises if Redis is still away; what was not
        written stays pending). One flush at a time; writes queued meanwhile wait for the next."""
        async with self._lock:
            n = len(self)
            effects = list(self.effects)
            by_hour: dict[int, list[Effect]] = {}
            for effect, hour in effects:
                by_hour.setdefault(hour, []).append(effect)
            for hour, batch in by_hour.items():
                await state.commit(batch, hour)
            for _ in effects:
                self.effects.popleft()
            while self.records:
                await operator_log.record(*self.records[0])
                self.records.popleft()
            return n
