"""Near-duplicate index: which recent events carried (nearly) the same text, in this account and
in others. Fed with LSH band keys from `services.similarity`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis


@dataclass(frozen=True, slots=True)
class Signature:
    account_id: str
    event_id: str
    at_ms: int
    bands: tuple[str, ...]
    index: bool = True
    """False for events that may be compared but must not be remembered (red-team traffic is
    kept out of every shared state of normal traffic, SPEC §1)."""


@dataclass(frozen=True, slots=True)
class Matches:
    """Recent near-duplicates of one event within the window (the event itself excluded).
    Counts are lower bounds: each bucket is sampled at `sample` members."""

    same_account: int
    other_accounts: int
    """Distinct other accounts seen with a near-duplicate."""
    other_events: int
    similar_event_ids: tuple[str, ...]


NO_MATCHES = Matches(0, 0, 0, ())


class NearDuplicateIndex(Protocol):
    """Looks up, then records, each signature in order; one Redis round trip per batch."""

    async def add_and_match(self, batch: Sequence[Signature]) -> list[Matches]: ...


def _summarise(own: Signature, members: set[str]) -> Matches:
    same, other_events = 0, 0
    others: set[str] = set()
    similar: list[str] = []
    for m in sorted(members):  # sorted: the same state gives the same evidence, every run
        account, _, event_id = m.rpartition("|")
        if event_id == own.event_id and account == own.account_id:
            continue
        if account == own.account_id:
            same += 1
        else:
            others.add(account)
            other_events += 1
        if len(similar) < 5:
            similar.append(event_id)
    return Matches(same, len(others), other_events, tuple(similar))


class RedisNearDuplicateIndex:
    """Buckets `<p>nd:<band>:<hash>`: sorted sets of `account|event_id` scored by event time.
    Not tagged by account: a bucket is shared across accounts by design, and every command
    touches one key, so it still runs on a Redis Cluster. Each bucket keeps the newest `cap`
    members and expires `window` + 1 h after its last write, so memory is bounded by the number
    of distinct texts in one window times BANDS × cap."""

    def __init__(
        self, client: aioredis.Redis, prefix: str, window_ms: int, cap: int = 200, sample: int = 16
    ) -> None:
        self._redis = client
        self._p = prefix
        self._window_ms = window_ms
        self._cap = cap
        self._sample = sample
        self._ttl_s = window_ms // 1000 + 3600
        self.round_trips = 0

    async def add_and_match(self, batch: Sequence[Signature]) -> list[Matches]:
        if not batch:
            return []
        pipe = self._redis.pipeline(transaction=False)
        plan: list[list[int]] = []
        n = 0
        for s in batch:
            reads = []
            member = f"{s.account_id}|{s.event_id}"
            for band in s.bands:
                key = f"{self._p}nd:{band}"
                pipe.zrevrangebyscore(
                    key, s.at_ms, s.at_ms - self._window_ms, start=0, num=self._sample
                )
                reads.append(n)
                n += 1
                if s.index:
                    pipe.zadd(key, {member: s.at_ms})
                    pipe.zremrangebyrank(key, 0, -(self._cap + 1))
                    pipe.expire(key, self._ttl_s)
                    n += 3
            plan.append(reads)
        replies = await pipe.execute()
        self.round_trips += 1
        out = []
        for s, reads in zip(batch, plan, strict=True):
            members = {m.decode() for i in reads for m in replies[i]}
            out.append(_summarise(s, members))
        return out


class MemoryNearDuplicateIndex:
    """In-memory implementation with the same window, cap and sampling. Buckets are deques in
    arrival order (event time, within a partition), so a lookup walks back from the newest."""

    def __init__(self, window_ms: int, cap: int = 200, sample: int = 16) -> None:
        self._window_ms = window_ms
        self._cap = cap
        self._sample = sample
        self._buckets: dict[str, deque[tuple[int, str]]] = {}

    def _recent(self, band: str, at_ms: int) -> Iterator[str]:
        taken = 0
        for t, member in reversed(self._buckets.get(band, ())):
            if t > at_ms:
                continue
            if t < at_ms - self._window_ms or taken >= self._sample:
                break
            taken += 1
            yield member

    async def add_and_match(self, batch: Sequence[Signature]) -> list[Matches]:
        out = []
        for s in batch:
            members = {m for band in s.bands for m in self._recent(band, s.at_ms)}
            out.append(_summarise(s, members))
            if s.index:
                member = f"{s.account_id}|{s.event_id}"
                for band in s.bands:
                    # A replayed event may sit twice in a bucket; lookups return a set.
                    self._buckets.setdefault(band, deque(maxlen=self._cap)).append(
                        (s.at_ms, member)
                    )
        return out
