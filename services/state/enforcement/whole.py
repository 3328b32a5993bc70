"""Whether the enforcement store holds everything the enforcement topics prove, and whether its
Redis restarted since the last look (SPEC §4: a store that forgets is rebuilt, not trusted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis

from services.state.enforcement.records import StoreCondition
from services.state.round_trip import Pending, RedisClient, RoundTrip

WHOLE_TTL_S = 30 * 24 * 3600


class WholeMark(Protocol):
    def condition(self, rt: RoundTrip) -> Pending[StoreCondition]:
        """The store's condition now; a look also keeps the mark alive."""
        ...

    def mark(self, rt: RoundTrip) -> Pending[None]:
        """The store is whole (set by a rebuild, services/enforcement/rebuild.py)."""
        ...


class RedisWholeMark:
    """`<p>whole`: "1" once the store was rebuilt or found whole; TTL 30 days, refreshed by every
    look. A store without it was lost (or never filled). The server's `run_id` rides on every
    look (one Redis; a cluster's nodes are not watched: run them with replicas), so a restart is
    noticed on the first batch after it."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis = client
        self._key = f"{prefix}whole"
        self._run_id: str | None = None
        self._watch_restarts = isinstance(client, aioredis.Redis)

    def condition(self, rt: RoundTrip) -> Pending[StoreCondition]:
        commands: list[tuple[Any, ...]] = [("GETEX", self._key, "EX", WHOLE_TTL_S)]
        if self._watch_restarts:
            commands.append(("INFO", "server"))
        return rt.add(self._redis, commands, self._condition)

    def _condition(self, replies: list[Any]) -> StoreCondition:
        restarted = self._restarted(replies[1]) if self._watch_restarts else False
        if replies[0] is None:
            return StoreCondition.LOST
        return StoreCondition.RESTARTED if restarted else StoreCondition.WHOLE

    def _restarted(self, info: dict[str, Any]) -> bool:
        run_id = str(info.get("run_id", ""))
        before, self._run_id = self._run_id, run_id
        return before is not None and before != run_id

    def mark(self, rt: RoundTrip) -> Pending[None]:
        return rt.add(self._redis, [("SET", self._key, b"1", "EX", WHOLE_TTL_S)], lambda _: None)


@dataclass
class MemoryWholeMark:
    """In memory: whole unless made otherwise (a test of the rebuild starts it lost)."""

    whole: bool = True

    def condition(self, rt: RoundTrip) -> Pending[StoreCondition]:
        return Pending.resolved(StoreCondition.WHOLE if self.whole else StoreCondition.LOST)

    def mark(self, rt: RoundTrip) -> Pending[None]:
        self.whole = True
        return Pending.resolved(None)
