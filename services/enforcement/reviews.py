"""A person's decisions (`review.decisions`, from the review console) turned into effects on the
enforcement topics and the enforcer's state. Shared with `usewatch reverse`.

- confirm: the decision stands. An action that was held for a person (a quota, a state-store
  outage) and never applied is applied now, under its own id; a suspect becomes a violation
  (its verdict, kept with the review item, enforced again as one: strike, action, and the
  report due 24 h after the generation); anything else is only recorded.
- dismiss: not a violation. What was applied for it is reversed; an action held for it is
  released; its case's strike is removed. A suspect (no case, nothing applied) is recorded only.
- reverse: an applied enforcement undone, its case's strike removed.

Every effect has a deterministic id (the held action's own, the reversal's `rev-…`), so a
decision delivered twice changes nothing the second time."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from schemas.codec import decode
from schemas.events import EnforcementEvent, Label, ReviewDecision, ReviewOutcome, Verdict
from services.enforcement.decide import in_force_of, reversal
from services.state.enforcement import EnforcementLog, EnforcementState

log = logging.getLogger("usewatch.enforcement.reviews")


class UnknownEnforcementError(LookupError):
    """No enforcement or review item of that id in the operator's log (30 days)."""


@dataclass(frozen=True, slots=True)
class Found:
    """What the log knows of one enforcement id: the action published under it, what went to a
    person under it, and the verdict that sent it (any may be missing)."""

    applied: EnforcementEvent | None
    reviewed: EnforcementEvent | None
    verdict: Verdict | None = None


def review_entry(review: EnforcementEvent, verdict: Verdict) -> str:
    """What the operator's log keeps of a review item: the item and its verdict."""
    return json.dumps(
        {
            "review": json.loads(review.model_dump_json(exclude_none=True)),
            "verdict": json.loads(verdict.model_dump_json(exclude_none=True)),
        }
    )


async def find(operator_log: EnforcementLog, enforcement_id: str) -> Found:
    applied = await operator_log.enforcement(enforcement_id)
    entry = await operator_log.review(enforcement_id)
    reviewed, verdict = None, None
    if entry:
        raw = json.loads(entry)
        if "review" in raw:
            reviewed = EnforcementEvent.model_validate(raw["review"])
            verdict = Verdict.model_validate(raw["verdict"])
        else:  # written before items kept their verdict
            reviewed = EnforcementEvent.model_validate(raw)
    return Found(decode(EnforcementEvent, applied) if applied else None, reviewed, verdict)


def as_violation(suspect: Verdict, decision: ReviewDecision, violation_at: float) -> Verdict:
    """A suspect verdict a person confirmed, as the violation it is: at least the category's
    violation threshold, the reviewer in its evidence."""
    return suspect.model_copy(
        update={
            "label": Label.VIOLATION,
            "score": max(suspect.score, violation_at),
            "evidence": {**suspect.evidence, "confirmed_by": decision.reviewer},
            "decided_at": decision.decided_at,
        }
    )


async def reverse(
    state: EnforcementState,
    operator_log: EnforcementLog,
    target: EnforcementEvent,
    reason: str,
    by: str,
    now: datetime,
) -> EnforcementEvent | None:
    """The reversal to publish for `target` (its case's strike and what it put in force are
    removed now), or None when it was reversed already. ValueError for a reversal itself."""
    if target.reverses is not None:
        raise ValueError(f"{target.enforcement_id} is itself a reversal")
    removed = await state.reverse(
        target.account_id,
        target.category.value,
        target.case_id or target.enforcement_id,
        in_force_of(target),
    )
    undo = reversal(target, reason, max(target.strikes - 1, 0), now, by)
    if not removed and await operator_log.enforcement(undo.enforcement_id) is not None:
        return None
    return undo


@dataclass(frozen=True, slots=True)
class Applied:
    """What a decision was about (`target`, and whether it had been applied: a sanction) and
    the enforcement events it publishes."""

    target: EnforcementEvent
    was_applied: bool
    events: list[EnforcementEvent]
    confirmed_suspect: Verdict | None = None
    """A suspect's verdict a person confirmed: to be enforced as a violation (`as_violation`)."""


async def effects_of(
    decision: ReviewDecision,
    state: EnforcementState,
    operator_log: EnforcementLog,
    now: datetime,
) -> Applied:
    """A decision's state changes made, and the events it publishes (on enforcement.actions).
    Raises UnknownEnforcementError for an id the log does not know."""
    found = await find(operator_log, decision.enforcement_id)
    target = found.applied or found.reviewed
    if target is None:
        raise UnknownEnforcementError(decision.enforcement_id)
    was_applied = found.applied is not None

    def publishing(*events: EnforcementEvent | None) -> Applied:
        return Applied(target, was_applied, [e for e in events if e is not None])

    if decision.outcome is ReviewOutcome.CONFIRM:
        if not was_applied and target.case_id is not None:
            return publishing(confirmed(target, decision, now))  # it was held
        if not was_applied and found.verdict is not None:
            return Applied(target, was_applied, [], found.verdict)  # a suspect
        return publishing()
    if not was_applied and target.case_id is None:
        return publishing()  # a suspect: no strike, nothing applied
    by = f"reviewer:{decision.reviewer}"
    return publishing(await reverse(state, operator_log, target, decision.reason, by, now))


def confirmed(held: EnforcementEvent, decision: ReviewDecision, now: datetime) -> EnforcementEvent:
    """A held action applied because a person confirmed it."""
    note = f"{held.reason} Confirmed by {decision.reviewer}: {decision.reason}"
    return held.model_copy(
        update={
            "reason": note[:500],
            "decided_at": now,
            "evidence": {**held.evidence, "confirmed_by": decision.reviewer},
        }
    )
