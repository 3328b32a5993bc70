"""Enforcer agents (one faust app, two co-partitioned streams, both keyed by account_id):

- `generations.accepted` → keep each event's context (app, time, red-team status) for the
  reports, and check the app's approval: unapproved traffic becomes a `policy.unapproved_use`
  verdict on `verdicts`, enforced like any other.
- `verdicts` → the policy (`Enforcer`, pure `decide`) → `enforcement.actions`,
  `enforcement.reports`, `enforcement.review`; effects are marked applied only after the
  broker acknowledged them, so a replayed or duplicated verdict changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

import faust
import redis.asyncio as aioredis
from faust.types import EventT

from schemas.codec import encode, encode_key
from schemas.events import GenerationEvent, Verdict
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    GENERATIONS_ACCEPTED,
    VERDICTS,
)
from services.enforcement.approval import red_team_approved, unapproved_use
from services.enforcement.decide import hour_bucket
from services.enforcement.enforcer import Enforcer, Outcome
from services.enforcement.policy import PolicyFile
from services.enforcement.settings import EnforcementSettings
from services.faust_app import decode_batch, make_app, raw_topic, send
from services.retry import with_backoff
from services.state.enforcement import (
    ContextWrite,
    RedisAppRegistry,
    RedisEnforcementLog,
    RedisEnforcementState,
    StoredContext,
)
from services.telemetry import inject_headers, process_span, setup_tracing

log = logging.getLogger("usewatch.enforcement")

settings = EnforcementSettings()
tracer = setup_tracing("enforcement")
app = make_app("enforcement", settings)
prefix = settings.topic_prefix


accepted_topic = raw_topic(app, GENERATIONS_ACCEPTED.full_name(prefix))
verdicts_topic = raw_topic(app, VERDICTS.full_name(prefix))

redis_client = aioredis.from_url(settings.redis_url)
state = RedisEnforcementState(redis_client, f"uw:{prefix}enf:")
registry = RedisAppRegistry(redis_client, f"uw:{prefix}")
operator_log = RedisEnforcementLog(redis_client, f"uw:{prefix}enf:")
policy_file = PolicyFile(settings.enforcement_policy_path)
enforcer = Enforcer(state, lambda: policy_file.policy)


@app.agent(accepted_topic)
async def contexts(stream: faust.StreamT[bytes]) -> None:
    async for batch in cast(faust.Stream[bytes], stream).take_events(
        settings.enforcement_batch_size, within=settings.enforcement_batch_within_s
    ):
        events: list[GenerationEvent] = [g for _, g in decode_batch(GenerationEvent, batch, log)]
        approvals = await with_backoff(
            partial(registry.get_many, [e.app_id for e in events]), "registry lookup", log
        )
        now = datetime.now(UTC)
        writes = [
            ContextWrite(
                e.account_id,
                e.event_id,
                StoredContext(
                    e.app_id, e.occurred_at, e.red_team, red_team_approved(e, approvals[e.app_id])
                ),
            )
            for e in events
        ]
        await with_backoff(partial(state.put_contexts, writes), "context write", log)
        acks = []
        for e in events:
            verdict = unapproved_use(e, approvals[e.app_id], now)
            if verdict is not None:
                acks.append(
                    await send(
                        app, VERDICTS.full_name(prefix), encode_key(e.account_id), encode(verdict)
                    )
                )
        await asyncio.gather(*acks)


@app.agent(verdicts_topic)
async def enforce(stream: faust.StreamT[bytes]) -> None:
    async for batch in cast(faust.Stream[bytes], stream).take_events(
        settings.enforcement_batch_size, within=settings.enforcement_batch_within_s
    ):
        pairs = decode_batch(Verdict, batch, log)
        await process_verdicts([v for _, v in pairs], {v.event_id: e for e, v in pairs})


async def process_verdicts(verdicts: list[Verdict], sources: dict[str, EventT[Any]]) -> None:
    waited = 0.0
    while verdicts:
        now = datetime.now(UTC)
        outcome = await with_backoff(partial(enforcer.enforce, verdicts, now), "enforce", log)
        acks: list[Awaitable[Any]] = []
        for verdict, decision in outcome.decisions:
            headers = _headers(sources.get(verdict.event_id))
            key = encode_key(verdict.account_id)
            for topic, message in (
                (ENFORCEMENT_ACTIONS, decision.action),
                (ENFORCEMENT_REVIEW, decision.review),
                (ENFORCEMENT_REPORTS, decision.report),
            ):
                if message is not None:
                    acks.append(
                        await send(app, topic.full_name(prefix), key, encode(message), headers)
                    )
            if decision.shadow_action is not None:
                log.info(
                    "shadow: would %s %s (%s)",
                    decision.shadow_action.action.value,
                    verdict.account_id,
                    decision.shadow_action.enforcement_id,
                )
        await asyncio.gather(*acks)
        await with_backoff(
            partial(state.commit, outcome.effects, hour_bucket(now)), "effects commit", log
        )
        await with_backoff(
            partial(operator_log.record, *_log_entries(outcome), now.timestamp()),
            "operator log",
            log,
        )
        # A verdict can overtake its event's context (two topics, two agents): wait a little.
        verdicts = outcome.missing_context
        if verdicts:
            if waited >= settings.enforcement_context_wait_s:
                log.error(
                    "no context for %d verdict(s) after %.0fs; skipped: %s",
                    len(verdicts),
                    waited,
                    [v.event_id for v in verdicts[:5]],
                )
                return
            await asyncio.sleep(0.2)
            waited += 0.2


def _log_entries(
    outcome: Outcome,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, float, str]]]:
    actions = [
        (d.action.account_id, d.action.enforcement_id, d.action.model_dump_json(exclude_none=True))
        for _, d in outcome.decisions
        if d.action is not None
    ]
    reports = [
        (
            d.report.account_id,
            d.report.report_due_at.timestamp(),
            d.report.model_dump_json(exclude_none=True),
        )
        for _, d in outcome.decisions
        if d.report is not None
    ]
    return actions, reports


def _headers(source: EventT[Any] | None) -> list[tuple[str, bytes]]:
    if source is None:
        return inject_headers()
    with process_span(tracer, source.message, VERDICTS.name):
        return inject_headers()


@app.timer(interval=1.0)  # type: ignore[untyped-decorator]  # faust's decorator is untyped
async def reload_policy() -> None:
    policy_file.refresh()
