"""The wiring every detector shares: `generations.accepted` → `verdicts`. Decode, run the batch
through the detector's pipeline with the lookup of events it already judged on the same Redis
round trip, drop those, publish one verdict per new event, wait for the broker's acks, then
mark the events as judged (second round trip, with any writes that follow the verdicts) before
the batch returns (so before faust may commit its offsets; same discipline as the gateway)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import faust
from faust.types import EventT

from schemas.codec import encode, encode_key
from schemas.events import GenerationEvent, Verdict
from schemas.topics import GENERATIONS_ACCEPTED, VERDICTS
from services.event_view import BatchJudge
from services.faust_app import decode_batch, make_app, raw_topic, send
from services.retry import with_backoff
from services.settings import ServiceSettings
from services.stage_metrics import outputs, redis_client, stage_batch
from services.stage_metrics import verdicts as verdicts_counter
from services.state.round_trip import RedisClient, RoundTrip
from services.state.seen import EventKey, RedisSeenEvents
from services.telemetry import inject_headers, process_span, setup_metrics, setup_tracing


def detector_app(
    name: str,
    settings: ServiceSettings,
    build: Callable[[RedisClient], BatchJudge],
    *,
    batch_size: int,
    within_s: float,
    judged_ttl_s: int,
) -> faust.App:
    """A faust app running one detector; `build` makes its pipeline from the Redis client."""
    log = logging.getLogger(f"usewatch.{name}")
    tracer = setup_tracing(name)
    setup_metrics(name, settings.metrics_port, settings.metrics_host)
    app = make_app(name, settings)
    prefix = settings.topic_prefix
    source = raw_topic(app, GENERATIONS_ACCEPTED.full_name(prefix))
    verdicts_topic = VERDICTS.full_name(prefix)
    client = redis_client(settings)
    pipeline = build(client)
    judged = RedisSeenEvents(client, prefix=f"uw:{prefix}{name}:", ttl_s=judged_ttl_s)

    async def judge(
        events: list[GenerationEvent], now: datetime
    ) -> tuple[list[bool], list[Verdict | None], RoundTrip]:
        """One round trip: which events are new, and every state lookup and write of the
        detector (idempotent per event id, so judging a repeat before dropping it is harmless).
        Returns the round trip for the writes that must follow the publish."""
        rt, after = RoundTrip(), RoundTrip()
        new = judged.unseen([EventKey(g.account_id, g.event_id) for g in events], rt)
        verdicts = await pipeline.judge_batch(events, lambda _: now, rt, after)
        return new.result(), verdicts, after

    async def process(batch: Sequence[EventT[Any]]) -> None:
        # One entry per event id (a batch may carry a repeat), in order.
        todo = list(
            {
                (g.account_id, g.event_id): (e, g)
                for e, g in decode_batch(GenerationEvent, batch, log)
            }.values()
        )
        if not todo:
            return
        now = datetime.now(UTC)
        new, all_verdicts, after = await with_backoff(
            partial(judge, [g for _, g in todo], now), f"{name} state", log
        )
        todo = [pair for pair, is_new in zip(todo, new, strict=True) if is_new]
        verdicts = [v for v, is_new in zip(all_verdicts, new, strict=True) if is_new]
        events = [g for _, g in todo]
        acks: list[Awaitable[Any]] = []
        for (source_event, event), verdict in zip(todo, verdicts, strict=True):
            # Every judged event is a span of its trace; a verdict adds what was decided.
            attributes: dict[str, str | float] = {"usewatch.detector": name}
            if verdict is not None:
                attributes |= {
                    "usewatch.category": verdict.category.value,
                    "usewatch.label": verdict.label.value,
                    "usewatch.score": verdict.score,
                    "usewatch.model_version": verdict.model_version,
                }
            with process_span(tracer, source_event.message, GENERATIONS_ACCEPTED.name, attributes):
                headers = inject_headers()
            if verdict is None:
                continue  # cannot say: nothing to judge in this event
            acks.append(
                await send(
                    app, verdicts_topic, encode_key(event.account_id), encode(verdict), headers
                )
            )
        # Revised verdicts on earlier events (their traces ended with their first verdict).
        revisions = pipeline.take_revisions()
        for r in revisions:
            acks.append(await send(app, verdicts_topic, encode_key(r.account_id), encode(r)))
        await asyncio.gather(*acks)
        outputs.add(len(acks), {"stage": name, "topic": VERDICTS.name})
        for v in [*verdicts, *revisions]:
            if v is not None:
                verdicts_counter.add(
                    1, {"detector": name, "category": v.category.value, "label": v.label.value}
                )
        judged.mark([EventKey(g.account_id, g.event_id) for g in events], after)
        await with_backoff(after.execute, "judged-events mark", log)

    @app.agent(source, name=f"{name}-detector")
    async def detect(stream: faust.StreamT[bytes]) -> None:
        async for batch in cast(faust.Stream[bytes], stream).take_events(
            batch_size, within=within_s
        ):
            with stage_batch(name, batch):
                await process(batch)

    return app
