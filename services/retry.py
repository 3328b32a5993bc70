"""Wait and retry with capped exponential back-off while a dependency is away (SPEC §4)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.exceptions

T = TypeVar("T")

RETRYABLE: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    OSError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)


async def with_backoff(
    call: Callable[[], Awaitable[T]],
    what: str,
    log: logging.Logger,
    *,
    first_delay_s: float = 0.1,
    max_delay_s: float = 5.0,
    retryable: tuple[type[BaseException], ...] = RETRYABLE,
) -> T:
    """Run `call` until it succeeds. Only `retryable` errors are retried: a bug still raises."""
    delay = first_delay_s
    attempt = 0
    while True:
        try:
            return await call()
        except retryable as exc:
            attempt += 1
            log.warning("%s failed (attempt %d): %r; retrying in %.1fs", what, attempt, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay_s)
