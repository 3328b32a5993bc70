"""Behaviour in sliding windows of event time: how much an account sends, to how many distinct
recipients, through which API key, with links. Event time (the event's `occurred_at`), never the
wall clock, so replaying the same stream gives the same counts.

Writes are idempotent: events are set members keyed by event_id (a redelivered event does not
count twice) and recipients go into HyperLogLogs (adding the same recipient again is a no-op).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis


@dataclass(frozen=True, slots=True)
class Observation:
    account_id: str
    event_id: str
    at_ms: int
    api_key_id: str | None = None
    recipients: tuple[str, ...] = ()
    has_link: bool = False


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Counts over the window ending at the observation, the observation included."""

    events: int
    key_events: int
    link_events: int
    distinct_recipients: int

    @property
    def link_share(self) -> float:
        return self.link_events / self.events if self.events else 0.0


class BehaviourWindows(Protocol):
    """Records observations and returns the window counts as of each one, in order (a later
    observation in the same batch sees the earlier ones). One Redis round trip per batch."""

    window_ms: int

    async def observe(self, batch: Sequence[Observation]) -> list[WindowCounts]: ...


class RedisBehaviourWindows:
    """Keys (all tagged with the account, so one account's keys live in one cluster slot):

    - `<p>w:ev:{acct}`, `<p>w:link:{acct}`, `<p>w:key:{acct}:<key>`: sorted sets of event ids
      scored by event time; entries older than the window are trimmed on write and each set is
      capped at `cap` members (the newest kept), so a busy account costs at most ~cap×50 bytes
      per set. TTL = window + 1 h, refreshed on write.
    - `<p>w:rcpt:{acct}:<bucket>`: HyperLogLog of recipients per bucket of window/6 (12 KB at
      most each, 0.81 % standard error); the window is the union of the last 6 buckets (+ the
      current one). TTL = window + one bucket + 1 h.

    Memory per active account is bounded by the caps; idle accounts expire after the TTL.
    """

    BUCKETS = 6

    def __init__(
        self, client: aioredis.Redis, prefix: str, window_ms: int, cap: int = 5_000
    ) -> None:
        self._redis = client
        self._p = prefix
        self.window_ms = window_ms
        self._cap = cap
        self._bucket_ms = max(window_ms // self.BUCKETS, 1)
        self._ttl_s = window_ms // 1000 + 3600
        self.round_trips = 0

    def _queue_set(self, pipe: aioredis.client.Pipeline, key: str, o: Observation) -> None:
        pipe.zadd(key, {o.event_id: o.at_ms})
        pipe.zremrangebyscore(key, "-inf", f"({o.at_ms - self.window_ms}")
        pipe.zremrangebyrank(key, 0, -(self._cap + 1))
        pipe.expire(key, self._ttl_s)
        pipe.zcount(key, o.at_ms - self.window_ms, o.at_ms)

    async def observe(self, batch: Sequence[Observation]) -> list[WindowCounts]:
        if not batch:
            return []
        pipe = self._redis.pipeline(transaction=False)
        plan: list[tuple[int, int, int, int]] = []  # reply index of each count
        n = 0
        for o in batch:
            tag = f"{{{o.account_id}}}"
            self._queue_set(pipe, f"{self._p}w:ev:{tag}", o)
            n += 5
            events_at = n - 1
            if o.api_key_id:
                self._queue_set(pipe, f"{self._p}w:key:{tag}:{o.api_key_id}", o)
                n += 5
                key_at = n - 1
            else:
                key_at = -1
            link_key = f"{self._p}w:link:{tag}"
            if o.has_link:
                self._queue_set(pipe, link_key, o)
                n += 5
            else:
                pipe.zcount(link_key, o.at_ms - self.window_ms, o.at_ms)
                n += 1
            link_at = n - 1
            bucket = o.at_ms // self._bucket_ms
            rcpt_key = f"{self._p}w:rcpt:{tag}:{bucket}"
            if o.recipients:
                pipe.pfadd(rcpt_key, *o.recipients)
                pipe.expire(rcpt_key, self._ttl_s + self._bucket_ms // 1000)
                n += 2
            pipe.pfcount(
                *(f"{self._p}w:rcpt:{tag}:{b}" for b in range(bucket - self.BUCKETS, bucket + 1))
            )
            n += 1
            plan.append((events_at, key_at, link_at, n - 1))
        replies = await pipe.execute()
        self.round_trips += 1
        return [
            WindowCounts(
                events=int(replies[e]),
                key_events=int(replies[k]) if k >= 0 else 0,
                link_events=int(replies[li]),
                distinct_recipients=int(replies[r]),
            )
            for e, k, li, r in plan
        ]


@dataclass
class _TimedSet:
    times: list[int] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, event_id: str, at_ms: int, window_ms: int, cap: int) -> None:
        if event_id not in self.ids:
            bisect.insort(self.times, at_ms)
            self.ids[event_id] = at_ms
        cutoff = at_ms - window_ms
        if self.times and (self.times[0] < cutoff or len(self.times) > cap):
            keep = sorted(((t, i) for i, t in self.ids.items() if t >= cutoff), reverse=True)[:cap]
            self.ids = {i: t for t, i in keep}
            self.times = sorted(self.ids.values())

    def count(self, lo: int, hi: int) -> int:
        return bisect.bisect_right(self.times, hi) - bisect.bisect_left(self.times, lo)


class MemoryBehaviourWindows:
    """In-memory implementation (tests, `usewatch backtest`): exact distinct recipients instead
    of HyperLogLog, same windows and caps. Nothing expires by clock: a backtest is bounded by its
    input file."""

    def __init__(self, window_ms: int, cap: int = 5_000) -> None:
        self.window_ms = window_ms
        self._cap = cap
        self._bucket_ms = max(window_ms // RedisBehaviourWindows.BUCKETS, 1)
        self._sets: dict[str, _TimedSet] = {}
        self._recipients: dict[tuple[str, int], set[str]] = {}

    def _touch(self, key: str, o: Observation) -> int:
        s = self._sets.setdefault(key, _TimedSet())
        s.add(o.event_id, o.at_ms, self.window_ms, self._cap)
        return s.count(o.at_ms - self.window_ms, o.at_ms)

    async def observe(self, batch: Sequence[Observation]) -> list[WindowCounts]:
        out = []
        for o in batch:
            events = self._touch(f"ev:{o.account_id}", o)
            key_events = self._touch(f"key:{o.account_id}:{o.api_key_id}", o) if o.api_key_id else 0
            link_set = self._sets.setdefault(f"link:{o.account_id}", _TimedSet())
            if o.has_link:
                link_set.add(o.event_id, o.at_ms, self.window_ms, self._cap)
            links = link_set.count(o.at_ms - self.window_ms, o.at_ms)
            bucket = o.at_ms // self._bucket_ms
            self._recipients.setdefault((o.account_id, bucket), set()).update(o.recipients)
            distinct: set[str] = set()
            for b in range(bucket - RedisBehaviourWindows.BUCKETS, bucket + 1):
                distinct |= self._recipients.get((o.account_id, b), set())
            out.append(WindowCounts(events, key_events, links, len(distinct)))
        return out
