"""Component tier: the enforcer's batch logic on the in-memory state store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from schemas.events import Action, Category, Channel, Label, Verdict
from services import registry
from services.enforcement.approval import red_team_approved, unapproved_use
from services.enforcement.enforcer import Enforcer, Outcome
from services.enforcement.outage import PendingWrites
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.state.enforcement import Effect, LoadRequest, MemoryEnforcementState
from tests.factories import T0, event, subject

POLICY = load_policy(DEFAULT_POLICY)
NOW = T0 + timedelta(seconds=5)


def verdict(
    n: int, category: Category = Category.SPAM, score: float = 0.95, red_team: bool = False
) -> Verdict:
    return Verdict(
        event_id=f"evt-{n}",
        account_id="acct-1",
        subject=subject(red_team=red_team),
        detector="spam",
        category=category,
        score=score,
        label=Label.VIOLATION,
        evidence={},
        model_version="m",
        decided_at=T0,
    )


def enforcer_with(
    state: MemoryEnforcementState | None = None, red_team_apps: frozenset[str] = frozenset()
) -> Enforcer:
    """An enforcer on the in-memory store; `red_team_apps` are approved for red-teaming."""
    return Enforcer(state or MemoryEnforcementState(), lambda: POLICY, red_team_apps.__contains__)


def run(enforcer: Enforcer, verdicts: list[Verdict]) -> Outcome:
    async def go() -> Outcome:
        out = await enforcer.enforce(verdicts, NOW)
        await enforcer.state.commit(out.effects, 0)
        return out

    return asyncio.run(go())


def actions(out: Outcome) -> list[Action | None]:
    return [d.action.action if d.action else None for _, d in out.decisions]


def test_strikes_accumulate_within_a_batch_and_across_batches() -> None:
    enforcer = enforcer_with()
    first = run(enforcer, [verdict(0), verdict(1), verdict(2)])
    second = run(enforcer, [verdict(3), verdict(4)])
    assert actions(first) + actions(second) == [
        Action.FLAG_FOR_REVIEW,
        Action.THROTTLE,
        Action.BLOCK_GENERATION,
        Action.SUSPEND_API_KEY,
        Action.SUSPEND_ACCOUNT,
    ]


def test_a_suspect_case_revised_into_a_violation_is_sanctioned_once() -> None:
    """A detector that learns more later (a farm proven one operator after its first posts were
    judged) sends a second verdict for the same event: the review stays, the violation is
    enforced and reported, and replays of either change nothing."""
    enforcer = enforcer_with()
    suspect = verdict(0, score=0.6).model_copy(update={"label": Label.SUSPECT})
    first = run(enforcer, [suspect])
    revised = run(enforcer, [verdict(0)])
    again = run(enforcer, [suspect, verdict(0)])
    (_, review), (_, violation) = first.decisions + revised.decisions
    assert review.review is not None
    assert review.report is None
    assert violation.action is not None
    assert violation.report is not None
    assert review.review.enforcement_id != violation.action.enforcement_id
    assert again.decisions == []
    assert again.replayed == 2


def test_replayed_and_duplicated_verdicts_change_nothing() -> None:
    enforcer = enforcer_with()
    run(enforcer, [verdict(0), verdict(1)])
    again = run(enforcer, [verdict(0), verdict(1), verdict(1)])
    assert again.decisions == []
    assert again.replayed == 3
    duplicated = enforcer_with()
    out = run(duplicated, [verdict(0), verdict(0)])
    assert len(out.decisions) == 1
    assert out.replayed == 1


def test_approved_red_team_traffic_gets_reports_and_no_strikes() -> None:
    enforcer = enforcer_with(red_team_apps=frozenset({"app-1"}))
    out = run(enforcer, [verdict(i, red_team=True) for i in range(3)])
    assert actions(out) == [None, None, None]
    assert all(d.report and d.report.red_team and not d.strike for _, d in out.decisions)
    (loaded,), _, _ = asyncio.run(
        enforcer.state.load([LoadRequest("acct-1", "spam", "enf-x", 0)], 0)
    )
    assert loaded.strikes == 0


def test_red_team_traffic_from_an_app_not_approved_for_it_is_sanctioned() -> None:
    out = run(enforcer_with(), [verdict(0, red_team=True)])
    assert actions(out) == [Action.FLAG_FOR_REVIEW]
    ((_, decision),) = out.decisions
    assert decision.strike


def test_the_hourly_quota_counts_actions_of_this_batch() -> None:
    tight = POLICY.model_copy(update={"quotas_per_hour": {Action.FLAG_FOR_REVIEW: 1}})
    enforcer = Enforcer(MemoryEnforcementState(), lambda: tight, lambda _: False)
    verdicts = [verdict(i).model_copy(update={"account_id": f"acct-{i}"}) for i in range(3)]
    out = run(enforcer, verdicts)
    assert actions(out) == [Action.FLAG_FOR_REVIEW, None, None]
    assert all(d.review is not None for _, d in out.decisions[1:])


def test_unapproved_apps_and_channels_are_a_violation() -> None:
    approval = registry.approval("app-1", "support replies", [Channel.EMAIL])
    on_email = event(channel="email", app_id="app-1")
    on_sms = event(channel="sms", app_id="app-1")
    assert unapproved_use(on_email, approval, NOW) is None
    wrong_channel = unapproved_use(on_sms, approval, NOW)
    never = unapproved_use(on_email, None, NOW)
    assert wrong_channel is not None
    assert never is not None
    assert wrong_channel.category == never.category == Category.UNAPPROVED_USE
    assert wrong_channel.evidence["signals"] == ["channel_not_approved"]
    assert never.evidence["signals"] == ["app_not_approved"]
    assert not red_team_approved(event(red_team=True), approval)
    assert red_team_approved(
        event(red_team=True), registry.approval("app-1", "red team", list(Channel), red_team=True)
    )


def test_without_state_it_decides_from_memory_and_sanctions_nothing() -> None:
    enforcer = enforcer_with()
    out = enforcer.decide_without_state([verdict(1), verdict(1)], NOW)
    assert out.replayed == 1  # the same verdict twice in a batch
    ((_, decision),) = out.decisions
    assert decision.action is None
    assert decision.report is not None
    assert decision.review
    (effect,) = out.effects
    assert effect.strike
    assert effect.action is None


def test_strikes_decided_during_an_outage_count_once_written() -> None:
    state = MemoryEnforcementState()
    enforcer = enforcer_with(state)
    pending = PendingWrites()
    outage = enforcer.decide_without_state([verdict(0), verdict(1)], NOW)
    pending.add_effects(outage.effects, 0)
    log = MemoryLog()
    asyncio.run(pending.flush(state, log))  # type: ignore[arg-type]
    asyncio.run(pending.flush(state, log))  # type: ignore[arg-type]  # a second flush: no-op
    assert not pending
    out = run(enforcer, [verdict(1), verdict(2)])
    assert out.replayed == 1  # evt-1 was decided during the outage
    ((_, third),) = out.decisions
    assert third.action is not None
    assert third.action.strikes == 3
    assert third.action.action == Action.BLOCK_GENERATION


class MemoryLog:
    def __init__(self) -> None:
        self.records: list[object] = []

    async def record(self, *args: object) -> None:
        self.records.append(args)


def test_pending_writes_are_bounded_and_keep_the_newest() -> None:
    pending = PendingWrites(capacity=2)
    pending.add_effects(
        [Effect("a", "spam", f"enf-{i}", 0, True, 3600, None) for i in range(5)], hour=0
    )
    assert [e.effect_id for e, _ in pending.effects] == ["enf-3", "enf-4"]
    assert pending.dropped == 3
