"""One batch of verdicts through the policy: load state (one round trip), decide each verdict in
order (strikes accumulate within the batch), and list the effects to commit once the outputs
are acknowledged. Shared by the faust agent and `usewatch backtest --policy`.

A verdict carries what is needed of its event (`Verdict.subject`); whether red-team traffic is
exempt comes from the app registry, in memory (`red_team_approved`). So enforcing never waits
for, or looks up, the event itself.

`decide_without_state` is the fail-open path for when the state store is away: no strike history,
nothing sanctioned (see `decide_without_history`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.events import Verdict
from services.enforcement.decide import (
    Decision,
    EventContext,
    case_of,
    case_span,
    decide,
    decide_without_history,
    hour_bucket,
    mark_of,
)
from services.enforcement.policy import Policy
from services.state.enforcement import Effect, EnforcementState, LoadRequest, StoreCondition


class StateLostError(Exception):
    """The state store came back empty: rebuild it from the enforcement topics
    (services/enforcement/rebuild.py), then decide again."""


class StateRestartedError(Exception):
    """The state store restarted since the last batch and may have lost its last second of
    writes: reconcile the effect marks with the enforcement topics, then decide again."""


@dataclass
class Outcome:
    decisions: list[tuple[Verdict, Decision]] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    replayed: int = 0
    below_suspect: list[Verdict] = field(default_factory=list)
    """Verdicts the policy ignores (score under the category's suspect threshold): no state is
    read for them. Most verdicts are these: detectors judge every event."""


@dataclass
class Enforcer:
    state: EnforcementState
    policy: Callable[[], Policy]
    red_team_approved: Callable[[str], bool]
    """app id → is the app approved for red-team traffic (the registry)."""

    def context(self, v: Verdict) -> EventContext:
        s = v.subject
        approved = s.red_team and self.red_team_approved(s.app_id)
        return EventContext(s.app_id, s.occurred_at, s.red_team, approved)

    async def enforce(self, verdicts: Sequence[Verdict], now: datetime) -> Outcome:
        policy = self.policy()
        hour = hour_bucket(now)
        out = Outcome()
        verdicts = _worth_deciding(verdicts, policy, out)
        if not verdicts:
            return out
        requests = []
        for v in verdicts:
            rule = policy.rule(v.category)
            since = now - timedelta(hours=rule.strike_decay_hours)
            requests.append(
                LoadRequest(
                    v.account_id,
                    v.category.value,
                    mark_of(v, policy),
                    int(since.timestamp() * 1000),
                    case_of(v, policy),
                )
            )
        loaded, quota_used, condition = await self.state.load(requests, hour)
        if condition is StoreCondition.LOST:
            raise StateLostError("the enforcement state store holds no `whole` mark")
        if condition is StoreCondition.RESTARTED:
            raise StateRestartedError("Redis restarted since the last batch")
        # What earlier verdicts of this batch decided: strikes (cases opened), cases, and
        # actions put in force.
        added: dict[tuple[str, str], int] = {}
        opened: dict[str, int] = {}  # case → its strikes up to and including it
        in_force: dict[str, set[str]] = {}
        seen: set[str] = set()
        for v, req, state in zip(verdicts, requests, loaded, strict=True):
            if state.already_applied or req.effect_id in seen:
                out.replayed += 1
                continue
            seen.add(req.effect_id)
            key = (v.account_id, v.category.value)
            # A violation that joins an open case is on the case's rung, however many cases
            # came after it; one that opens a case is the next strike.
            if state.case_open:
                case_open, strikes_before = True, state.case_strikes
            elif req.case_id in opened:
                case_open, strikes_before = True, opened[req.case_id]
            else:
                case_open, strikes_before = False, state.strikes + added.get(key, 0)
            # The quota that matters is the one of the rung this verdict would reach; earlier
            # verdicts of this batch already count against it.
            rung = policy.rule(v.category).action_for(strikes_before + (not case_open))
            decision = decide(
                v,
                self.context(v),
                strikes_before=strikes_before,
                actions_this_hour=quota_used.get(rung, 0),
                policy=policy,
                now=now,
                case_open=case_open,
                in_force=state.in_force | in_force.get(v.account_id, set()),
            )
            if decision.action is not None:
                quota_used[decision.action.action] = quota_used.get(decision.action.action, 0) + 1
            if decision.strike:
                added[key] = added.get(key, 0) + 1
            if decision.strike and decision.case_id is not None:
                opened[decision.case_id] = strikes_before + 1
            if decision.in_force is not None:
                in_force.setdefault(v.account_id, set()).add(decision.in_force)
            out.decisions.append((v, decision))
            if decision.action or decision.review or decision.report or decision.shadow_action:
                out.effects.append(_effect(v, req.effect_id, decision, policy, now))
        return out

    def decide_without_state(self, verdicts: Sequence[Verdict], now: datetime) -> Outcome:
        """Decide from what is in hand, without a round trip. Replays cannot be recognised
        here; subscribers de-duplicate on the ids."""
        policy = self.policy()
        out = Outcome()
        seen: set[str] = set()
        for v in _worth_deciding(verdicts, policy, out):
            eid = mark_of(v, policy)
            if eid in seen:
                out.replayed += 1
                continue
            seen.add(eid)
            decision = decide_without_history(v, self.context(v), policy, now)
            out.decisions.append((v, decision))
            if decision.review or decision.report:
                out.effects.append(_effect(v, eid, decision, policy, now))
        return out


def _worth_deciding(verdicts: Sequence[Verdict], policy: Policy, out: Outcome) -> list[Verdict]:
    """The verdicts at or above their category's suspect threshold; the rest go to
    `out.below_suspect` (decide would return nothing for them)."""
    thresholds = {c: policy.rule(c).suspect_at for c in {v.category for v in verdicts}}
    worth = []
    for v in verdicts:
        if v.score >= thresholds[v.category]:
            worth.append(v)
        else:
            out.below_suspect.append(v)
    return worth


def _effect(v: Verdict, eid: str, decision: Decision, policy: Policy, now: datetime) -> Effect:
    return Effect(
        account_id=v.account_id,
        category=v.category.value,
        effect_id=eid,
        at_ms=int(now.timestamp() * 1000),
        strike=decision.strike,
        decay_s=policy.rule(v.category).strike_decay_hours * 3600,
        action=decision.action.action if decision.action else None,
        case_id=decision.case_id,
        in_force=decision.in_force,
        strike_at_ms=case_span(v.subject.occurred_at, v.category, policy)[1],
    )
