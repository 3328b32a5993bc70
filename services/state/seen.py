"""Which events have already been passed downstream: de-duplication by event_id (SPEC §4)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.state.round_trip import Pending, RedisClient, RoundTrip


@dataclass(frozen=True, slots=True)
class EventKey:
    account_id: str
    event_id: str


class SeenEvents(Protocol):
    """Remembers event ids whose output was durably published, for `ttl_s` seconds (≥ 48 h).

    Checking and marking are separate calls on purpose, on two round trips of the batch: `unseen`
    before publishing (with the detector's state lookups), `mark` after the broker acknowledged
    every output and before the batch returns (so before its input offsets can be committed).
    This makes two round trips the least a batch can cost. Marking first and dying
    before the publish would drop the event for good on redelivery. Marking later (with the
    next batch's lookup, to save a round trip) was tried and is wrong too: offsets committed
    while the marks still sat in memory leave events that no replay ever dedups again.
    A crash between publish and mark re-publishes the batch once; consumers drop repeats by
    event_id.
    """

    def unseen(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[list[bool]]:
        """For each key, True if it was never marked."""
        ...

    def mark(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[None]:
        """Remember keys whose output is durably published."""
        ...


class RedisSeenEvents:
    """Redis implementation. One string key per event, `<prefix>seen:{account_id}:<event_id>`,
    value "1", TTL `ttl_s`. Size: about 90 bytes per event id remembered, so 10 M events a day
    with a 72 h TTL hold ~2.7 GB; lower the TTL (≥ 48 h) or shard Redis before that."""

    def __init__(self, client: RedisClient, prefix: str, ttl_s: int) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl_s = ttl_s

    def _key(self, k: EventKey) -> str:
        return f"{self._prefix}seen:{{{k.account_id}}}:{k.event_id}"

    def unseen(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[list[bool]]:
        if not keys:
            return Pending.resolved([])
        return rt.add(
            self._redis,
            [("EXISTS", self._key(k)) for k in keys],
            lambda replies: [r == 0 for r in replies],
        )

    def mark(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[None]:
        if not keys:
            return Pending.resolved(None)
        return rt.add(
            self._redis,
            [("SET", self._key(k), b"1", "EX", self._ttl_s) for k in keys],
            lambda _: None,
        )


class MemorySeenEvents:
    """In-memory implementation for tests and `usewatch backtest`; expiry by the given clock."""

    def __init__(self, ttl_s: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._expires: dict[EventKey, float] = {}

    def unseen(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[list[bool]]:
        now = self._clock()
        return Pending.resolved([self._expires.get(k, 0.0) <= now for k in keys])

    def mark(self, keys: Sequence[EventKey], rt: RoundTrip) -> Pending[None]:
        deadline = self._clock() + self._ttl_s
        for k in keys:
            self._expires[k] = deadline
        return Pending.resolved(None)
