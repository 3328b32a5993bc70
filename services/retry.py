"""Wait and retry with capped, jittered exponential back-off while a dependency is away
(SPEC §4), by tenacity."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiokafka.errors
import redis.exceptions
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_before_delay,
    stop_never,
    wait_random_exponential,
)

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
    The n-th wait is drawn uniformly from 0 to first_delay_s * 2^(n-1), capped at max_delay_s
    ("full jitter"): every worker of a stage loses Redis or a broker at the same moment, and
    waits without jitter would bring them all back in the same instant, again and again.
    With `give_up_after_s`, the last retryable error is raised rather than waiting past that
    much time (for callers that have something better to do meanwhile, e.g. a fail-open
    policy)."""

    def warn(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (attempt %d): %r; retrying in %.2fs", what, state.attempt_number, error, wait
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(retryable),
        wait=wait_random_exponential(multiplier=first_delay_s, max=max_delay_s),
        stop=stop_never if give_up_after_s is None else stop_before_delay(give_up_after_s),
        before_sleep=warn,
        reraise=True,
    )
    return await retrying(call)
