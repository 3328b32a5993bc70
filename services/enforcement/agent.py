"""Enforcer agents (one faust app, two co-partitioned streams, both keyed by account_id):

- `generations.accepted` → keep each event's context (app, time, red-team status) for the
  reports, and check the app's approval: unapproved traffic becomes a `policy.unapproved_use`
  verdict on `verdicts`, enforced like any other.
- `verdicts` → the policy (`Enforcer`, pure `decide`) → `enforcement.actions`,
  `enforcement.reports`, `enforcement.review`; effects are marked applied only after the
  broker acknowledged them, so a replayed or duplicated verdict changes nothing.

While Redis is away the policy's `when_state_unavailable` decides: fail closed, both agents wait
with back-off; fail open, after `enforcement_fail_open_after_s` they go on from the process's own
memory (`outage.py`) and write what they decided once Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast

import faust
from faust.types import TP, EventT

from schemas.codec import encode, encode_key
from schemas.events import GenerationEvent, Verdict
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    GENERATIONS_ACCEPTED,
    REGISTRY,
    VERDICTS,
)
from services.enforcement import metrics
from services.enforcement.approval import red_team_approved, unapproved_use
from services.enforcement.decide import Decision, hour_bucket
from services.enforcement.enforcer import Enforcer, Outcome
from services.enforcement.outage import ActionEntry, PendingWrites, RecentContexts, ReportEntry
from services.enforcement.policy import PolicyFile, StateOutage
from services.enforcement.settings import EnforcementSettings
from services.faust_app import decode_batch, make_app, raw_topic, send
from services.registry import RegistryView
from services.retry import RETRYABLE, with_backoff
from services.stage_metrics import outputs, redis_client, stage_batch
from services.state.enforcement import (
    ContextWrite,
    RedisEnforcementLog,
    RedisEnforcementState,
    StoredContext,
)
from services.telemetry import inject_headers, process_span, setup_metrics, setup_tracing

log = logging.getLogger("usewatch.enforcement")

settings = EnforcementSettings()
tracer = setup_tracing("enforcement")
setup_metrics("enforcement", settings.metrics_port, settings.metrics_host)
app = make_app("enforcement", settings)
prefix = settings.topic_prefix


accepted_topic = raw_topic(app, GENERATIONS_ACCEPTED.full_name(prefix))
verdicts_topic = raw_topic(app, VERDICTS.full_name(prefix))

# Timeouts, so that a Redis that hangs (not only one that refuses) counts as away.
redis = redis_client(settings.redis_url, socket_connect_timeout=2.0, socket_timeout=5.0)
state = RedisEnforcementState(redis, f"uw:{prefix}enf:")
registry = RegistryView(settings.bootstrap_list, REGISTRY.full_name(prefix))
operator_log = RedisEnforcementLog(redis, f"uw:{prefix}enf:")
policy_file = PolicyFile(settings.enforcement_policy_path)
enforcer = Enforcer(state, lambda: policy_file.policy)
recent = RecentContexts()
pending = PendingWrites()
contexts_read: dict[int, int] = {}
"""Per partition of generations.accepted, the last offset whose context is stored. Both topics
are keyed by account with the same partition count, so a verdict's event is on the accepted
partition with the verdict's own partition number."""
metrics.observe_pending(lambda: len(pending))


class Progress:
    """A count the contexts agent advances after each stored batch, which the verdicts agent can
    wait on: a verdict that overtook its context is retried as soon as the next batch of
    contexts is stored, not after a fixed sleep (which put ~200 ms on the latency tail)."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def advance(self) -> None:
        self.count += 1
        self._changed.set()

    async def wait_past(self, seen: int, timeout_s: float) -> None:
        if self.count > seen:
            return
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout_s)


contexts_stored = Progress()

T = TypeVar("T")


class StateUnavailableError(Exception):
    """Redis stayed away past the grace period and the policy fails open."""


async def with_state(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Fail closed: retry until Redis answers. Fail open: give up after the grace period (and
    at once while writes from an earlier outage are still pending) with StateUnavailableError."""
    if policy_file.policy.when_state_unavailable is StateOutage.FAIL_CLOSED:
        return await with_backoff(call, what, log)
    grace = 0.0 if pending else settings.enforcement_fail_open_after_s
    try:
        return await with_backoff(call, what, log, give_up_after_s=grace)
    except RETRYABLE as exc:
        raise StateUnavailableError(what) from exc


@app.agent(accepted_topic)
async def contexts(stream: faust.StreamT[bytes]) -> None:
    async for batch in cast(faust.Stream[bytes], stream).take_events(
        settings.enforcement_batch_size, within=settings.enforcement_batch_within_s
    ):
        events: list[GenerationEvent] = [g for _, g in decode_batch(GenerationEvent, batch, log)]
        with stage_batch("enforcement.contexts", batch):
            await store_contexts(events)
        for source in batch:
            m = source.message
            contexts_read[m.partition] = max(contexts_read.get(m.partition, -1), m.offset)
        contexts_stored.advance()


@app.task  # type: ignore[untyped-decorator]  # faust's decorator is untyped
async def follow_registry() -> None:
    await registry.run()  # until the worker stops and cancels it


