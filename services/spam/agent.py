"""Spam detector agent: `generations.accepted` → `verdicts`. Wiring only: decode, drop events
already judged, run the batch through `SpamPipeline`, publish one verdict per event, wait for
the broker's acks, then mark the events as judged (same discipline as the gateway)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import faust
import redis.asyncio as aioredis
from faust.types import EventT
from pydantic import ValidationError

from schemas.codec import decode, encode, encode_key
from schemas.events import GenerationEvent
from schemas.topics import GENERATIONS_ACCEPTED, VERDICTS
from services.faust_app import make_app, raw_topic, send
from services.retry import with_backoff
from services.spam.model import ARTIFACT_DIR, ContentModel
from services.spam.pipeline import SpamPipeline
from services.spam.settings import SpamSettings
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.seen import EventKey, RedisSeenEvents
from services.state.windows import RedisBehaviourWindows
from services.telemetry import inject_headers, process_span, setup_tracing

log = logging.getLogger("usewatch.spam")

settings = SpamSettings()
tracer = setup_tracing("spam")
app = make_app("spam", settings)

source_topic = raw_topic(app, GENERATIONS_ACCEPTED.full_name(settings.topic_prefix))
verdicts_topic = VERDICTS.full_name(settings.topic_prefix)

redis_client = aioredis.from_url(settings.redis_url)
state_prefix = f"uw:{settings.topic_prefix}spam:"
window_ms = settings.spam_window_s * 1000
pipeline = SpamPipeline(
    model=ContentModel.load(settings.spam_model_dir or ARTIFACT_DIR),
    windows=RedisBehaviourWindows(redis_client, state_prefix, window_ms),
    index=RedisNearDuplicateIndex(redis_client, f"uw:{settings.topic_prefix}", window_ms),
)
judged = RedisSeenEvents(redis_client, prefix=state_prefix, ttl_s=settings.spam_seen_ttl_s)


@app.agent(source_topic)
async def spam(stream: faust.StreamT[bytes]) -> None:
    async for batch in cast(faust.Stream[bytes], stream).take_events(
        settings.spam_batch_size, within=settings.spam_batch_within_s
    ):
        await process_batch(batch)


def _decode(batch: Sequence[EventT[Any]]) -> list[tuple[EventT[Any], GenerationEvent]]:
    out = []
    for e in batch:
        try:
            out.append((e, decode(GenerationEvent, e.message.value or b"")))
        except ValidationError as exc:
            # The gateway admits only valid events; this is a bug or a foreign writer.
            log.error("undecodable event on %s@%d: %s", e.message.topic, e.message.offset, exc)
    return out


async def process_batch(batch: Sequence[EventT[Any]]) -> None:
    decoded = _decode(batch)
    keys = [EventKey(g.account_id, g.event_id) for _, g in decoded]
    new = await with_backoff(lambda: judged.unseen(keys), "judged-events lookup", log)
    todo = [pair for pair, is_new in zip(decoded, new, strict=True) if is_new]
    todo = list({(g.account_id, g.event_id): (e, g) for e, g in todo}.values())
    if not todo:
        return
    events = [g for _, g in todo]
    now = datetime.now(UTC)
    verdicts = await with_backoff(
        lambda: pipeline.judge_batch(events, lambda _: now), "spam state round trip", log
    )
    acks: list[Awaitable[Any]] = []
    for (message_event, event), verdict in zip(todo, verdicts, strict=True):
        if verdict is None:
            continue  # cannot say: nothing to judge in this event
        with process_span(
            tracer,
            message_event.message,
            GENERATIONS_ACCEPTED.name,
            {
                "usewatch.detector": verdict.detector,
                "usewatch.category": verdict.category.value,
                "usewatch.label": verdict.label.value,
                "usewatch.score": verdict.score,
                "usewatch.model_version": verdict.model_version,
            },
        ):
            headers = inject_headers()
        acks.append(
            await send(app, verdicts_topic, encode_key(event.account_id), encode(verdict), headers)
        )
    await asyncio.gather(*acks)
    done = [EventKey(g.account_id, g.event_id) for g in events]
    await with_backoff(partial(judged.mark, done), "judged-events mark", log)
