"""The enforcer's durable state rebuilt from its own record (SPEC §4: what must last survives the
loss of any store). Everything the enforcer ever decided is on its topics: every violation has a
report (its strike, unless red team), every action and suspect case its EnforcementEvent, every
reversal an event that names what it undoes. So when the state store comes back empty (it has
no `whole` mark; `EnforcementState.load` says so on the round trip it makes anyway), the
enforcer reads the enforcement topics to their ends and writes back the strikes, the marks that
make effects idempotent, this hour's quota counts and the operator's log, before it decides
anything. Writing is idempotent, so a rebuild that is interrupted is simply done again.

`replay` is the pure part: decoded records in, effects per hour out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from schemas.codec import decode
from schemas.events import EnforcementEvent, ViolationReport
from schemas.topics import ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, ENFORCEMENT_REVIEW
from services.enforcement.decide import case_span, effect_id, hour_bucket, in_force_of
from services.enforcement.outage import ActionEntry, ReportEntry
from services.enforcement.policy import Policy
from services.state.enforcement import Effect, EnforcementLog, EnforcementState
from services.topic_log import read_to_end

log = logging.getLogger("usewatch.enforcement.rebuild")
M = TypeVar("M", bound=BaseModel)


@dataclass
class Replayed:
    effects_by_hour: dict[int, list[Effect]] = field(default_factory=dict)
    actions: list[ActionEntry] = field(default_factory=list)
    reports: list[ReportEntry] = field(default_factory=list)

    @property
    def effects(self) -> int:
        return sum(len(e) for e in self.effects_by_hour.values())


def replay(
    actions: Iterable[EnforcementEvent],
    reviews: Iterable[EnforcementEvent],
    reports: Iterable[ViolationReport],
    policy: Policy,
) -> Replayed:
    """The effects the records prove, one per effect id (repeats on the topics, which
    at-least-once delivery allows, collapse), with strikes that a reversal undid removed. An
    effect's time is when it was decided; its hour is the quota hour it counted in."""
    effects: dict[str, Effect] = {}
    out = Replayed()

    def effect_of(e: EnforcementEvent | ViolationReport, at: datetime) -> Effect:
        # A report's effect is its violation's; an action or review names its own (`enf-…`,
        # or `sus-…` for a suspect case: decide.mark_of).
        eid = (
            e.enforcement_id
            if isinstance(e, EnforcementEvent)
            else effect_id("enf", e.event_id, e.category)
        )
        if eid not in effects:
            decay_s = policy.rule(e.category).strike_decay_hours * 3600
            effects[eid] = Effect(
                e.account_id, e.category.value, eid, _ms(at), False, decay_s, None
            )
        return effects[eid]

    reversed_ids: set[str] = set()
    reversed_cases: set[str] = set()
    for a in actions:
        out.actions.append((a.account_id, a.enforcement_id, _json(a)))
        if a.reverses is not None:
            reversed_ids.add(a.reverses)
            if a.case_id is not None:
                reversed_cases.add(a.case_id)
        else:
            effects[a.enforcement_id] = replace(
                effect_of(a, a.decided_at), action=a.action, in_force=in_force_of(a)
            )
    for r in reviews:
        effect = effect_of(r, r.decided_at)
        if r.report_due_at is not None:  # a violation's action held for a person: in force
            effects[effect.effect_id] = replace(effect, in_force=in_force_of(r))
    reported = set()
    for rep in reports:
        effect = effect_of(rep, rep.reported_at)
        reported.add(effect.effect_id)
        if rep.enforcement_id is not None:  # sanctioned: its case is a strike
            _, started_ms = case_span(rep.occurred_at, rep.category, policy)
            effects[effect.effect_id] = replace(
                effect,
                strike=True,
                case_id=rep.case_id,
                strike_at_ms=started_ms if rep.case_id else None,
            )
        out.reports.append((rep.account_id, rep.report_due_at.timestamp(), _json(rep)))
    for effect in sorted(effects.values(), key=lambda e: e.at_ms):
        # A violation's effect was published whole only if its report is there (the enforcer
        # publishes reports after the batch's actions and reviews are acknowledged); a suspect
        # case is its review alone. A violation whose action is there but not its report is
        # left unmarked, so its verdict, never committed, is decided again and reported.
        if not (effect.effect_id in reported or effect.effect_id.startswith("sus-")):
            continue
        if effect.effect_id in reversed_ids:
            effect = replace(effect, strike=False, in_force=None)
        if effect.strike_id in reversed_cases:
            effect = replace(effect, strike=False)
        hour = hour_bucket(datetime.fromtimestamp(effect.at_ms / 1000, UTC))
        out.effects_by_hour.setdefault(hour, []).append(effect)
    return out


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _json(message: EnforcementEvent | ViolationReport) -> str:
    return message.model_dump_json(exclude_none=True)