async def store_contexts(events: list[GenerationEvent]) -> None:
    """Keep each event's context (memory and Redis) and check its app's approval: unapproved
    traffic becomes a `policy.unapproved_use` verdict. Nothing is judged before the registry
    has been read to the end: an approval not yet read is not a missing one."""
    await registry.wait_ready()
    approvals = {e.app_id: registry.get(e.app_id) for e in events}
    now = datetime.now(UTC)
    writes = [
        ContextWrite(
            e.account_id,
            e.event_id,
            StoredContext(
                e.app_id,
                e.occurred_at,
                e.red_team,
                red_team_approved(e, approvals.get(e.app_id)),
            ),
        )
        for e in events
    ]
    for w in writes:
        recent.put(w.event_id, w.context)
    try:
        await with_state(partial(state.put_contexts, writes), "context write")
    except StateUnavailableError:
        pending.add_contexts(writes)
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
        with stage_batch("enforcement", batch):
            await process_verdicts([v for _, v in pairs], {v.event_id: e for e, v in pairs})


async def process_verdicts(verdicts: list[Verdict], sources: dict[str, EventT[Any]]) -> None:
    started = time.monotonic()
    while verdicts:
        stored_before = contexts_stored.count
        # Strikes decided during an outage count before anything new is decided.
        await flush_pending()
        now = datetime.now(UTC)
        try:
            outcome = await with_state(partial(enforcer.enforce, verdicts, now), "enforce")
            degraded = False
        except StateUnavailableError:
            outcome = enforcer.decide_without_state(verdicts, recent.get, now)
            degraded = True
            metrics.decided_without_state.add(len(outcome.decisions))
        acks: list[Awaitable[Any]] = []
        for verdict, decision in outcome.decisions:
            headers = _headers(sources.get(verdict.event_id), verdict, decision)
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
                    outputs.add(1, {"stage": "enforcement", "topic": topic.name})
            if decision.shadow_action is not None:
                log.info(
                    "shadow: would %s %s (%s)",
                    decision.shadow_action.action.value,
                    verdict.account_id,
                    decision.shadow_action.enforcement_id,
                )
        await asyncio.gather(*acks)
        metrics.count(outcome)
        await commit(outcome, now, degraded)
        # A verdict can overtake its event's context (two topics, two agents): wait while the
        # contexts stream is behind. Once it has read its partitions to the end, a context that
        # is still missing will not come (its event predates the state store, e.g. a detector
        # replaying retained history after Redis lost its memory): skip, do not block.
        verdicts = outcome.missing_context
        if verdicts:
            partitions = {
                sources[v.event_id].message.partition for v in verdicts if v.event_id in sources
            }
            waited = time.monotonic() - started
            give_up = waited >= settings.enforcement_context_wait_s or (
                waited >= 1.0 and await contexts_caught_up(partitions)
            )
            if give_up:
                metrics.skipped_without_context.add(len(verdicts))
                log.error(
                    "no context for %d verdict(s) after %.1fs (contexts read to the end: the "
                    "events are older than the state store); skipped: %s",
                    len(verdicts),
                    waited,
                    [v.event_id for v in verdicts[:5]],
                )
                return
            await contexts_stored.wait_past(stored_before, timeout_s=0.2)


async def contexts_caught_up(partitions: set[int]) -> bool:
    """Has the contexts agent stored every accepted event up to the partitions' current ends?"""
    tps = [TP(accepted_topic.get_topic_name(), p) for p in partitions]
    ends = await app.consumer.highwaters(*tps)
    for tp in tps:
        if tp.partition in contexts_read:
            read_to = contexts_read[tp.partition] + 1
        else:  # nothing new since this worker got the partition: where its consumer stands
            read_to = await app.consumer.position(tp) or 0
        if read_to < ends.get(tp, 0):
            return False
    return True


async def commit(outcome: Outcome, now: datetime, degraded: bool) -> None:
    """Mark the published effects applied and log them for operators; while Redis is away
    (fail open), keep them for `flush_pending`."""
    hour = hour_bucket(now)
    actions, reports = _log_entries(outcome)
    if not degraded:
        try:
            await with_state(partial(state.commit, outcome.effects, hour), "effects commit")
            await with_state(
                partial(operator_log.record, actions, reports, now.timestamp()), "operator log"
            )
            return
        except StateUnavailableError:
            pass
    pending.add_effects(outcome.effects, hour)
    pending.add_record(actions, reports, now.timestamp())


def _log_entries(outcome: Outcome) -> tuple[list[ActionEntry], list[ReportEntry]]:
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


def _headers(
    source: EventT[Any] | None, verdict: Verdict, decision: Decision
) -> list[tuple[str, bytes]]:
    """Continue the verdict's trace with a span of what was decided, and carry it on."""
    if source is None:
        return inject_headers()
    attributes: dict[str, str | float] = {
        "usewatch.category": verdict.category.value,
        "usewatch.score": verdict.score,
        "usewatch.outcome": decision.outcome,
    }
    if decision.action is not None:
        attributes["usewatch.action"] = decision.action.action.value
    with process_span(tracer, source.message, VERDICTS.name, attributes):
        return inject_headers()


@app.timer(interval=1.0)  # type: ignore[untyped-decorator]  # faust's decorator is untyped
async def reload_policy() -> None:
    policy_file.refresh()


@app.timer(interval=1.0)  # type: ignore[untyped-decorator]
async def flush_pending_timer() -> None:
    await flush_pending()


async def flush_pending() -> None:
    """Write what was decided while Redis was away, once it is back (fail open only)."""
    if not pending:
        return
    try:
        n = await pending.flush(state, operator_log)
    except RETRYABLE as exc:
        log.warning("Redis still away; %d state writes pending: %r", len(pending), exc)
        return
    log.info("Redis is back: wrote %d state writes decided while it was away", n)
