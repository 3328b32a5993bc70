"""with_backoff: retries what a dependency's absence raises, nothing else, and gives up only when
asked to."""

from __future__ import annotations

import asyncio
import logging
import random
import re
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
    random.seed(7)  # the waits are random (jitter): the same draws each run
    calls, call = flaky(1000, ConnectionError("refused"))
    with pytest.raises(ConnectionError):
        asyncio.run(with_backoff(call, "x", log, first_delay_s=0.01, give_up_after_s=0.05))
    assert 2 <= len(calls) <= 12
    calls, call = flaky(1000, ConnectionError("refused"))
    with pytest.raises(ConnectionError):
        asyncio.run(with_backoff(call, "x", log, give_up_after_s=0))
    assert len(calls) == 1


def test_waits_are_jittered_under_a_doubling_cap(caplog: pytest.LogCaptureFixture) -> None:
    """Workers that lost Redis together must not all come back in the same instant."""
    random.seed(3)
    _, call = flaky(6, ConnectionError("refused"))
    with caplog.at_level(logging.WARNING, logger="test"):
        assert asyncio.run(with_backoff(call, "x", log, first_delay_s=0.04, max_delay_s=0.16))
    waits = [float(m) for m in re.findall(r"retrying in ([0-9.]+)s", caplog.text)]
    assert len(waits) == 6
    caps = [min(0.04 * 2**n, 0.16) for n in range(6)]  # 0.04, 0.08, 0.16, 0.16, ...
    # Never above the doubling cap (the log rounds to 0.01 s)...
    assert all(0 <= w <= cap + 0.005 for w, cap in zip(waits, caps, strict=True))
    # ...and not the cap itself: waits without jitter would equal it every time.
    assert any(w < cap - 0.015 for w, cap in zip(waits, caps, strict=True))
