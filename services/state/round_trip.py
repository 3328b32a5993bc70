"""One Redis round trip per micro-batch: every store a stage uses queues its commands on one
`RoundTrip`, which sends them as a single pipeline and hands each store its slice of the replies.

A store's method takes the round trip and returns a `Pending` that holds its result once the
round trip has run; in-memory stores (tests, `usewatch backtest`) answer at once with a Pending
that is already resolved, so the same pipeline code runs over both. Scripts are queued as
EVALSHA (a redis-py pipeline given Script objects asks SCRIPT EXISTS first, a second round trip);
if Redis lost its script cache (first use, a restart) every script of the round trip is loaded
and the round trip is sent again, which is safe because every store's writes are idempotent per
event id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError

T = TypeVar("T")
U = TypeVar("U")
Command = tuple[Any, ...]
RedisClient = aioredis.Redis | RedisCluster
"""One Redis or a Redis Cluster (REDIS_CLUSTER=on): every store takes either, since every
multi-key command touches keys of one hash tag (SPEC §2)."""


class Pending(Generic[T]):
    """A store's answer, available once its round trip has run."""

    __slots__ = ("_decode", "_ready", "_value")

    def __init__(self, decode: Callable[[list[Any]], T] | None = None) -> None:
        self._decode = decode
        self._ready = False
        self._value: T | None = None

    @classmethod
    def resolved(cls, value: T) -> Pending[T]:
        p: Pending[T] = cls()
        p._resolve(value)
        return p

    def _resolve(self, value: T) -> None:
        self._value, self._ready = value, True

    def result(self) -> T:
        if not self._ready:
            raise RuntimeError("the round trip holding this result has not run yet")
        return self._value  # type: ignore[return-value]

    def then(self, fn: Callable[[T], U]) -> Pending[U]:
        """A Pending of `fn(result)`, computed when asked for."""
        return _Then(self, fn)


class _Then(Pending[U]):
    __slots__ = ("_fn", "_source")

    def __init__(self, source: Pending[Any], fn: Callable[[Any], U]) -> None:
        super().__init__()
        self._source, self._fn = source, fn

    def result(self) -> U:
        if not self._ready:
            self._resolve(self._fn(self._source.result()))
        return super().result()


class RoundTrip:
    """Commands from several stores, sent together."""

    def __init__(self) -> None:
        self._client: RedisClient | None = None
        self._commands: list[Command] = []
        self._parts: list[tuple[int, int, Pending[Any]]] = []
        self._scripts: dict[str, str] = {}
        self.sent = 0
        """How many times this round trip went to Redis (0 when nothing was queued)."""

    def add(
        self,
        client: RedisClient,
        commands: Sequence[Command],
        decode: Callable[[list[Any]], T],
        scripts: dict[str, str] | None = None,
    ) -> Pending[T]:
        """Queue `commands`; their replies, in order, go through `decode` into the Pending.
        `scripts` maps the sha of every script the commands call by EVALSHA to its source."""
        if self._client is None:
            self._client = client
        elif client is not self._client:
            raise ValueError("one round trip goes to one Redis client")
        pending: Pending[T] = Pending(decode)
        self._parts.append((len(self._commands), len(commands), pending))
        self._commands.extend(commands)
        self._scripts.update(scripts or {})
        return pending

    async def execute(self) -> None:
        if self._client is None:
            return  # nothing was queued (in-memory stores answer at once)
        try:
            replies = await self._send(self._client)
        except NoScriptError:
            for source in self._scripts.values():
                await self._client.script_load(source)
            replies = await self._send(self._client)
        for start, count, pending in self._parts:
            assert pending._decode is not None
            pending._resolve(pending._decode(replies[start : start + count]))

    async def _send(self, client: RedisClient) -> list[Any]:
        pipe = client.pipeline(transaction=False)
        for command in self._commands:
            pipe.execute_command(*command)
        self.sent += 1
        return list(await pipe.execute())


async def once(queue: Callable[..., Pending[T]], *args: Any) -> T:
    """Run one store call in a round trip of its own: `await once(windows.observe, batch)`."""
    rt = RoundTrip()
    pending = queue(*args, rt)
    await rt.execute()
    return pending.result()
