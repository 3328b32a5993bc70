"""What the enforcer keeps in its own memory so that a fail-open policy can go on deciding while
Redis is away (SPEC §4), and write what it decided once Redis returns. Both are bounded, never
unbounded memory: past their capacity the oldest entries go (logged), so strikes decided that
long ago are not written, and verdicts whose context was forgotten wait for Redis as under
fail closed. Reports are never at stake: they are published when decided."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.state.enforcement import (
    ContextWrite,
    Effect,
    EnforcementState,
    RedisEnforcementLog,
    StoredContext,
)

ActionEntry = tuple[str, str, str]
"""(account, enforcement id, JSON) for the operator's log."""
ReportEntry = tuple[str, float, str]
"""(account, deadline in epoch seconds, JSON) for the operator's log."""

log = logging.getLogger("usewatch.enforcement.outage")


@dataclass
class RecentContexts:
    """The contexts of the last `capacity` accepted events, by event id. Verdicts follow their
    event within seconds, so a few minutes of traffic is plenty."""

    capacity: int = 200_000
    _items: OrderedDict[str, StoredContext] = field(default_factory=OrderedDict)

    def put(self, event_id: str, context: StoredContext) -> None:
        self._items[event_id] = context
        self._items.move_to_end(event_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, event_id: str) -> StoredContext | None:
        return self._items.get(event_id)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class PendingWrites:
    """State writes decided while Redis was away, in order, flushed when it returns. Effects are
    idempotent (SET NX, sorted-set members), so a flush that fails halfway is simply retried."""

    capacity: int = 500_000
    contexts: deque[ContextWrite] = field(default_factory=deque)
    effects: deque[tuple[Effect, int]] = field(default_factory=deque)
    records: deque[tuple[list[ActionEntry], list[ReportEntry], float]] = field(
        default_factory=deque
    )
    dropped: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add_contexts(self, writes: Sequence[ContextWrite]) -> None:
        self.contexts.extend(writes)
        self._bound(self.contexts)

    def add_effects(self, effects: Sequence[Effect], hour: int) -> None:
        self.effects.extend((e, hour) for e in effects)
        self._bound(self.effects)

    def add_record(
        self, actions: list[ActionEntry], reports: list[ReportEntry], now_s: float
    ) -> None:
        if actions or reports:
            self.records.append((actions, reports, now_s))
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
        return len(self.contexts) + len(self.effects) + len(self.records)

    async def flush(self, state: EnforcementState, operator_log: RedisEnforcementLog) -> int:
        """Write everything pending, oldest first (raises if Redis is still away; what was not
        written stays pending). One flush at a time; writes queued meanwhile wait for the next."""
        async with self._lock:
            n = len(self)
            contexts = list(self.contexts)
            if contexts:
                await state.put_contexts(contexts)
                for _ in contexts:
                    self.contexts.popleft()
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
