"""The operators' log: what the enforcer decided, for `usewatch account`, `reverse`, `reports`
and the review console (the enforcement topics stay the record; this is their index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterPipeline

from services.state.enforcement.records import text
from services.state.round_trip import RedisClient

LOG_TTL_S = 30 * 24 * 3600
RECENT_PER_ACCOUNT = 50


class EnforcementLog(Protocol):
    async def record(
        self,
        actions: Sequence[tuple[str, str, str]],
        reports: Sequence[tuple[str, float, str]],
        now_s: float,
        reviews: Sequence[tuple[str, str]] = (),
    ) -> None:
        """actions: (account, enforcement id, JSON); reports: (account, deadline s, JSON);
        reviews: (enforcement id, JSON)."""
        ...

    async def enforcement(self, enforcement_id: str) -> str | None:
        """The EnforcementEvent JSON of an id, for reversals."""
        ...

    async def review(self, enforcement_id: str) -> str | None:
        """What went to a person under an id (enforcement.review)."""
        ...

    async def recent(self, account: str) -> list[str]:
        """The account's newest actions and reports, newest first."""
        ...

    async def reports_due_after(self, since_s: float) -> list[str]:
        """Reports whose deadline is after `since_s` (now: the open ones)."""
        ...


class RedisEnforcementLog:
    """What the enforcer published, kept for operators (the topics stay the record):

    - `<p>log:id:<enforcement id>`: the EnforcementEvent JSON, for reversals; TTL 30 days.
    - `<p>log:review:<enforcement id>`: what went to a person (enforcement.review), for the
      decisions the review console sends back; TTL 30 days.
    - `<p>log:recent:{acct}`: list of the newest 50 actions and reports (JSON); TTL 30 days.
    - `<p>log:reports`: reports scored by their deadline, trimmed to the last 48 h of
      deadlines; TTL 48 h, refreshed on write. "Open" means not yet past its deadline.
    """

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis = client
        self._p = prefix

    async def record(
        self,
        actions: Sequence[tuple[str, str, str]],
        reports: Sequence[tuple[str, float, str]],
        now_s: float,
        reviews: Sequence[tuple[str, str]] = (),
    ) -> None:
        if not actions and not reports and not reviews:
            return
        pipe = self._redis.pipeline(transaction=False)
        for account, enforcement_id, body in actions:
            pipe.set(f"{self._p}log:id:{enforcement_id}", body, ex=LOG_TTL_S)
            self._push_recent(pipe, account, body)
        for enforcement_id, body in reviews:
            pipe.set(f"{self._p}log:review:{enforcement_id}", body, ex=LOG_TTL_S)
        for account, due_s, body in reports:
            pipe.zadd(f"{self._p}log:reports", {body: due_s})
            self._push_recent(pipe, account, body)
        if reports:
            pipe.zremrangebyscore(f"{self._p}log:reports", "-inf", now_s - 2 * 86400)
            pipe.expire(f"{self._p}log:reports", 2 * 86400)
        await pipe.execute()

    def _push_recent(
        self, pipe: aioredis.client.Pipeline | ClusterPipeline, account: str, body: str
    ) -> None:
        key = f"{self._p}log:recent:{{{account}}}"
        pipe.lpush(key, body)
        pipe.ltrim(key, 0, RECENT_PER_ACCOUNT - 1)
        pipe.expire(key, LOG_TTL_S)

    async def enforcement(self, enforcement_id: str) -> str | None:
        raw = await self._redis.get(f"{self._p}log:id:{enforcement_id}")
        return text(raw) if raw else None

    async def review(self, enforcement_id: str) -> str | None:
        raw = await self._redis.get(f"{self._p}log:review:{enforcement_id}")
        return text(raw) if raw else None

    async def recent(self, account: str) -> list[str]:
        return [
            text(r) for r in await self._redis.lrange(f"{self._p}log:recent:{{{account}}}", 0, -1)
        ]

    async def reports_due_after(self, since_s: float) -> list[str]:
        return [
            text(r)
            for r in await self._redis.zrangebyscore(f"{self._p}log:reports", since_s, "+inf")
        ]
