"""The enforcement decision: one verdict, what is known about its event and account, and the
policy in; the effects out (an action, a review request, a report, a strike). Pure.

Rules (SPEC §1, §3):
- below the category's `suspect_at`: nothing;
- suspect: a review request on enforcement.review, no strike, no report;
- violation: a report due 24 h after the generation, always, red team included;
  - red-team traffic from an app approved for it: reported, marked red_team, never sanctioned,
    never a strike;
  - otherwise it belongs to a case (`case_of`: one account, one category, one span of the
    category's cooldown of event time). The case's first violation is a strike; the case's
    rung is the ladder's rung for the account's strikes (cases) in the decay window. Every
    violation of the case gets the rung's action unless that action is already in force on
    its subject (`in_force_key`: the account, the API key, the case, or for block_generation
    the generation itself), so a campaign of 200 messages is one strike, one sanction per
    subject and 200 reports;
  - past the hourly quota for the action, a review request instead (the strike and report
    stand; the held action counts as in force, so a person gets it once);
  - in shadow mode the action is decided and logged but not published.

Without the account's strike history (state store away, policy `fail_open`), a violation is still
reported at once and counts as a strike, but the action it would get goes to a person instead of
being applied: `decide_without_history`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
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
    Category.VIOLENCE_INCITEMENT: "generated or requested threats or incitement to violence",
    Category.VIOLENCE_SELF_HARM: "generated or requested content encouraging self-harm",
    Category.SEXUAL_EXPLOITATION: "generated or requested sexual content that exploits",
    Category.HATE: "generated or requested hateful content about a group",
    Category.HARASSMENT: "generated or requested harassment of a person",
    Category.MISINFORMATION: "generated or requested misinformation",
    Category.PRIVACY_EXTRACTION: "tried to extract personal data about people",
    Category.UNSAFE_UNSUPERVISED_MEDICAL: "gave end users medical advice without a clinician",
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
    case_id: str | None = None
    in_force: str | None = None
    """The action and subject this decision puts in force (`in_force_key`), if any."""

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


def case_span(occurred_at: datetime, category: Category, policy: Policy) -> tuple[int, int]:
    """The span of the category's case cooldown a generation occurred in: (its index, its
    start in epoch ms). The start is the case's strike time, so cases are ordered by when their
    generations occurred, and a rebuild scores them exactly as the enforcer did."""
    span_s = policy.rule(category).case_cooldown_minutes * 60
    index = int(occurred_at.timestamp() // span_s)
    return index, index * span_s * 1000


def case_of(verdict: Verdict, policy: Policy) -> str:
    """The case a violation belongs to: its account and category, and the span of the
    category's case cooldown its generation occurred in. Event time, so a replay, a rebuild and
    a second worker all find the same case; a campaign that straddles two spans is two cases."""
    minutes = policy.rule(verdict.category).case_cooldown_minutes
    span, _ = case_span(verdict.subject.occurred_at, verdict.category, policy)
    key = f"{verdict.account_id}\x00{verdict.category.value}\x00{minutes}\x00{span}"
    return "case-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def in_force_key(action: Action, event_id: str, case_id: str, api_key_id: str | None) -> str:
    """An action and what it acts on (the generation, the case, the API key or the account),
    as the store keeps it: an action in force on its subject is not applied again."""
    if action is Action.BLOCK_GENERATION:
        subject = f"event:{event_id}"
    elif action is Action.FLAG_FOR_REVIEW:
        subject = f"case:{case_id}"
    elif action is Action.SUSPEND_API_KEY:
        subject = f"api_key:{api_key_id or '-'}"
    else:
        subject = "account"
    return f"{action.value}@{subject}"


def in_force_of(e: EnforcementEvent) -> str | None:
    """What a published action (or one held for a person) put in force."""
    if e.case_id is None:
        return None
    return in_force_key(e.action, e.event_id, e.case_id, e.api_key_id)


def source_of(e: EnforcementEvent) -> tuple[str, str, str]:
    """(detector, category, model version) an enforcement stems from, from the evidence
    `decide` copied from its verdict: what a person's decision on it judges."""
    detector = str(e.evidence.get("detector", "unknown"))
    version = str(e.evidence.get("model_version", "unknown"))
    return detector, e.category.value, version


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
    case_open: bool = False,
    in_force: frozenset[str] = frozenset(),
) -> Decision:
    """`strikes_before`: the account's strikes (cases) of the category in the decay window
    before this one, or, when `case_open` (the case already has its strike), the strikes up to
    and including its case; `in_force`: the account's actions in force, as `in_force_key`s."""
    rule = policy.rule(verdict.category)
    if verdict.score < rule.suspect_at:
        return NOTHING
    enforcement_id = mark_of(verdict, policy)
    due = context.occurred_at + REPORT_DEADLINE
    scores = {verdict.category: verdict.score}

    case_id: str | None = None  # set below for a sanctioned violation

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
            case_id=case_id,
            api_key_id=verdict.subject.api_key_id,
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
    case_id = case_of(verdict, policy) if sanctioned else None
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
        case_id=case_id,
    )
    if case_id is None:
        return Decision(report=report)

    strike = not case_open
    strikes = strikes_before + int(strike)
    action = rule.action_for(strikes)
    applies = in_force_key(action, verdict.event_id, case_id, verdict.subject.api_key_id)
    base = Decision(report=report, strike=strike, case_id=case_id)
    if rule.to_a_person:
        note = (
            f"{reason(verdict, action, strikes, held=False)} The policy sends every violation "
            f"of {verdict.category.value} to a person as well."
        )
        confirm = enforcement(action, strikes).model_copy(update={"reason": note[:500]})
        base = replace(base, review=confirm)
    if applies in in_force:
        return base
    quota = policy.quotas_per_hour.get(action)
    if quota is not None and actions_this_hour >= quota:
        held = enforcement(action, strikes, held=True)
        return replace(base, review=held, in_force=applies)
    if policy.shadow_mode:
        return replace(base, shadow_action=enforcement(action, strikes))
    return replace(base, action=enforcement(action, strikes), in_force=applies)


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
    original: EnforcementEvent,
    reason_text: str,
    strikes_left: int,
    now: datetime,
    by: str = "operator",
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
            "evidence": {"reversed": original.enforcement_id, "by": by},
        }
    )
