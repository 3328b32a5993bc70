"""Component tier: the enforcer's batch logic on the in-memory state store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from schemas.events import Action, Category, Channel, Label, Verdict
from services import registry
from services.enforcement.approval import red_team_approved, unapproved_use
from services.enforcement.enforcer import Enforcer, Outcome
from services.enforcement.outage import PendingWrites, RecentContexts
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.state.enforcement import (
    ContextWrite,
    LoadRequest,
    MemoryEnforcementState,
    StoredContext,
)
from tests.factories import T0, event

POLICY = load_policy(DEFAULT_POLICY)
NOW = T0 + timedelta(seconds=5)


def verdict(n: int, category: Category = Category.SPAM, score: float = 0.95) -> Verdict:
    return Verdict(
        event_id=f"evt-{n}",
        account_id="acct-1",
        detector="spam",
        category=category,
        score=score,
        label=Label.VIOLATION,
        evidence={},
        model_version="m",
        decided_at=T0,
    )


def with_contexts(n: int, red_team: bool = False, approved: bool = False) -> MemoryEnforcementState:
    state = MemoryEnforcementState()
    asyncio.run(
        state.put_contexts(
            [
                ContextWrite("acct-1", f"evt-{i}", StoredContext("app-1", T0, red_team, approved))
                for i in range(n)
            ]
        )
    )
    return state


def run(enforcer: Enforcer, verdicts: list[Verdict]) -> Outcome:
    async def go() -> Outcome:
        out = await enforcer.enforce(verdicts, NOW)
        await enforcer.state.commit(out.effects, 0)
        return out

    return asyncio.run(go())


def actions(out: Outcome) -> list[Action | None]:
    return [d.action.action if d.action else None for _, d in out.decisions]


def test_strikes_accumulate_within_a_batch_and_across_batches() -> None:
    enforcer = Enforcer(with_contexts(5), lambda: POLICY)
    first = run(enforcer, [verdict(0), verdict(1), verdict(2)])
    second = run(enforcer, [verdict(3), verdict(4)])
    assert actions(first) + actions(second) == [
        Action.FLAG_FOR_REVIEW,
        Action.THROTTLE,
        Action.BLOCK_GENERATION,
        Action.SUSPEND_API_KEY,
        Action.SUSPEND_ACCOUNT,
    ]


def test_replayed_and_duplicated_verdicts_change_nothing() -> None:
    enforcer = Enforcer(with_contexts(2), lambda: POLICY)
    run(enforcer, [verdict(0), verdict(1)])
    again = run(enforcer, [verdict(0), verdict(1), verdict(1)])
    assert again.decisions == []
    assert again.replayed == 3
    duplicated = Enforcer(with_contexts(1), lambda: POLICY)
    out = run(duplicated, [verdict(0), verdict(0)])
    assert len(out.decisions) == 1
    assert out.replayed == 1


def test_a_verdict_without_its_event_context_waits() -> None:
    enforcer = Enforcer(MemoryEnforcementState(), lambda: POLICY)
    out = run(enforcer, [verdict(0)])
    assert [v.event_id for v in out.missing_context] == ["evt-0"]
    assert out.effects == []


def test_approved_red_team_traffic_gets_reports_and_no_strikes() -> None:
    enforcer = Enforcer(with_contexts(3, red_team=True, approved=True), lambda: POLICY)
    out = run(enforcer, [verdict(0), verdict(1), verdict(2)])
    assert actions(out) == [None, None, None]
    assert all(d.report and d.report.red_team and not d.strike for _, d in out.decisions)
    (loaded,), _ = asyncio.run(
        enforcer.state.load([LoadRequest("acct-1", "evt-9", "spam", "enf-x", 0)], 0)
    )
    assert loaded.strikes == 0


def test_the_hourly_quota_counts_actions_of_this_batch() -> None:
    tight = POLICY.model_copy(update={"quotas_per_hour": {Action.FLAG_FOR_REVIEW: 1}})
    state = MemoryEnforcementState()
    asyncio.run(
        state.put_contexts(
            [
                ContextWrite(f"acct-{i}", f"evt-{i}", StoredContext("app-1", T0, False, False))
                for i in range(3)
            ]
        )
    )
    enforcer = Enforcer(state, lambda: tight)
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
    enforcer = Enforcer(MemoryEnforcementState(), lambda: POLICY)
    memory = {"evt-1": StoredContext("app-1", T0, False, False)}
    out = enforcer.decide_without_state([verdict(1), verdict(1), verdict(2)], memory.get, NOW)
    assert out.replayed == 1  # the same verdict twice in a batch
    assert [v.event_id for v in out.missing_context] == ["evt-2"]  # waits, as with Redis
    ((_, decision),) = out.decisions
    assert decision.action is None
    assert decision.report is not None
    assert decision.review
    (effect,) = out.effects
    assert effect.strike
    assert effect.action is None


def test_strikes_decided_during_an_outage_count_once_written() -> None:
    state = with_contexts(3)
    enforcer = Enforcer(state, lambda: POLICY)
    memory = {f"evt-{i}": StoredContext("app-1", T0, False, False) for i in range(3)}
    pending = PendingWrites()
    outage = enforcer.decide_without_state([verdict(0), verdict(1)], memory.get, NOW)
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
    pending.add_contexts(
        [ContextWrite("a", f"evt-{i}", StoredContext("app", T0, False, False)) for i in range(5)]
    )
    assert [w.event_id for w in pending.contexts] == ["evt-3", "evt-4"]
    assert pending.dropped == 3


def test_recent_contexts_forget_the_oldest() -> None:
    recent = RecentContexts(capacity=2)
    for i in range(3):
        recent.put(f"evt-{i}", StoredContext("app", T0, False, False))
    assert recent.get("evt-0") is None
    assert recent.get("evt-2") is not None
    assert len(recent) == 2
