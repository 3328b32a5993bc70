"""Enforcer agent (one faust app, keyed by account_id):

- `review.decisions` (a person's confirm / dismiss / reverse, from the review console) →
  `reviews.effects_of` → the reversals and confirmed actions on `enforcement.actions`;
- `verdicts` → the policy (`Enforcer`, pure `decide`) → `enforcement.actions`,
  `enforcement.reports`, `enforcement.review`; effects are marked applied only after the
  broker acknowledged them, so a replayed or duplicated verdict changes nothing. A verdict
  carries what is needed of its event, so it is enforced as soon as it is read. The registry
  topic, followed in memory (`services/registry.py`), says which apps may send red-team
  traffic; the use-case approval check itself is a detector (`services/approval`).

While Redis is away the policy's `when_state_unavailable` decides: fail closed, the verdicts
agent waits with back-off; fail open, after ENFORCEMENT_FAIL_OPEN_AFTER_S it goes on without
strike history (`Enforcer.decide_without_state`) and writes what it decided once Redis returns
(`outage.py`).

`enforcement_app` is the composition root (as `detectors_app` and `gateway_app` are): nothing is
built at import; the work is `Enforcement`'s, with its collaborators as attributes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT
from opentelemetry.trace import Tracer

from schemas.codec import encode, encode_key
from schemas.events import EnforcementEvent, ReviewDecision, Verdict, ViolationReport
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    REGISTRY,
    REVIEW_DECISIONS,
    VERDICTS,
    Topic,
)
from services.enforcement import metrics, reviews
from services.enforcement.decide import Decision, hour_bucket
from services.enforcement.enforcer import Enforcer, Outcome, StateLostError, StateRestartedError
from services.enforcement.outage import ActionEntry, PendingWrites, ReportEntry
from services.enforcement.policy import PolicyFile, StateOutage
from services.enforcement.rebuild import rebuild, reconcile
from services.enforcement.settings import EnforcementSettings
from services.faust_app import decode_batch, make_app, raw_topic, send
from services.registry import RegistryView
from services.retry import KAFKA_RETRYABLE, RETRYABLE, with_backoff
from services.settings import ServiceSettings
from services.stage_metrics import outputs, redis_client, stage_batch
from services.state.enforcement import EnforcementState, RedisEnforcementLog
from services.state.keys import Namespace, key_prefix
from services.telemetry import inject_headers, process_span, setup_metrics, setup_tracing

log = logging.getLogger("usewatch.enforcement")

T = TypeVar("T")


class StateUnavailableError(Exception):
    """Redis stayed away past the grace period and the policy fails open."""


class Enforcement:
    """The enforcer's work: verdicts and people's decisions in, effects out, with what it needs
    to do it (the app to publish through, the state store and operator log on one Redis, the
    registry view, the policy file, the writes pending from an outage)."""

    def __init__(
        self, app: faust.App, settings: ServiceSettings, own: EnforcementSettings, tracer: Tracer
    ) -> None:
        self.app, self.settings, self.own, self.tracer = app, settings, own, tracer
        self.prefix = settings.topic_prefix
        # Timeouts, so that a Redis that hangs (not only one that refuses) counts as away.
        redis = redis_client(settings, socket_connect_timeout=2.0, socket_timeout=5.0)
        keys = key_prefix(self.prefix, Namespace.ENFORCEMENT)
        self.state = EnforcementState.redis(redis, keys)
        self.operator_log = RedisEnforcementLog(redis, keys)
        self.registry = RegistryView(settings.kafka_client(), REGISTRY.full_name(self.prefix))
        self.policy_file = PolicyFile(own.policy_path)
        self.enforcer = Enforcer(
            self.state, lambda: self.policy_file.policy, self.registry.red_team_approved
        )
        self.pending = PendingWrites()
        metrics.observe_pending(lambda: len(self.pending))
        self.enforcing = asyncio.Lock()
        """One batch of verdicts or one person's decision at a time: both read an account's
        strikes and write them back across awaits, and two interleaved would count from the
        same strikes."""
        self.reconcile_due = asyncio.Event()
        self.reconcile_due.set()  # at start: a killed predecessor may have published unmarked

    async def with_state(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """Fail closed: retry until Redis answers. Fail open: give up after the grace period
        (and at once while writes from an earlier outage are still pending) with
        StateUnavailableError."""
        if self.policy_file.policy.when_state_unavailable is StateOutage.FAIL_CLOSED:
            return await with_backoff(call, what, log)
        grace = 0.0 if self.pending else self.own.fail_open_after_s
        try:
            return await with_backoff(call, what, log, give_up_after_s=grace)
        except RETRYABLE as exc:
            raise StateUnavailableError(what) from exc

    async def apply_decision(
        self, decision: ReviewDecision, source: EventT[Any] | None = None
    ) -> None:
        """Apply one person's decision (services/enforcement/reviews.py): its state changes, then
        its events published and acknowledged, then logged, before faust may commit its offset.
        Redis away: retried until it is back, whatever the outage policy (a person is waiting on
        the effect, not a generation stream)."""
        now = datetime.now(UTC)
        try:
            applied = await with_backoff(
                partial(reviews.effects_of, decision, self.state, self.operator_log, now),
                "review decision",
                log,
            )
        except (reviews.UnknownEnforcementError, ValueError) as exc:
            log.warning(
                "review decision %s (%s of %s by %s) changes nothing: %s",
                decision.decision_id,
                decision.outcome.value,
                decision.enforcement_id,
                decision.reviewer,
                exc,
            )
            return
        if applied.confirmed_suspect is not None:
            # A person says the suspect is a violation: enforced and reported as one, now.
            rule = self.policy_file.policy.rule(applied.confirmed_suspect.category)
            violation = reviews.as_violation(applied.confirmed_suspect, decision, rule.violation_at)
            await self.process_verdicts([violation], {})
        events = applied.events
        headers = inject_headers()
        acks = [
            await send(
                self.app,
                ENFORCEMENT_ACTIONS.full_name(self.prefix),
                encode_key(e.account_id),
                encode(e),
                headers,
            )
            for e in events
        ]
        await asyncio.gather(*acks)
        outputs.add(len(events), {"stage": "enforcement", "topic": ENFORCEMENT_ACTIONS.name})
        entries = [
            (e.account_id, e.enforcement_id, e.model_dump_json(exclude_none=True)) for e in events
        ]
        await with_backoff(
            partial(self.operator_log.record, entries, [], now.timestamp()), "operator log", log
        )
        metrics.count_decision(decision.outcome.value, applied.target, applied.was_applied)
        log.info(
            "review decision %s: %s of %s by %s, %d enforcement event(s) published",
            decision.decision_id,
            decision.outcome.value,
            decision.enforcement_id,
            decision.reviewer,
            len(events),
        )

    async def process_verdicts(
        self, verdicts: list[Verdict], sources: dict[str, EventT[Any]]
    ) -> None:
        """Decide, publish, and only once the broker acknowledged the outputs, commit their effects
        (so before faust may commit the verdicts' offsets)."""
        if not verdicts:
            return
        await self.ready_to_decide()
        now = datetime.now(UTC)
        outcome, degraded = await self.decide_batch(verdicts, now)
        await self.publish(outcome, sources)
        metrics.count(outcome)
        await self.commit(outcome, now, degraded)

    async def ready_to_decide(self) -> None:
        """Wait for what a decision depends on besides its verdicts: the registry read to its
        end (until then an approved red team would be sanctioned like anyone else), the marks
        reconciled after a start or a rebalance, and the strikes decided during an outage
        written (they count before anything new is decided)."""
        await self.registry.wait_ready()
        if self.reconcile_due.is_set():
            await self.reconcile_marks()
        await self.flush_pending()

    async def decide_batch(self, verdicts: list[Verdict], now: datetime) -> tuple[Outcome, bool]:
        """The policy's outcome, and whether it was decided without the state store (fail open)."""
        enforce = partial(self.with_state, partial(self.enforcer.enforce, verdicts, now), "enforce")
        try:
            try:
                return await enforce(), False
            except StateLostError:
                await self.rebuild_state()
            except StateRestartedError:
                await self.reconcile_marks()
            return await enforce(), False  # once the store is whole again
        except StateUnavailableError:
            outcome = self.enforcer.decide_without_state(verdicts, now)
            metrics.decided_without_state.add(len(outcome.decisions))
            return outcome, True

    async def publish(self, outcome: Outcome, sources: dict[str, EventT[Any]]) -> None:
        """Every action, review request and report of the outcome, acknowledged by the broker.
        Reports go out only once the batch's actions and review requests are acknowledged, so a
        report on the topic proves its violation's whole effect was published: that is what
        `reconcile` relies on to mark it after a kill (an action without its report is decided and
        published again; its report is never skipped)."""
        for topics in ((ENFORCEMENT_ACTIONS, ENFORCEMENT_REVIEW), (ENFORCEMENT_REPORTS,)):
            acks: list[Awaitable[Any]] = []
            for verdict, decision in outcome.decisions:
                headers = self._headers(sources.get(verdict.event_id), verdict, decision)
                key = encode_key(verdict.account_id)
                for topic in topics:
                    message = _output(decision, topic)
                    if message is not None:
                        acks.append(
                            await send(
                                self.app,
                                topic.full_name(self.prefix),
                                key,
                                encode(message),
                                headers,
                            )
                        )
                        outputs.add(1, {"stage": "enforcement", "topic": topic.name})
            await asyncio.gather(*acks)
        for verdict, decision in outcome.decisions:
            if decision.shadow_action is not None:
                log.info(
                    "shadow: would %s %s (%s)",
                    decision.shadow_action.action.value,
                    verdict.account_id,
                    decision.shadow_action.enforcement_id,
                )

    async def reconcile_marks(self) -> None:
        """Mark the effects published in the last ENFORCEMENT_RECONCILE_LOOKBACK_S that the store
        does not know (rebuild.reconcile), so the verdicts redelivered behind them are replays."""
        started = time.monotonic()
        written = await with_backoff(
            partial(
                reconcile,
                self.state,
                self.operator_log,
                self.settings.kafka_client(),
                self.prefix,
                self.policy_file.policy,
                time.time() - self.own.reconcile_lookback_s,
                time.time(),
            ),
            "mark reconciliation",
            log,
            retryable=KAFKA_RETRYABLE,
        )
        self.reconcile_due.clear()
        metrics.reconciled.add(written)
        log.log(
            logging.WARNING if written else logging.INFO,
            "reconciled marks with the enforcement topics: "
            "%d published effects were unmarked (%.1fs)",
            written,
            time.monotonic() - started,
        )

    async def rebuild_state(self) -> None:
        """The store came back empty: write back what the enforcement topics prove (rebuild.py).
        Retried until it is done, whatever the outage policy: deciding on an empty store would
        sanction every account as a first offender and repeat effects already applied."""
        started = time.monotonic()
        log.warning("enforcement state store is empty: rebuilding it from the enforcement topics")
        replayed = await with_backoff(
            partial(
                rebuild,
                self.state,
                self.operator_log,
                self.settings.kafka_client(),
                self.prefix,
                self.policy_file.policy,
                time.time(),
            ),
            "state rebuild",
            log,
            retryable=KAFKA_RETRYABLE,
        )
        metrics.rebuilds.add(1)
        log.warning(
            "enforcement state rebuilt: %d effects, %d actions, %d reports in %.1fs",
            replayed.effects,
            len(replayed.actions),
            len(replayed.reports),
            time.monotonic() - started,
        )

    async def commit(self, outcome: Outcome, now: datetime, degraded: bool) -> None:
        """Mark the published effects applied and log them for operators; while Redis is away
        (fail open), keep them for `flush_pending`."""
        hour = hour_bucket(now)
        actions, reports = _log_entries(outcome)
        review_entries = [
            (d.review.enforcement_id, reviews.review_entry(d.review, v))
            for v, d in outcome.decisions
            if d.review is not None
        ]
        if not degraded:
            try:
                await self.with_state(
                    partial(self.state.commit, outcome.effects, hour), "effects commit"
                )
                await self.with_state(
                    partial(
                        self.operator_log.record, actions, reports, now.timestamp(), review_entries
                    ),
                    "operator log",
                )
                return
            except StateUnavailableError:
                pass
        self.pending.add_effects(outcome.effects, hour)
        self.pending.add_record(actions, reports, now.timestamp(), review_entries)

    async def flush_pending(self) -> None:
        """Write what was decided while Redis was away, once it is back (fail open only)."""
        if not self.pending:
            return
        try:
            n = await self.pending.flush(self.state, self.operator_log)
        except RETRYABLE as exc:
            log.warning("Redis still away; %d state writes pending: %r", len(self.pending), exc)
            return
        log.info("Redis is back: wrote %d state writes decided while it was away", n)

    def _headers(
        self, source: EventT[Any] | None, verdict: Verdict, decision: Decision
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
        with process_span(self.tracer, source.message, VERDICTS.name, attributes):
            return inject_headers()


def _output(decision: Decision, topic: Topic) -> EnforcementEvent | ViolationReport | None:
    if topic is ENFORCEMENT_ACTIONS:
        return decision.action
    if topic is ENFORCEMENT_REVIEW:
        return decision.review
    return decision.report


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


def enforcement_app(settings: ServiceSettings, own: EnforcementSettings) -> faust.App:
    """The faust app `enforcement` (consumer group `usewatch-enforcement`): its agents on
    `verdicts` and `review.decisions`, the registry follower, the policy and outage timers."""
    tracer = setup_tracing("enforcement")
    setup_metrics("enforcement", settings.metrics_port, settings.metrics_host)
    app = make_app("enforcement", settings)
    work = Enforcement(app, settings, own, tracer)
    prefix = settings.topic_prefix

    @app.task  # type: ignore[untyped-decorator]  # faust's decorator is untyped
    async def follow_registry() -> None:
        await work.registry.run()  # until the worker stops and cancels it

    @app.agent(raw_topic(app, VERDICTS.full_name(prefix)))
    async def enforce(stream: faust.StreamT[bytes]) -> None:
        async for batch in cast(faust.Stream[bytes], stream).take_events(
            own.batch_size, within=own.batch_within_s
        ):
            pairs = decode_batch(Verdict, batch, log)
            with stage_batch("enforcement", batch):
                async with work.enforcing:
                    await work.process_verdicts(
                        [v for _, v in pairs], {v.event_id: e for e, v in pairs}
                    )

    @app.agent(raw_topic(app, REVIEW_DECISIONS.full_name(prefix)))
    async def apply_decisions(stream: faust.StreamT[bytes]) -> None:
        async for batch in cast(faust.Stream[bytes], stream).take_events(64, within=0.5):
            for source, decision in decode_batch(ReviewDecision, batch, log):
                async with work.enforcing:
                    await work.apply_decision(decision, source)

    async def assigned(sender: Any, *assigned: Any, **_: Any) -> None:
        # Partitions taken over from another worker: it may have died between a publish and
        # its marks. Reconciled before the next batch, not here: a rebalance must not wait on
        # reads.
        work.reconcile_due.set()

    app.on_partitions_assigned.connect(cast(Any, assigned))  # mode's receiver type is too narrow

    @app.timer(interval=1.0)  # type: ignore[untyped-decorator]  # faust's decorator is untyped
    async def reload_policy() -> None:
        work.policy_file.refresh()

    @app.timer(interval=1.0)  # type: ignore[untyped-decorator]
    async def flush_pending_timer() -> None:
        await work.flush_pending()

    return app
