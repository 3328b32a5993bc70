"""One contract, two implementations: the in-memory store must behave like the Redis one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from services.state.round_trip import once
from services.state.seen import EventKey, MemorySeenEvents, RedisSeenEvents, SeenEvents
from tests.integration.conftest import REDIS_KINDS, redis_of

TTL_S = 48 * 3600


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture(params=["memory", *REDIS_KINDS])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SeenEvents]:
    if request.param == "memory":
        yield MemorySeenEvents(TTL_S)
        return
    client = redis_of(request.param, request)
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
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_redis_keys_carry_a_ttl_and_the_account_hash_tag(
    kind: str, request: pytest.FixtureRequest
) -> None:
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    store = RedisSeenEvents(client, prefix=prefix, ttl_s=TTL_S)
    await once(store.mark, _keys("e1", account="acct-9"))
    assert await once(store.unseen, _keys("e2")) == [True]
    keys = [k.decode() async for k in client.scan_iter(f"{prefix}*")]
    assert keys == [f"{prefix}seen:{{acct-9}}:e1"]
    assert 0 < await client.ttl(keys[0]) <= TTL_S
    await client.aclose()