async def _read(
    kafka: Mapping[str, Any], topic: str, model: type[M], since_ms: int | None = None
) -> list[M]:
    """A topic as retained (or since `since_ms`), decoded; what does not decode is logged and
    skipped (the enforcer did not write it)."""
    out = []
    for r in await read_to_end(kafka, topic, since_ms=since_ms):
        try:
            out.append(decode(model, r.value))
        except ValidationError as exc:
            log.error("%s offset %d is not a %s, skipped: %s", topic, r.offset, model.__name__, exc)
    return out


async def rebuild(
    state: EnforcementState,
    operator_log: EnforcementLog,
    kafka: Mapping[str, Any],
    prefix: str,
    policy: Policy,
    now_s: float,
) -> Replayed:
    """Read the record, write what it proves, then mark the store whole."""
    replayed = replay(
        await _read(kafka, ENFORCEMENT_ACTIONS.full_name(prefix), EnforcementEvent),
        await _read(kafka, ENFORCEMENT_REVIEW.full_name(prefix), EnforcementEvent),
        await _read(kafka, ENFORCEMENT_REPORTS.full_name(prefix), ViolationReport),
        policy,
    )
    for hour, effects in sorted(replayed.effects_by_hour.items()):
        await state.commit(effects, hour)
    await operator_log.record(replayed.actions, replayed.reports, now_s)
    await state.mark_whole()
    return replayed


async def reconcile(
    state: EnforcementState,
    operator_log: EnforcementLog,
    kafka: Mapping[str, Any],
    prefix: str,
    policy: Policy,
    since_s: float,
    now_s: float,
) -> int:
    """Mark what was published but never marked: a worker killed between a publish the broker
    acknowledged and the commit of its marks left effects on the topics that the store does not
    know, and the verdicts behind them, not yet committed, come back. Run when a worker starts
    and whenever it is assigned partitions, before it decides anything, over the records
    published since `since_s`. Returns how many effects it wrote."""
    since_ms = int(since_s * 1000)
    replayed = replay(
        await _read(kafka, ENFORCEMENT_ACTIONS.full_name(prefix), EnforcementEvent, since_ms),
        await _read(kafka, ENFORCEMENT_REVIEW.full_name(prefix), EnforcementEvent, since_ms),
        await _read(kafka, ENFORCEMENT_REPORTS.full_name(prefix), ViolationReport, since_ms),
        policy,
    )
    written = 0
    missing_ids: set[str] = set()
    for hour, effects in sorted(replayed.effects_by_hour.items()):
        missing = await state.unapplied(effects)
        await state.commit(missing, hour)
        written += len(missing)
        missing_ids.update(e.effect_id for e in missing)
    await operator_log.record(
        [a for a in replayed.actions if a[1] in missing_ids],
        [r for r in replayed.reports if _effect_of_report(r[2]) in missing_ids],
        now_s,
    )
    return written


def _effect_of_report(body: str) -> str:
    report = ViolationReport.model_validate_json(body)
    return effect_id("enf", report.event_id, report.category)
