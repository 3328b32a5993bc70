"""Gateway agent: `generations` → `generations.accepted` (valid, normalised, first time seen) or
`generations.dlq` (invalid, with every error). Wiring only; decisions are in `admission`.

Per batch: admit every message (pure), one Redis round trip to learn which event ids are new,
publish, wait for the broker's acknowledgement of every message, then one round trip to mark
the new ids as seen. faust commits the input offsets only after the batch body returns, so a
crash at any point re-reads the batch instead of losing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast

import faust
from faust.types import EventT
from opentelemetry.trace import Tracer

from schemas.codec import encode, encode_key
from schemas.events import DeadLetterReason
from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED, GENERATIONS_DLQ
from services.faust_app import PRODUCER_MAX_REQUEST_BYTES, make_app, raw_topic, send
from services.gateway.admission import (
    MAX_KEY_BYTES,
    Accepted,
    Rejected,
    Source,
    admit,
    dead_letter_for,
    problem,
)
from services.gateway.settings import GatewaySettings
from services.retry import KAFKA_RETRYABLE, with_backoff
from services.settings import ServiceSettings
from services.stage_metrics import dead_letters, outputs, redis_client, stage_batch
from services.state.keys import Namespace, key_prefix
from services.state.round_trip import once
from services.state.seen import EventKey, RedisSeenEvents
from services.telemetry import inject_headers, process_span, setup_metrics, setup_tracing

log = logging.getLogger("usewatch.gateway")


MAX_PUBLISHED_BYTES = PRODUCER_MAX_REQUEST_BYTES - 64 * 1024
"""Room left under the request limit for the key, the headers and the record's framing."""


@dataclass(frozen=True, slots=True)
class Outbound:
    topic: str
    key: bytes | None
    value: bytes
    headers: Any


MAX_FORWARDED_HEADER_BYTES = 8 * 1024


def bounded_headers(headers: Any) -> Any:
    """A dead letter carries its original's headers (its trace context) unless they are large:
    headers count towards the request limit too, and a hostile producer chooses them."""
    pairs = list(headers.items() if isinstance(headers, dict) else headers or ())
    size = sum(len(k) + len(v or b"") for k, v in pairs)
    return pairs if size <= MAX_FORWARDED_HEADER_BYTES else None


def too_large_to_publish(event: EventT[Any], size: int, now: datetime) -> Rejected:
    return Rejected(
        dead_letter_for(
            event.message.key,
            event.message.value,
            Source(event.message.topic, event.message.partition, event.message.offset),
            now,
            DeadLetterReason.TOO_LARGE,
            [
                problem(
                    "",
                    f"accepted event encodes to {size} bytes; at most {MAX_PUBLISHED_BYTES}",
                    "too_large",
                )
            ],
        )
    )


@dataclass
class Gateway:
    """The gateway's work on one batch, with what it needs: the app (to publish), the
    seen-events store, the tracer, its knobs and its output topics."""

    app: faust.App
    seen: RedisSeenEvents
    tracer: Tracer
    own: GatewaySettings
    accepted_topic: str
    dlq_topic: str

    async def publish(self, records: Sequence[Outbound]) -> None:
        """Send every record and wait for the broker's acknowledgement of each."""
        acks: list[Awaitable[Any]] = [
            await send(self.app, r.topic, r.key, r.value, r.headers) for r in records
        ]
        await asyncio.gather(*acks)

    async def process_batch(self, batch: Sequence[EventT[Any]]) -> None:
        now = datetime.now(UTC)
        admissions = [
            admit(
                event.message.key,
                event.message.value,
                Source(event.message.topic, event.message.partition, event.message.offset),
                now,
                self.own.max_message_bytes,
                timedelta(seconds=self.own.max_future_s),
            )
            for event in batch
        ]
        keys = [
            EventKey(a.event.account_id, a.event.event_id) if isinstance(a, Accepted) else None
            for a in admissions
        ]
        candidates = [k for k in dict.fromkeys(keys) if k is not None]  # first of in-batch repeats
        fresh_flags = await with_backoff(
            partial(once, self.seen.unseen, candidates), "seen-events lookup", log
        )
        fresh = {k for k, is_new in zip(candidates, fresh_flags, strict=True) if is_new}

        records: list[Outbound] = []
        published: list[EventKey] = []
        duplicates = 0
        for event, admission, key in zip(batch, admissions, keys, strict=True):
            if isinstance(admission, Accepted):
                if key is None or key not in fresh:
                    duplicates += 1
                    continue
                fresh.discard(key)  # a later repeat in this batch is a duplicate
                value = encode(admission.event)
                if len(value) <= MAX_PUBLISHED_BYTES:
                    with process_span(self.tracer, event.message, GENERATIONS.name):
                        headers = inject_headers()
                    account = encode_key(admission.event.account_id)
                    records.append(Outbound(self.accepted_topic, account, value, headers))
                    published.append(key)
                    continue
                # Unreachable within the settings' bounds (an event of at most 640 KiB plus its
                # normalised text); kept because the loss it prevents would be silent.
                admission = too_large_to_publish(event, len(value), now)
            dead_letters.add(1, {"reason": admission.dead_letter.reason.value})
            records.append(
                Outbound(
                    self.dlq_topic,
                    event.message.key[:MAX_KEY_BYTES] if event.message.key is not None else None,
                    encode(admission.dead_letter),
                    bounded_headers(event.message.headers),
                )
            )
        # Every output is acknowledged before the batch returns (and faust commits its
        # offsets); a publish that fails while the broker is away is retried, the whole batch
        # again. The worst case is a duplicate: on generations.accepted every consumer drops it
        # by event id; on the DLQ a repeated dead letter names the same source partition and
        # offset.
        await with_backoff(
            partial(self.publish, records), "publish", log, retryable=KAFKA_RETRYABLE
        )
        outputs.add(len(published), {"stage": "gateway", "topic": GENERATIONS_ACCEPTED.name})
        outputs.add(
            len(records) - len(published), {"stage": "gateway", "topic": GENERATIONS_DLQ.name}
        )
        await with_backoff(partial(once, self.seen.mark, published), "seen-events mark", log)
        if duplicates:
            log.info("dropped %d duplicate event(s)", duplicates)


def gateway_app(settings: ServiceSettings, own: GatewaySettings) -> faust.App:
    """The composition root: the faust app `gateway` (consumer group `usewatch-gateway`) on
    `generations`, with its Redis client, tracer and metrics. Nothing is built at import."""
    tracer = setup_tracing("gateway")
    setup_metrics("gateway", settings.metrics_port, settings.metrics_host)
    app = make_app("gateway", settings)
    prefix = settings.topic_prefix
    work = Gateway(
        app,
        RedisSeenEvents(
            redis_client(settings), key_prefix(prefix, Namespace.SHARED), own.seen_ttl_s
        ),
        tracer,
        own,
        GENERATIONS_ACCEPTED.full_name(prefix),
        GENERATIONS_DLQ.full_name(prefix),
    )

    @app.agent(raw_topic(app, GENERATIONS.full_name(prefix)))
    async def gateway(stream: faust.StreamT[bytes]) -> None:
        # take_events is on the concrete Stream only; faust's StreamT protocol does not
        # declare it.
        async for batch in cast(faust.Stream[bytes], stream).take_events(
            own.batch_size, within=own.batch_within_s
        ):
            with stage_batch("gateway", batch):
                await work.process_batch(batch)

    return app
