"""One contract, two implementations: the in-memory store must behave like the Redis one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from services.state.round_trip import once
from services.state.seen import EventKey, MemorySeenEvents, RedisSeenEvents, SeenEvents
from usewatch.localstack import Stack

TTL_S = 48 * 3600


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, stack: Stack) -> AsyncIterator[SeenEvents]:
    if request.param == "memory":
        yield MemorySeenEvents(TTL_S)
        return
    client = aioredis.from_url(stack.redis_url)
    yield RedisSeenEvents(client, prefix=f"uw:{uuid.uuid4().hex}:", ttl_s=TTL_S)
    await client.aclose()


def _keys(*ids: str, account: str = "a1") -> list[EventKey]:
    return [EventKey(account, i) for i in ids]


@pytest.mark.asyncio
async def test_ids_are_unseen_until_marked(store: SeenEvents) -> None:
    assert await once(store.unseen, _keys("e1", "e2")) == [True, True]
    await once(store.mark, _keys("e1"))
    assert await once(store.unseen, _keys("e1", "e2")) == [False, True]


@pytest.mark.asyncio
async def test_the_same_event_id_in_another_account_is_another_event(store: SeenEvents) -> None:
    await once(store.mark, _keys("e1", account="a1"))
    assert await once(store.unseen, _keys("e1", account="a2")) == [True]


@pytest.mark.asyncio
async def test_an_empty_lookup_is_fine(store: SeenEvents) -> None:
    assert await once(store.unseen, []) == []
    await once(store.mark, [])


@pytest.mark.asyncio
async def test_memory_store_forgets_after_the_ttl() -> None:
    clock = FakeClock()
    store = MemorySeenEvents(TTL_S, clock=clock)
    await once(store.mark, _keys("e1"))
    assert await once(store.unseen, _keys("e1")) == [False]
    clock.now += TTL_S + 1
    assert await once(store.unseen, _keys("e1")) == [True]


@pytest.mark.asyncio
async def test_redis_keys_carry_a_ttl_and_the_account_hash_tag(stack: Stack) -> None:
    client = aioredis.from_url(stack.redis_url)
    prefix = f"uw:{uuid.uuid4().hex}:"
    store = RedisSeenEvents(client, prefix=prefix, ttl_s=TTL_S)
    await once(store.mark, _keys("e1", account="acct-9"))
    assert await once(store.unseen, _keys("e2")) == [True]
    keys = [k.decode() async for k in client.scan_iter(f"{prefix}*")]
    assert keys == [f"{prefix}seen:{{acct-9}}:e1"]
    assert 0 < await client.ttl(keys[0]) <= TTL_S
    await client.aclose()
