"""The enforcer's store and the operators' log: in memory, on one Redis and on a Redis Cluster,
the same answers (strikes, effect marks, hourly quotas, reversals)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from schemas.events import Action
from services.retry import with_backoff
from services.state.enforcement import (
    Effect,
    EnforcementState,
    LoadRequest,
    RedisEnforcementLog,
    StoreCondition,
)
from tests.integration.conftest import OWN_REDIS_URL, REDIS_KINDS, redis_of

log = logging.getLogger(__name__)
HOUR = 493_000
DAY_S = 86_400


@pytest_asyncio.fixture(params=["memory", *REDIS_KINDS])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[EnforcementState]:
    if request.param == "memory":
        yield EnforcementState.memory()
        return
    client = redis_of(request.param, request)
    store = EnforcementState.redis(client, f"uw:{uuid.uuid4().hex}:enf:")
    await store.mark_whole()
    yield store
    await client.aclose()


def effect(account: str, n: int, at_ms: int, action: Action | None = None) -> Effect:
    return Effect(account, "spam", f"enf-{account}-{n}", at_ms, True, 30 * DAY_S, action)


def ask(account: str, n: int, since_ms: int = 0) -> LoadRequest:
    return LoadRequest(account, "spam", f"enf-{account}-{n}", since_ms)


@pytest.mark.asyncio
async def test_committed_effects_are_marked_counted_and_reversible(state: Any) -> None:
    before, quotas, condition = await state.load([ask("a", 1), ask("b", 1)], HOUR)
    assert [(x.already_applied, x.strikes) for x in before] == [(False, 0), (False, 0)]
    assert quotas[Action.SUSPEND_ACCOUNT] == 0
    assert condition is StoreCondition.WHOLE

    await state.commit(
        [
            effect("a", 1, 1_000),
            effect("a", 2, 2_000, Action.SUSPEND_ACCOUNT),
            effect("b", 1, 3_000, Action.SUSPEND_ACCOUNT),
        ],
        HOUR,
    )
    after, quotas, _ = await state.load([ask("a", 1), ask("a", 3, since_ms=1_500)], HOUR)
    assert [(x.already_applied, x.strikes) for x in after] == [(True, 2), (False, 1)]
    assert quotas[Action.SUSPEND_ACCOUNT] == 2  # all accounts, this hour
    _, next_hour, _ = await state.load([], HOUR + 1)
    assert next_hour[Action.SUSPEND_ACCOUNT] == 0

    pending = [effect("a", 1, 1_000), effect("a", 9, 9_000), effect("c", 1, 1_000)]
    assert [e.effect_id for e in await state.unapplied(pending)] == ["enf-a-9", "enf-c-1"]

    assert await state.reverse("a", "spam", "enf-a-1")
    assert not await state.reverse("a", "spam", "enf-a-1")  # a reversal is applied once
    (again,), _, _ = await state.load([ask("a", 1)], HOUR)
    assert (again.already_applied, again.strikes) == (True, 1)


@pytest.mark.asyncio
async def test_a_case_is_one_strike_and_keeps_what_it_put_in_force(state: Any) -> None:
    await state.commit(
        [
            effect("a", 1, 1_000),  # an older case of its own (no case id: its effect id)
            replace(effect("a", 2, 2_000), case_id="case-1", in_force="throttle@account"),
            replace(effect("a", 3, 3_000), case_id="case-1"),
        ],
        HOUR,
    )
    asks = [
        LoadRequest("a", "spam", "enf-a-4", 0, "case-1"),
        LoadRequest("a", "spam", "enf-a-5", 0, "case-2"),
    ]
    (joins, opens), _, _ = await state.load(asks, HOUR)
    assert (joins.strikes, joins.case_open, joins.case_strikes) == (2, True, 2)
    assert (opens.strikes, opens.case_open, opens.case_strikes) == (2, False, 0)
    assert joins.in_force == opens.in_force == frozenset({"throttle@account"})

    assert await state.reverse("a", "spam", "case-1", "throttle@account")
    (after,), _, _ = await state.load(asks[:1], HOUR)
    assert (after.strikes, after.case_open, after.in_force) == (1, False, frozenset())


@pytest.mark.asyncio
async def test_a_commit_twice_counts_once(state: Any) -> None:
    await state.commit([effect("a", 1, 1_000)], HOUR)
    await state.commit([effect("a", 1, 1_000)], HOUR)
    (loaded,), _, _ = await state.load([ask("a", 2)], HOUR)
    assert loaded.strikes == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_the_operators_log_keeps_actions_reports_and_strikes(
    kind: str, request: pytest.FixtureRequest
) -> None:
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:enf:"
    state, log = EnforcementState.redis(client, prefix), RedisEnforcementLog(client, prefix)
    await state.commit([effect("a", 1, 1_000), effect("a", 2, 2_000)], HOUR)
    await log.record(
        [("a", "enf-a-1", '{"enforcement_id": "enf-a-1"}')],
        [("a", 2_000.0, '{"report_id": "r-1"}'), ("b", 500.0, '{"report_id": "r-2"}')],
        now_s=1_000.0,
    )
    assert await log.enforcement("enf-a-1") == '{"enforcement_id": "enf-a-1"}'
    assert await log.recent("a") == ['{"report_id": "r-1"}', '{"enforcement_id": "enf-a-1"}']
    assert await log.reports_due_after(1_000.0) == ['{"report_id": "r-1"}']
    assert await state.strikes.per_category("a") == {"spam": 2}
    await client.aclose()


@pytest.mark.asyncio
async def test_a_store_without_its_mark_is_lost_and_a_restart_is_noticed(
    own_redis: Callable[[str], None],
) -> None:
    """A store that lost its `whole` mark says LOST (rebuild); one whose Redis restarted since
    the last load says RESTARTED once (reconcile: a crash may have lost its last second)."""
    client = aioredis.from_url(OWN_REDIS_URL)
    state = EnforcementState.redis(client, "uw:t:enf:")
    assert (await state.load([], HOUR))[2] is StoreCondition.LOST
    await state.mark_whole()
    assert (await state.load([], HOUR))[2] is StoreCondition.WHOLE
    own_redis("kill")
    own_redis("start")
    assert (await with_backoff(partial(state.load, [], HOUR), "load", log))[2] is (
        StoreCondition.RESTARTED
    )
    assert (await state.load([], HOUR))[2] is StoreCondition.WHOLE
    await client.aclose()
