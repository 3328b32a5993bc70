"""Component tier: the enforcer's batch logic on the in-memory state store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from schemas.events import Action, Category, Channel, Label, Verdict
from services import registry
from services.approval.rules import red_team_approved, unapproved_use
from services.enforcement.enforcer import Enforcer, Outcome
from services.enforcement.outage import PendingWrites
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.state.enforcement import Effect, EnforcementState, LoadRequest
from services.state.enforcement.quotas import MemoryActionQuotas
from services.state.enforcement.strikes import MemoryStrikes
from tests.factories import T0, event, subject

POLICY = load_policy(DEFAULT_POLICY)
NOW = T0 + timedelta(seconds=5)


def verdict(
    n: int,
    category: Category = Category.SPAM,
    score: float = 0.95,
    red_team: bool = False,
    case: int = 0,
    api_key: str = "key-1",
) -> Verdict:
    """The n-th verdict on acct-1; `case` moves its generation into another span of the case
    cooldown (an hour later each)."""
    return Verdict(
        event_id=f"evt-{n}",
        account_id="acct-1",
        subject=subject(
            red_team=red_team,
            occurred_at=T0 + timedelta(minutes=61 * case),
            api_key_id=api_key,
        ),
        detector="spam",
        category=category,
        score=score,
        label=Label.VIOLATION,
        evidence={},
        model_version="m",
        decided_at=T0,
    )


def enforcer_with(
    state: EnforcementState | None = None, red_team_apps: frozenset[str] = frozenset()
) -> Enforcer:
    """An enforcer on the in-memory store; `red_team_apps` are approved for red-teaming."""
    return Enforcer(state or EnforcementState.memory(), lambda: POLICY, red_team_apps.__contains__)


def run(enforcer: Enforcer, verdicts: list[Verdict]) -> Outcome:
    async def go() -> Outcome:
        out = await enforcer.enforce(verdicts, NOW)
        await enforcer.state.commit(out.effects, 0)
        return out

    return asyncio.run(go())


def actions(out: Outcome) -> list[Action | None]:
    return [d.action.action if d.action else None for _, d in out.decisions]


def test_strikes_count_cases_within_a_batch_and_across_batches() -> None:
    enforcer = enforcer_with()
    first = run(enforcer, [verdict(n, case=n) for n in range(3)])
    second = run(enforcer, [verdict(n, case=n) for n in range(3, 5)])
    assert actions(first) + actions(second) == [
        Action.FLAG_FOR_REVIEW,
        Action.THROTTLE,
        Action.BLOCK_GENERATION,
        Action.SUSPEND_API_KEY,
        Action.SUSPEND_ACCOUNT,
    ]
    assert len({d.case_id for _, d in first.decisions + second.decisions}) == 5


def test_a_campaign_in_one_cooldown_is_one_case_one_strike_one_sanction() -> None:
    """200 spam messages in one hour: one case, one strike, one flag for review, 200 reports
    that all name the case, and a quota that counted one sanction."""
    state = EnforcementState.memory()
    enforcer = enforcer_with(state)
    outs = [run(enforcer, [verdict(n) for n in range(i, i + 50)]) for i in range(0, 200, 50)]
    decisions = [d for out in outs for _, d in out.decisions]
    assert [a for out in outs for a in actions(out) if a] == [Action.FLAG_FOR_REVIEW]
    assert sum(d.report is not None for d in decisions) == 200
    assert {d.report.case_id for d in decisions if d.report} == {decisions[0].case_id}
    assert sum(d.strike for d in decisions) == 1
    strikes, quotas = state.strikes, state.quotas
    assert isinstance(strikes, MemoryStrikes)
    assert isinstance(quotas, MemoryActionQuotas)
    assert sum(len(s) for s in strikes.held.values()) == 1
    assert sum(quotas.counted.values()) == 1
    # The next hour is the next case: the second rung.
    later = run(enforcer, [verdict(300, case=1), verdict(301, case=1)])
    assert actions(later) == [Action.THROTTLE, None]


def test_an_action_in_force_on_its_subject_is_not_applied_again() -> None:
    """Phishing's ladder is block_generation, suspend_api_key, suspend_account. A block acts on
    one generation, so each lure of a case is blocked; a key is suspended once, and a second
    key of the same case is suspended too; an account already suspended is not again."""
    phish = partial(verdict, category=Category.FRAUD_PHISHING)
    enforcer = enforcer_with()
    first = run(enforcer, [phish(0), phish(1), phish(2)])
    assert actions(first) == [Action.BLOCK_GENERATION] * 3
    second = run(enforcer, [phish(3, case=1), phish(4, case=1), phish(5, case=1, api_key="k2")])
    assert actions(second) == [Action.SUSPEND_API_KEY, None, Action.SUSPEND_API_KEY]
    third = run(enforcer, [phish(6, case=2), phish(7, case=2)])
    fourth = run(enforcer, [phish(8, case=3)])
    assert actions(third) == [Action.SUSPEND_ACCOUNT, None]
    assert actions(fourth) == [None]  # the account is still suspended: strike and report only
    ((_, d),) = fourth.decisions
    assert d.strike
    assert d.report is not None


def test_a_late_violation_joins_its_own_case_on_that_cases_rung() -> None:
    """Partitions and redeliveries reorder verdicts: a violation of an earlier case read after a
    later case opened gets the earlier case's rung, not the latest."""
    phish = partial(verdict, category=Category.FRAUD_PHISHING)
    enforcer = enforcer_with()
    run(enforcer, [phish(0, case=0), phish(1, case=1), phish(2, case=2)])
    late = run(enforcer, [phish(3, case=0)])
    assert actions(late) == [Action.BLOCK_GENERATION]  # case 0's rung: its own generation
    ((_, d),) = late.decisions
    assert not d.strike
    assert d.action is not None
    assert d.action.strikes == 1


def test_an_action_held_for_a_person_is_held_once_per_subject() -> None:
    """Past the hourly quota the action goes to a person, once: the rest of the case waits on
    that decision instead of filling the queue with it."""
    policy = POLICY.model_copy(update={"quotas_per_hour": {Action.FLAG_FOR_REVIEW: 0}})
    enforcer = Enforcer(EnforcementState.memory(), lambda: policy, lambda _: False)
    out = run(enforcer, [verdict(n) for n in range(5)])
    assert [d.review is not None for _, d in out.decisions] == [True] + [False] * 4
    assert all(d.report is not None for _, d in out.decisions)


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
    enforcer = Enforcer(EnforcementState.memory(), lambda: tight, lambda _: False)
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
    state = EnforcementState.memory()
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
