"""Which events have already been passed downstream: de-duplication by event_id (SPEC §4)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis


@dataclass(frozen=True, slots=True)
class EventKey:
    account_id: str
    event_id: str


class SeenEvents(Protocol):
    """Remembers event ids that were durably published, for `ttl_s` seconds (≥ 48 h).

    Marking is deliberately separate from checking: an id may only be remembered after its
    output is acknowledged by the broker. Marking first and dying before the publish would drop
    the event for good on redelivery; marking after means a crash in between re-publishes it
    once (at-least-once), which downstream consumers drop by event_id.

    `remember` only queues the ids; they are written with the next `unseen` call (same round
    trip) or by `flush`. A batch therefore costs one round trip in steady state, and the queue
    never holds an id whose publish was not acknowledged.
    """

    async def unseen(self, keys: Sequence[EventKey]) -> list[bool]:
        """For each key, True if it was never remembered (after writing queued marks)."""
        ...

    def remember(self, keys: Sequence[EventKey]) -> None:
        """Queue keys whose output is durably published."""
        ...

    async def flush(self) -> None:
        """Write queued marks now (on a timer and at shutdown)."""
        ...


class RedisSeenEvents:
    """Redis implementation. One string key per event, `<prefix>seen:{account_id}:<event_id>`,
    value "1", TTL `ttl_s`. Size: about 90 bytes per event id remembered, so 10 M events a day
    with a 72 h TTL hold ~2.7 GB; lower the TTL (≥ 48 h) or shard Redis before that."""

    def __init__(self, client: aioredis.Redis, prefix: str, ttl_s: int) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._pending: list[EventKey] = []
        # Marks and lookups from different tasks (the batch, the flush timer) must reach Redis in
        # the order they were made, or a lookup could overtake the mark it depends on.
        self._lock = asyncio.Lock()
        self.round_trips = 0

    def _key(self, k: EventKey) -> str:
        return f"{self._prefix}seen:{{{k.account_id}}}:{k.event_id}"

    async def unseen(self, keys: Sequence[EventKey]) -> list[bool]:
        async with self._lock:
            return await self._write_pending_and_check(keys)

    async def _write_pending_and_check(self, keys: Sequence[EventKey]) -> list[bool]:
        pending, self._pending = self._pending, []
        pipe = self._redis.pipeline(transaction=False)
        for k in pending:
            pipe.set(self._key(k), b"1", ex=self._ttl_s)
        for k in keys:
            pipe.exists(self._key(k))
        try:
            replies = await pipe.execute()
        except BaseException:
            self._pending = pending + self._pending  # not written: keep them for the retry
            raise
        self.round_trips += 1
        return [r == 0 for r in replies[len(pending) :]]

    def remember(self, keys: Sequence[EventKey]) -> None:
        self._pending.extend(keys)

    async def flush(self) -> None:
        if self._pending:
            await self.unseen(())


class MemorySeenEvents:
    """In-memory implementation for tests and `usewatch backtest`; expiry by the given clock."""

    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._expires: dict[EventKey, float] = {}
        self._pending: list[EventKey] = []

    async def unseen(self, keys: Sequence[EventKey]) -> list[bool]:
        await self.flush()
        now = self._clock()
        return [self._expires.get(k, 0.0) <= now for k in keys]

    def remember(self, keys: Sequence[EventKey]) -> None:
        self._pending.extend(keys)

    async def flush(self) -> None:
        deadline = self._clock() + self._ttl_s
        for k in self._pending:
            self._expires[k] = deadline
        self._pending.clear()
