"""The producer SDK: what an app embeds to report its generations, and what a downstream system
uses to read enforcement.

    with Emitter("127.0.0.1:9092") as emitter:
        emitter.emit(account_id="acct-1", app_id="app-1", channel="email",
                     prompt="...", generation="...", model="m-1")

    for message in Subscriber("127.0.0.1:9092"):
        print(message.topic.name, message.value)

The emitter validates before sending (a bad event fails in the app, where it can be fixed, not
later in the dead-letter topic), keys by account_id, sends with acks=all and idempotence, and
starts the generation's trace: the W3C traceparent travels in the Kafka headers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.producer.future import FutureRecordMetadata
from opentelemetry import trace
from pydantic import BaseModel, ValidationError

from schemas.codec import decode, encode, encode_key
from schemas.events import GenerationEvent
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    GENERATIONS,
    Topic,
    topic_named,
)
from services.telemetry import inject_headers, setup_tracing

log = logging.getLogger("usewatch.sdk")


def _servers(bootstrap_servers: str | Sequence[str]) -> list[str]:
    if isinstance(bootstrap_servers, str):
        return [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
    return list(bootstrap_servers)


class Emitter:
    """Sends GenerationEvents to the `generations` topic. Thread-safe, like KafkaProducer."""

    def __init__(
        self,
        bootstrap_servers: str | Sequence[str],
        topic_prefix: str = "",
        *,
        linger_ms: int = 5,
        client_id: str = "usewatch-sdk",
        **client_options: Any,
    ) -> None:
        """`client_options` go to KafkaProducer as they are, e.g. the SASL login a secured
        broker needs (`ServiceSettings.kafka_auth()`)."""
        self._topic = GENERATIONS.full_name(topic_prefix)
        self._tracer = setup_tracing("sdk")
        self._producer = KafkaProducer(
            bootstrap_servers=_servers(bootstrap_servers),
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            **client_options,
        )

    @staticmethod
    def build(**fields: Any) -> GenerationEvent:
        """A validated event; `event_id` (UUID4) and `occurred_at` (now) are filled in if absent.
        Raises pydantic.ValidationError with every problem."""
        fields.setdefault("event_id", str(uuid.uuid4()))
        fields.setdefault("occurred_at", datetime.now(UTC))
        return GenerationEvent.model_validate(fields)

    def emit(self, event: GenerationEvent | None = None, **fields: Any) -> FutureRecordMetadata:
        """Send one event (given, or built from fields). The returned future resolves when every
        in-sync replica has it; `flush()` waits for all of them."""
        if event is None:
            event = self.build(**fields)
        elif fields:
            raise TypeError("pass an event or its fields, not both")
        with self._tracer.start_as_current_span(
            f"send {GENERATIONS.name}",
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": self._topic,
            },
        ):
            headers = inject_headers()
        return self._producer.send(
            self._topic,
            key=encode_key(event.account_id),
            value=encode(event),
            headers=headers,
        )

    def emit_many(self, events: Iterable[GenerationEvent]) -> int:
        """Send events and wait until all are acknowledged; returns how many were sent."""
        futures = [self.emit(e) for e in events]
        self.flush()
        for f in futures:
            f.get(timeout=30)
        return len(futures)

    def flush(self, timeout_s: float | None = None) -> None:
        self._producer.flush(timeout=timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        self._producer.close(timeout=timeout_s)

    def __enter__(self) -> Emitter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.flush()
        self.close()


@dataclass(frozen=True, slots=True)
class Message:
    """One typed message read from a usewatch topic."""

    topic: Topic
    key: str | None
    value: BaseModel
    partition: int
    offset: int


class Subscriber:
    """Yields typed messages from usewatch topics (by default the enforcement actions and the
    violation reports). A message that does not decode is logged and skipped, never raised:
    a subscriber must not die on one bad record."""

    def __init__(
        self,
        bootstrap_servers: str | Sequence[str],
        topics: Sequence[Topic] = (ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS),
        topic_prefix: str = "",
        *,
        group_id: str | None = None,
        from_beginning: bool = False,
        idle_timeout_s: float | None = None,
        **client_options: Any,
    ) -> None:
        self._prefix = topic_prefix
        self._consumer = KafkaConsumer(
            *(t.full_name(topic_prefix) for t in topics),
            bootstrap_servers=_servers(bootstrap_servers),
            group_id=group_id,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=group_id is not None,
            consumer_timeout_ms=int(idle_timeout_s * 1000) if idle_timeout_s else float("inf"),
            **client_options,
        )

    def __iter__(self) -> Iterator[Message]:
        for record in self._consumer:
            topic = topic_named(record.topic, self._prefix)
            try:
                value = decode(topic.value, record.value)
            except ValidationError as exc:
                log.warning(
                    "skipping undecodable record %s[%d]@%d: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    exc.errors(include_url=False)[:3],
                )
                continue
            yield Message(
                topic=topic,
                key=record.key.decode() if record.key is not None else None,
                value=value,
                partition=record.partition,
                offset=record.offset,
            )

    def close(self) -> None:
        self._consumer.close()
