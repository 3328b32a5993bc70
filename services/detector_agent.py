"""The wiring every detector shares: `generations.accepted` → `verdicts`.

A worker hosts one detector (`python -m services.spam`) or several on one consumer
(`python -m services.detectors`): each event is then fetched and decoded once per process,
not once per detector. Either way each detector keeps its own pipeline, state, judged-event
marks and verdicts; the host only shares the read. Per batch: decode; run it through every
detector's pipeline (concurrently), each with the lookup of the events it already judged on its
Redis round trip; drop those; publish one verdict per new event and detector; wait for the
broker's acks; then mark the events judged (one more round trip, with any writes that follow
the verdicts) before the batch returns, so before faust may commit its offsets (the same
discipline as the gateway)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import faust
from faust.types import EventT
from opentelemetry.trace import Tracer

from schemas.codec import encode, encode_key
from schemas.events import GenerationEvent, Verdict
from schemas.topics import GENERATIONS_ACCEPTED, VERDICTS
from services.event_view import BatchJudge
from services.faust_app import decode_batch, make_app, raw_topic, send
from services.retry import with_backoff
from services.settings import ServiceSettings, StageSettings
from services.stage_metrics import outputs, redis_client, stage_batch
from services.stage_metrics import verdicts as verdicts_counter
from services.state.keys import seen_prefix
from services.state.round_trip import RedisClient, RoundTrip
from services.state.seen import EventKey, RedisSeenEvents
from services.telemetry import (
    KafkaHeaders,
    inject_headers,
    process_span,
    setup_metrics,
    setup_tracing,
)


@dataclass(frozen=True)
class DetectorSpec:
    """One detector, as a worker hosts it. `name` labels its judged-event marks in Redis, its
    spans and metrics, and (hosted alone) its consumer group; `build` makes its pipeline from
    the worker's Redis client and connection settings; `settings` are its own knobs (its
    batching among them). Each detector's `agent.spec()` makes one, reading its settings only
    then: importing a detector reads no environment and builds nothing."""

    name: str
    build: Callable[[RedisClient, ServiceSettings], BatchJudge]
    settings: StageSettings


@dataclass
class _Hosted:
    name: str
    pipeline: BatchJudge
    judged: RedisSeenEvents


def detectors_app(name: str, settings: ServiceSettings, specs: Sequence[DetectorSpec]) -> faust.App:
    """A faust app named `name` (consumer group `usewatch-<name>`) running `specs` on one
    consumer of `generations.accepted`, at the largest batch of theirs."""
    if not specs:
        raise ValueError("a detectors worker needs at least one detector")
    log = logging.getLogger(f"usewatch.{name}")
    tracer = setup_tracing(name)
    setup_metrics(name, settings.metrics_port, settings.metrics_host)
    app = make_app(name, settings)
    prefix = settings.topic_prefix
    source = raw_topic(app, GENERATIONS_ACCEPTED.full_name(prefix))
    verdicts_topic = VERDICTS.full_name(prefix)
    client = redis_client(settings)
    hosted = [
        _Hosted(
            s.name,
            s.build(client, settings),
            RedisSeenEvents(client, seen_prefix(prefix, s.name), s.settings.seen_ttl_s),
        )
        for s in specs
    ]
    batch_size = max(s.settings.batch_size for s in specs)
    within_s = min(s.settings.batch_within_s for s in specs)

    async def judge(
        d: _Hosted, events: list[GenerationEvent], now: datetime, after: RoundTrip
    ) -> tuple[list[bool], list[Verdict | None]]:
        """One round trip: which events are new to `d`, and every state lookup and write of its
        pipeline (idempotent per event id, so judging a repeat before dropping it is
        harmless); the writes that must follow the publish go on `after`."""
        rt = RoundTrip()
        new = d.judged.unseen([EventKey(g.account_id, g.event_id) for g in events], rt)
        verdicts = await d.pipeline.judge_batch(events, lambda _: now, rt, after)
        return new.result(), verdicts

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
        events = [g for _, g in todo]
        after = RoundTrip()
        judged = await asyncio.gather(
            *(
                with_backoff(partial(judge, d, events, now, after), f"{d.name} state", log)
                for d in hosted
            )
        )
        acks: list[Awaitable[Any]] = []
        for d, (new, verdicts) in zip(hosted, judged, strict=True):
            acks += await publish(d, todo, new, verdicts, after)
        await asyncio.gather(*acks)
        await with_backoff(after.execute, "judged-events mark", log)

    async def publish(
        d: _Hosted,
        todo: list[tuple[EventT[Any], GenerationEvent]],
        new: list[bool],
        verdicts: list[Verdict | None],
        after: RoundTrip,
    ) -> list[Awaitable[Any]]:
        """Send `d`'s verdicts on the new events and its revisions of earlier ones; queue its
        judged marks on the batch's last round trip. Returns the acks to wait for."""
        acks: list[Awaitable[Any]] = []
        fresh = [
            (source_event, event, verdict)
            for (source_event, event), verdict, is_new in zip(todo, verdicts, new, strict=True)
            if is_new
        ]
        for source_event, event, verdict in fresh:
            headers = _span(tracer, d.name, source_event, verdict)
            if verdict is None:
                continue  # cannot say: nothing to judge in this event
            acks.append(
                await send(
                    app, verdicts_topic, encode_key(event.account_id), encode(verdict), headers
                )
            )
        # Revised verdicts on earlier events (their traces ended with their first verdict).
        revisions = d.pipeline.take_revisions()
        for r in revisions:
            acks.append(await send(app, verdicts_topic, encode_key(r.account_id), encode(r)))
        outputs.add(len(acks), {"stage": d.name, "topic": VERDICTS.name})
        for v in [*(v for _, _, v in fresh), *revisions]:
            if v is not None:
                verdicts_counter.add(
                    1, {"detector": d.name, "category": v.category.value, "label": v.label.value}
                )
        d.judged.mark([EventKey(e.account_id, e.event_id) for _, e, _ in fresh], after)
        return acks

    @app.agent(source, name=f"{name}-detector")
    async def detect(stream: faust.StreamT[bytes]) -> None:
        async for batch in cast(faust.Stream[bytes], stream).take_events(
            batch_size, within=within_s
        ):
            with stage_batch(name, batch):
                await process(batch)

    return app


def _span(
    tracer: Tracer, detector: str, source_event: EventT[Any], verdict: Verdict | None
) -> KafkaHeaders:
    """Every judged event is a span of its trace, one per detector; a verdict adds what was
    decided. Returns the headers that carry the trace on to the verdict."""
    attributes: dict[str, str | float] = {"usewatch.detector": detector}
    if verdict is not None:
        attributes |= {
            "usewatch.category": verdict.category.value,
            "usewatch.label": verdict.label.value,
            "usewatch.score": verdict.score,
            "usewatch.model_version": verdict.model_version,
        }
    with process_span(tracer, source_event.message, GENERATIONS_ACCEPTED.name, attributes):
        return inject_headers()
