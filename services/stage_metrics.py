"""The metrics every stage exports, one definition for all services (OpenTelemetry instruments,
served to Prometheus by `telemetry.setup_metrics`). Attributes are bounded enums (stage,
category, label, reason), never ids. Instruments are created on the API's proxy meter, so this
module can be imported before the process installs its MeterProvider.

- `usewatch.stage.events` / `usewatch.stage.outputs`: events in, messages published, by stage
  (and topic for outputs);
- `usewatch.stage.batches`, `usewatch.stage.batch.duration`: micro-batches and their processing
  time;
- `usewatch.stage.event_age`: how old an event is (its Kafka timestamp → now) when the stage is
  done with it: the pipeline's latency up to that stage;
- `usewatch.redis.round_trips`: every request written to Redis (a pipeline or a script is one),
  so round trips per batch = this / batches;
- `usewatch.verdicts` (detector, category, label) and `usewatch.dead_letters` (reason);
- `usewatch.consumer.lag`: records on each input topic the stage's consumer group has not
  committed yet (from faust's monitor: end offsets seen by the fetcher − committed offsets).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import faust
import redis.asyncio as aioredis
from faust.types import EventT
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from redis.asyncio.cluster import RedisCluster

from services.settings import ServiceSettings
from services.state.packing import PackingConnection
from services.state.round_trip import RedisClient

_meter = metrics.get_meter("usewatch")

events_in = _meter.create_counter("usewatch.stage.events", description="Events taken in.")
outputs = _meter.create_counter("usewatch.stage.outputs", description="Messages published.")
batches = _meter.create_counter("usewatch.stage.batches", description="Micro-batches processed.")
batch_duration = _meter.create_histogram(
    "usewatch.stage.batch.duration",
    unit="s",
    description="Processing time of one micro-batch, publishing and acks included.",
    explicit_bucket_boundaries_advisory=[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
)
UP_TO_TWO_DAYS_S = [
    *(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600),
    *(3600, 4 * 3600, 12 * 3600, 20 * 3600, 86400, 2 * 86400),
]
"""Histogram buckets for ages that the 24-hour reporting duty bounds: from milliseconds to two
days, so a backlog or a late report shows as late, not as "over ten minutes"."""
event_age = _meter.create_histogram(
    "usewatch.stage.event_age",
    unit="s",
    description="Kafka timestamp of the event's message → the stage is done with it.",
    explicit_bucket_boundaries_advisory=UP_TO_TWO_DAYS_S,
)
redis_round_trips = _meter.create_counter(
    "usewatch.redis.round_trips", description="Requests written to Redis (pipelines count once)."
)
verdicts = _meter.create_counter("usewatch.verdicts", description="Verdicts published.")
dead_letters = _meter.create_counter(
    "usewatch.dead_letters", description="Messages sent to generations.dlq, by reason."
)


@contextmanager
def stage_batch(stage: str, batch: Sequence[EventT[Any]]) -> Iterator[None]:
    """Count a micro-batch in, time it, and record each event's age when it is done."""
    attributes = {"stage": stage}
    events_in.add(len(batch), attributes)
    started = time.perf_counter()
    yield
    batch_duration.record(time.perf_counter() - started, attributes)
    batches.add(1, attributes)
    now = time.time()
    for e in batch:
        if e.message.timestamp:  # faust gives seconds
            event_age.record(max(now - e.message.timestamp, 0.0), attributes)


class CountingConnection(PackingConnection):
    """A Redis connection that counts what it writes: one packed write is one round trip.
    The connection's own handshake (CLIENT SETINFO, SELECT) is not the stage's work."""

    _in_handshake = False

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        self._in_handshake = True
        try:
            await super().on_connect_check_health(check_health)
        finally:
            self._in_handshake = False

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self._in_handshake:
            redis_round_trips.add(1)
        await super().send_packed_command(command, check_health)


def redis_client(settings: ServiceSettings, **options: Any) -> RedisClient:
    """The services' Redis client (login from the settings), options as redis-py's `from_url`:
    one Redis with counted round trips, or a Redis Cluster when REDIS_CLUSTER is on (redis-py
    builds a cluster's connections itself, so its round trips are not counted)."""
    if settings.redis_cluster:
        return RedisCluster.from_url(settings.redis_url, **settings.redis_auth(), **options)
    return aioredis.from_url(
        settings.redis_url,
        connection_class=CountingConnection,
        **settings.redis_auth(),
        **options,
    )


def observe_consumer_lag(app: faust.App, stage: str) -> None:
    """Report `app`'s consumer lag per input topic as `usewatch.consumer.lag`."""

    def lag(_: CallbackOptions) -> Iterable[Observation]:
        monitor = app.monitor
        committed = monitor.tp_committed_offsets or {}
        by_topic: dict[str, int] = {}
        for tp, end in (monitor.tp_end_offsets or {}).items():
            behind = max(end - committed.get(tp, 0), 0)
            by_topic[tp.topic] = by_topic.get(tp.topic, 0) + behind
        return [Observation(n, {"stage": stage, "topic": t}) for t, n in by_topic.items()]

    _meter.create_observable_gauge(
        "usewatch.consumer.lag",
        callbacks=[lag],
        description="Records on an input topic the stage's group has not committed yet.",
    )
