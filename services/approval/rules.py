"""Use-case approval (SPEC §1): traffic from an app that was never approved, or on a channel it
was not approved for, is itself a violation, `policy.unapproved_use`. Pure: the approval comes
from the caller's view of the `registry` topic (services/registry.py)."""

from __future__ import annotations

from datetime import datetime

from schemas.events import AppApproval, Category, GenerationEvent, Label, Verdict, VerdictSubject

DETECTOR = "registry"
VERSION = "registry-1"


def unapproved_use(
    event: GenerationEvent, approval: AppApproval | None, now: datetime
) -> Verdict | None:
    """A violation verdict when the app is not approved for this channel, else None."""
    if approval is not None and approval.allows(event.channel):
        return None
    evidence: dict[str, object] = {
        "signals": ["app_not_approved" if approval is None else "channel_not_approved"],
        "app_id": event.app_id,
        "channel": event.channel.value,
    }
    if approval is not None:
        evidence["approved_channels"] = sorted(c.value for c in approval.channels)
    return Verdict(
        event_id=event.event_id,
        account_id=event.account_id,
        subject=VerdictSubject.of(event),
        detector=DETECTOR,
        category=Category.UNAPPROVED_USE,
        score=1.0,
        label=Label.VIOLATION,
        evidence=evidence,
        model_version=VERSION,
        decided_at=now,
    )


def red_team_approved(event: GenerationEvent, approval: AppApproval | None) -> bool:
    """Red-team traffic is exempt from sanctions only from an app approved for red-teaming."""
    return event.red_team and approval is not None and approval.red_team
