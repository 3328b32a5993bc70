"""The one place faust apps are configured, so every service runs with the same guarantees."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

import faust
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import EventT
from pydantic import BaseModel, ValidationError

from schemas.codec import decode
from services.settings import ServiceSettings
from services.stage_metrics import observe_consumer_lag

PRODUCER_MAX_REQUEST_BYTES = 1_000_000
"""The producer's request limit (faust's and the broker's default); every stage keeps what it
publishes under it by construction (see `schemas.events.MAX_DEAD_LETTER_ORIGINAL_BYTES`)."""


class IdempotentProducer(faust_aiokafka.Producer):
    """faust's aiokafka producer with idempotence on (faust turns it on only for exactly-once).
    A broker that dies after writing a batch but before answering makes the producer send it
    again: without idempotence the batch is on the topic twice, so a report or an action
    appears twice (measured: 2 repeated reports in one `make test-faults` run, at the broker
    kill). With it, the new leader drops the retried batch by its producer id and sequence."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "enable_idempotence": True}


class IdempotentTransport(faust_aiokafka.Transport):
    Producer = IdempotentProducer


# kafka:// URLs (ServiceSettings.faust_broker) get the transport above.
drivers.TRANSPORTS.aliases["kafka"] = f"{__name__}:IdempotentTransport"


def make_app(service: str, settings: ServiceSettings) -> faust.App:
    """A faust app for one service: its consumer group is `<prefix>usewatch-<service>`."""
    data_dir = settings.faust_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        f"{settings.topic_prefix}usewatch-{service}",
        broker=settings.faust_broker(),
        datadir=str(data_dir / f"{settings.topic_prefix}{service}"),
        # No web server: several services share a host and readiness is read from the log.
        web_enabled=False,
        # Our services use no tables or reply topics, so the assignor's leader topic is not
        # needed; the broker also refuses to create topics implicitly.
        topic_disable_leader=True,
        # Acknowledged by every in-sync replica before an input offset is committed.
        producer_acks=-1,
        # Every batch waits for its outputs' acks before it returns, so linger is paid on every
        # hop and on every batch: 5 ms cost ~20 ms p50 produce → enforcement at 100 events/s.
        producer_linger_ms=0,
        producer_compression_type=None,
        producer_max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # A worker that died (kill -9, OOM) holds its partitions until its session expires;
        # faust's 60 s default stalls those accounts for a minute. Heartbeats run on their own
        # task, and a batch takes well under a second, so 10 s is still far from false alarms.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=3.0,
        broker_max_poll_records=2000,
        stream_buffer_maxsize=8192,
        # A batch is processed in one go; a slow broker must not make faust think we hang.
        stream_processing_timeout=120.0,
        broker_credentials=_credentials(settings),
    )
    observe_consumer_lag(app, service)

    @app.task  # type: ignore[untyped-decorator]  # faust's decorator is untyped
    async def freeze_start_heap() -> None:
        freeze_heap()

    return app


def freeze_heap() -> None:
    """Move every object alive now (the models, their vocabularies, faust itself) out of the
    collector's reach: a full collection then walks only what the stream allocates. Run when the
    worker starts, after the composition root loaded everything. A gen-2 pause of the detectors'
    pipelines with their models loaded: ~66 ms without, ~8 ms with (in process, 3,000 demo
    events), and such a pause delays every event of the batch in flight."""
    gc.collect()
    gc.freeze()


def _credentials(settings: ServiceSettings) -> faust.SASLCredentials | None:
    auth = settings.kafka_auth()
    if not auth:
        return None
    return faust.SASLCredentials(
        username=auth["sasl_plain_username"],
        password=auth["sasl_plain_password"],
        mechanism="SCRAM-SHA-512",
    )


async def send(
    app: faust.App, topic: str, key: bytes | None, value: bytes, headers: Any = None
) -> Awaitable[Any]:
    """Queue one message on the app's producer; await the returned future for the broker's ack.
    Goes around faust's topic.send on purpose: inside an agent that would attach the message to
    the current event and defer it to the next commit, while we need the ack before marking."""
    return await app.producer.send(
        topic, key, value, partition=None, timestamp=None, headers=headers
    )


def raw_topic(app: faust.App, name: str) -> faust.TopicT:
    """A source topic read as bytes: each service decodes at its edge with `schemas.codec`, so a
    bad record is an error it handles, not an exception inside faust's deserializer."""
    return app.topic(
        name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


M = TypeVar("M", bound=BaseModel)


def decode_batch(
    model: type[M], batch: Sequence[EventT[Any]], log: logging.Logger
) -> list[tuple[EventT[Any], M]]:
    """Decode a batch read from one of our own topics. A record that does not decode is logged
    and skipped: upstream validated it, so this is a bug or a foreign writer, not a reason to
    stop the worker."""
    out = []
    for e in batch:
        try:
            out.append((e, decode(model, e.message.value or b"")))
        except ValidationError as exc:
            log.error(
                "undecodable %s at %s[%d]@%d: %d error(s)",
                model.__name__,
                e.message.topic,
                e.message.partition,
                e.message.offset,
                exc.error_count(),
            )
    return out
