"""Wait and retry with capped exponential back-off while a dependency is away (SPEC §4)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiokafka.errors
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

KAFKA_RETRYABLE: tuple[type[BaseException], ...] = (
    *RETRYABLE,
    aiokafka.errors.KafkaConnectionError,
    aiokafka.errors.KafkaTimeoutError,
    aiokafka.errors.NodeNotReadyError,
    aiokafka.errors.NotLeaderForPartitionError,
    aiokafka.errors.LeaderNotAvailableError,
    aiokafka.errors.RequestTimedOutError,
    aiokafka.errors.NotEnoughReplicasError,
    aiokafka.errors.NotEnoughReplicasAfterAppendError,
)
"""What a publish may fail with while a broker is away or a leader moves: retried, since the
batch's input offsets are not committed until its outputs are acknowledged."""


async def with_backoff(
    call: Callable[[], Awaitable[T]],
    what: str,
    log: logging.Logger,
    *,
    first_delay_s: float = 0.1,
    max_delay_s: float = 5.0,
    retryable: tuple[type[BaseException], ...] = RETRYABLE,
    give_up_after_s: float | None = None,
) -> T:
    """Run `call` until it succeeds. Only `retryable` errors are retried: a bug still raises.
    With `give_up_after_s`, the last retryable error is raised once that much time has passed
    (for callers that have something better to do meanwhile, e.g. a fail-open policy)."""
    delay = first_delay_s
    attempt = 0
    deadline = None if give_up_after_s is None else time.monotonic() + give_up_after_s
    while True:
        try:
            return await call()
        except retryable as exc:
            if deadline is not None and time.monotonic() + delay > deadline:
                raise
            attempt += 1
            log.warning("%s failed (attempt %d): %r; retrying in %.1fs", what, attempt, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay_s)
