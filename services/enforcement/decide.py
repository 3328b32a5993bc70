"""The enforcement decision: one verdict, what is known about its event and account, and the
policy in; the effects out (an action, a review request, a report, a strike). Pure.

Rules (SPEC §1, §3):
- below the category's `suspect_at`: nothing;
- suspect: a review request on enforcement.review, no strike, no report;
- violation: a report due 24 h after the generation, always, red team included;
  - red-team traffic from an app approved for it: reported, marked red_team, never sanctioned,
    never a strike;
  - otherwise a strike, and the ladder's rung for the account's strike count in the decay
    window; past the hourly quota for that action, a review request instead (the strike and
    report stand);
  - in shadow mode the action is decided and logged but not published.

Without the account's strike history (state store away, policy `fail_open`), a violation is still
reported at once and counts as a strike, but the action it would get goes to a person instead of
being applied: `decide_without_history`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from schemas.events import (
    REPORT_DEADLINE,
    Action,
    Category,
    EnforcementEvent,
    Severity,
    Verdict,
    ViolationReport,
)
from services.enforcement.policy import Policy

SEVERITY = {
    Action.FLAG_FOR_REVIEW: Severity.LOW,
    Action.REQUIRE_DISCLOSURE: Severity.MEDIUM,
    Action.THROTTLE: Severity.MEDIUM,
    Action.BLOCK_GENERATION: Severity.HIGH,
    Action.SUSPEND_API_KEY: Severity.CRITICAL,
    Action.SUSPEND_ACCOUNT: Severity.CRITICAL,
}

WHAT = {
    Category.SPAM: "sent unsolicited bulk messages or search-engine spam",
    Category.FRAUD_PHISHING: "generated a phishing lure",
    Category.SECURITY_SPEARPHISHING: "generated a phishing lure aimed at a named target",
    Category.HUMAN_AUTHORSHIP: "passed generated text off as written by a person",
    Category.FALSE_IDENTITY: "published generations under a false identity",
    Category.MULTI_IDENTITY: "ran many identities that appear independent",
    Category.UNAPPROVED_USE: "sent traffic outside its approved use case",
}


@dataclass(frozen=True, slots=True)
class EventContext:
    """What the enforcer knows about the generation a verdict is about."""

    app_id: str
    occurred_at: datetime
    red_team: bool
    red_team_approved: bool


@dataclass(frozen=True, slots=True)
class Decision:
    action: EnforcementEvent | None = None
    """For enforcement.actions (None in shadow mode, under the quota's breaker, or no action)."""
    review: EnforcementEvent | None = None
    """For enforcement.review: suspect cases and actions held back by a quota."""
    report: ViolationReport | None = None
    strike: bool = False
    shadow_action: EnforcementEvent | None = None
    """What would have been published had shadow mode been off (logged only)."""

    @property
    def outcome(self) -> str:
        """The most consequential output, for metrics and spans: action, review, report, none."""
        if self.action:
            return "action"
        if self.review:
            return "review"
        return "report" if self.report else "none"


NOTHING = Decision()


def effect_id(kind: str, event_id: str, category: Category) -> str:
    """Deterministic id from (event, category): a replayed verdict yields the same id."""
    digest = hashlib.sha256(f"{event_id}\x00{category.value}".encode()).hexdigest()[:32]
    return f"{kind}-{digest}"


def mark_of(verdict: Verdict, policy: Policy) -> str:
    """The id of the effect a verdict would have, which makes it idempotent: `enf-…` for a
    violation, `sus-…` for a suspect case. Two kinds, so that a suspect case a detector later
    revises into a violation on new evidence (a persona farm proven one operator after its first
    posts were judged) is sanctioned and reported instead of being dropped as a replay."""
    rule = policy.rule(verdict.category)
    kind = "enf" if verdict.score >= rule.violation_at else "sus"
    return effect_id(kind, verdict.event_id, verdict.category)


def reason(verdict: Verdict, action: Action, strikes: int, held: bool) -> str:
    signals = verdict.evidence.get("signals") or []
    because = f" ({', '.join(map(str, signals[:3]))})" if signals else ""
    what = WHAT.get(verdict.category, f"violated {verdict.category.value}")
    if held:
        return (
            f"The account {what}{because}, strike {strikes}; {action.value} is held for a "
            "person because this hour's quota for it is used up."
        )
    return (
        f"The account {what}{because}, its strike {strikes} in this category, so the policy "
        f"applies {action.value}."
    )


def decide(
    verdict: Verdict,
    context: EventContext,
    strikes_before: int,
    actions_this_hour: int,
    policy: Policy,
    now: datetime,
) -> Decision:
    rule = policy.rule(verdict.category)
    if verdict.score < rule.suspect_at:
        return NOTHING
    enforcement_id = mark_of(verdict, policy)
    due = context.occurred_at + REPORT_DEADLINE
    scores = {verdict.category: verdict.score}

    def enforcement(action: Action, strikes: int, held: bool = False) -> EnforcementEvent:
        return EnforcementEvent(
            enforcement_id=enforcement_id,
            event_id=verdict.event_id,
            account_id=verdict.account_id,
            app_id=context.app_id,
            category=verdict.category,
            action=action,
            severity=SEVERITY[action],
            reason=reason(verdict, action, strikes, held),
            evidence={
                "detector": verdict.detector,
                "model_version": verdict.model_version,
                **verdict.evidence,
            },
            scores=scores,
            policy_version=policy.version,
            strikes=strikes,
            red_team=context.red_team,
            decided_at=now,
            report_due_at=due if verdict.score >= rule.violation_at else None,
        )

    if verdict.score < rule.violation_at:
        suspect = enforcement(Action.FLAG_FOR_REVIEW, strikes_before)
        signals = verdict.evidence.get("signals") or []
        because = f" ({', '.join(map(str, signals[:3]))})" if signals else ""
        note = (
            f"Possible {verdict.category.value}{because} at score {verdict.score:.2f}, below "
            f"the violation threshold {rule.violation_at:.2f}; a person should decide."
        )
        return Decision(review=suspect.model_copy(update={"reason": note}))

    sanctioned = not (context.red_team and context.red_team_approved)
    report = ViolationReport(
        report_id=effect_id("rep", verdict.event_id, verdict.category),
        event_id=verdict.event_id,
        account_id=verdict.account_id,
        app_id=context.app_id,
        enforcement_id=enforcement_id if sanctioned else None,
        category=verdict.category,
        score=verdict.score,
        occurred_at=context.occurred_at,
        reported_at=now,
        report_due_at=due,
        red_team=context.red_team,
    )
    if not sanctioned:
        return Decision(report=report)

    strikes = strikes_before + 1
    action = rule.action_for(strikes)
    quota = policy.quotas_per_hour.get(action)
    if quota is not None and actions_this_hour >= quota:
        return Decision(review=enforcement(action, strikes, held=True), report=report, strike=True)
    if policy.shadow_mode:
        return Decision(report=report, strike=True, shadow_action=enforcement(action, strikes))
    return Decision(action=enforcement(action, strikes), report=report, strike=True)


def decide_without_history(
    verdict: Verdict, context: EventContext, policy: Policy, now: datetime
) -> Decision:
    """The fail-open decision: as `decide` for a first offence, except that no sanction is
    applied. What would have been applied goes to review, saying why; the report and the strike
    stand (the strike is written when the state store returns)."""
    decision = decide(verdict, context, 0, 0, policy, now)
    would = decision.action or decision.shadow_action
    if would is None:
        return decision
    note = (
        f"{would.reason} Not applied: the enforcer could not read the account's strike history "
        "(state store unavailable, policy fails open); a person should decide."
    )
    held = would.model_copy(
        update={"reason": note[:500], "evidence": {**would.evidence, "state": "unavailable"}}
    )
    return Decision(review=held, report=decision.report, strike=decision.strike)


def hour_bucket(at: datetime) -> int:
    return int(at.timestamp() // 3600)


def reversal(
    original: EnforcementEvent, reason_text: str, strikes_left: int, now: datetime
) -> EnforcementEvent:
    """The event that undoes `original`: same account, category and action, `reverses` naming
    it, a deterministic id of its own (reversing twice yields the same event)."""
    return original.model_copy(
        update={
            "enforcement_id": "rev-"
            + hashlib.sha256(original.enforcement_id.encode()).hexdigest()[:32],
            "reverses": original.enforcement_id,
            "reason": reason_text,
            "strikes": strikes_left,
            "decided_at": now,
            "report_due_at": None,
            "evidence": {"reversed": original.enforcement_id, "by": "operator"},
        }
    )
