"""with_backoff: retries what a dependency's absence raises, nothing else, and gives up only when
asked to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from services.retry import with_backoff

log = logging.getLogger("test")


def flaky(failures: int, exc: BaseException) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise exc
        return "ok"

    return calls, call


def test_retries_until_the_dependency_answers() -> None:
    calls, call = flaky(3, ConnectionError("refused"))
    assert asyncio.run(with_backoff(call, "x", log, first_delay_s=0.001)) == "ok"
    assert len(calls) == 4


def test_a_bug_is_not_retried() -> None:
    calls, call = flaky(3, KeyError("bug"))
    with pytest.raises(KeyError):
        asyncio.run(with_backoff(call, "x", log, first_delay_s=0.001))
    assert len(calls) == 1


def test_gives_up_after_the_grace_period_with_the_last_error() -> None:
    calls, call = flaky(1000, ConnectionError("refused"))
    with pytest.raises(ConnectionError):
        asyncio.run(with_backoff(call, "x", log, first_delay_s=0.01, give_up_after_s=0.05))
    assert 2 <= len(calls) <= 5
    calls, call = flaky(1000, ConnectionError("refused"))
    with pytest.raises(ConnectionError):
        asyncio.run(with_backoff(call, "x", log, give_up_after_s=0))
    assert len(calls) == 1
