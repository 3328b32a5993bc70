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
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import faust
from faust.types import EventT

from schemas.codec import encode, encode_key
from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED, GENERATIONS_DLQ
from services.faust_app import make_app, raw_topic, send
from services.gateway.admission import Accepted, Rejected, Source, admit
from services.gateway.settings import GatewaySettings
from services.retry import with_backoff
from services.stage_metrics import dead_letters, outputs, redis_client, stage_batch
from services.state.round_trip import once
from services.state.seen import EventKey, RedisSeenEvents
from services.telemetry import inject_headers, process_span, setup_metrics, setup_tracing

log = logging.getLogger("usewatch.gateway")

settings = GatewaySettings()
tracer = setup_tracing("gateway")
setup_metrics("gateway", settings.metrics_port, settings.metrics_host)
app = make_app("gateway", settings)

source_topic = raw_topic(app, GENERATIONS.full_name(settings.topic_prefix))
accepted_topic = GENERATIONS_ACCEPTED.full_name(settings.topic_prefix)
dlq_topic = GENERATIONS_DLQ.full_name(settings.topic_prefix)

seen = RedisSeenEvents(
    redis_client(settings.redis_url),
    prefix=f"uw:{settings.topic_prefix}",
    ttl_s=settings.gateway_seen_ttl_s,
)


@app.agent(source_topic)
async def gateway(stream: faust.StreamT[bytes]) -> None:
    # take_events is on the concrete Stream only; faust's StreamT protocol does not declare it.
    async for batch in cast(faust.Stream[bytes], stream).take_events(
        settings.gateway_batch_size, within=settings.gateway_batch_within_s
    ):
        with stage_batch("gateway", batch):
            await process_batch(batch)


async def process_batch(batch: Sequence[EventT[Any]]) -> None:
    now = datetime.now(UTC)
    admissions = [
        admit(
            event.message.key,
            event.message.value,
            Source(event.message.topic, event.message.partition, event.message.offset),
            now,
            settings.gateway_max_message_bytes,
        )
        for event in batch
    ]
    keys = [
        EventKey(a.event.account_id, a.event.event_id) if isinstance(a, Accepted) else None
        for a in admissions
    ]
    candidates = [k for k in dict.fromkeys(keys) if k is not None]  # first of in-batch repeats
    fresh_flags = await with_backoff(
        partial(once, seen.unseen, candidates), "seen-events lookup", log
    )
    fresh = {k for k, is_new in zip(candidates, fresh_flags, strict=True) if is_new}

    acks: list[Awaitable[Any]] = []
    published: list[EventKey] = []
    duplicates = 0
    for event, admission, key in zip(batch, admissions, keys, strict=True):
        if isinstance(admission, Rejected):
            dead_letters.add(1, {"reason": admission.dead_letter.reason.value})
            acks.append(
                await send(
                    app,
                    dlq_topic,
                    event.message.key,
                    encode(admission.dead_letter),
                    event.message.headers,
                )
            )
            continue
        if key is None or key not in fresh:
            duplicates += 1
            continue
        fresh.discard(key)  # a later repeat in this batch is a duplicate
        with process_span(tracer, event.message, GENERATIONS.name):
            headers = inject_headers()
        acks.append(
            await send(
                app,
                accepted_topic,
                encode_key(admission.event.account_id),
                encode(admission.event),
                headers,
            )
        )
        published.append(key)
    await asyncio.gather(*acks)
    outputs.add(len(published), {"stage": "gateway", "topic": GENERATIONS_ACCEPTED.name})
    outputs.add(len(acks) - len(published), {"stage": "gateway", "topic": GENERATIONS_DLQ.name})
    await with_backoff(partial(once, seen.mark, published), "seen-events mark", log)
    if duplicates:
        log.info("dropped %d duplicate event(s)", duplicates)
