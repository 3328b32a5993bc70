"""Use-case approval (SPEC §1): traffic from an app that was never approved, or on a channel it
was not approved for, is itself a violation, `policy.unapproved_use`. Checked in the enforcer,
not the gateway: the enforcer owns the registry and the policy, it sees every accepted event
anyway (it keeps each event's context for its reports), and the gateway stays a pure validator
whose only state is de-duplication. Pure."""

from __future__ import annotations

from datetime import datetime

from schemas.events import Category, GenerationEvent, Label, Verdict
from services.state.enforcement import Approval

DETECTOR = "registry"
VERSION = "registry-1"


def unapproved_use(
    event: GenerationEvent, approval: Approval | None, now: datetime
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
        detector=DETECTOR,
        category=Category.UNAPPROVED_USE,
        score=1.0,
        label=Label.VIOLATION,
        evidence=evidence,
        model_version=VERSION,
        decided_at=now,
    )


def red_team_approved(event: GenerationEvent, approval: Approval | None) -> bool:
    """Red-team traffic is exempt from sanctions only from an app approved for red-teaming."""
    return event.red_team and approval is not None and approval.red_team
