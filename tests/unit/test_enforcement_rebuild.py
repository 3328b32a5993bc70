"""The enforcer's state rebuilt from what it published equals the state it kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from schemas.events import Category, EnforcementEvent, Label, Verdict, ViolationReport
from services.enforcement.decide import hour_bucket, in_force_of, reversal
from services.enforcement.enforcer import Enforcer
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.enforcement.rebuild import replay
from services.state.enforcement import EnforcementState
from services.state.enforcement.applied import MemoryAppliedMarks
from services.state.enforcement.in_force import MemoryActionsInForce
from services.state.enforcement.quotas import MemoryActionQuotas
from services.state.enforcement.strikes import MemoryStrikes
from tests.factories import T0, subject

POLICY = load_policy(DEFAULT_POLICY)


def verdict(n: int, account: str, category: Category, score: float, red_team: bool) -> Verdict:
    return Verdict(
        event_id=f"evt-{n}",
        account_id=account,
        # 2 minutes apart: several cases per account and category, several verdicts per case.
        subject=subject(
            app_id="app-red" if red_team else "app-1",
            red_team=red_team,
            occurred_at=T0 + timedelta(minutes=2 * n),
        ),
        detector="t",
        category=category,
        score=score,
        label=Label.VIOLATION,
        model_version="m",
        decided_at=T0,
    )


def test_the_rebuilt_state_equals_the_state_the_enforcer_kept() -> None:
    kept = EnforcementState.memory()
    enforcer = Enforcer(kept, lambda: POLICY, lambda app: app == "app-red")
    actions: list[EnforcementEvent] = []
    reviews: list[EnforcementEvent] = []
    reports: list[ViolationReport] = []
    mix = [(Category.SPAM, 0.95), (Category.SPAM, 0.6), (Category.FRAUD_PHISHING, 0.97)]
    for n in range(60):
        category, score = mix[n % 3]
        now = T0 + timedelta(minutes=7 * n)  # across hours: quotas of several hours
        v = verdict(n, f"acct-{n % 4}", category, score, red_team=n % 10 == 0)
        out = asyncio.run(enforcer.enforce([v, v], now))  # a repeat in the batch, too
        asyncio.run(kept.commit(out.effects, hour_bucket(now)))
        for _, d in out.decisions:
            actions += [d.action] if d.action else []
            reviews += [d.review] if d.review else []
            reports += [d.report] if d.report else []
    undone = actions[3]
    assert undone.case_id is not None
    asyncio.run(
        kept.reverse(undone.account_id, undone.category.value, undone.case_id, in_force_of(undone))
    )
    actions.append(reversal(undone, "false positive", undone.strikes - 1, T0 + timedelta(days=1)))

    # At-least-once delivery: the topics may hold some records twice.
    replayed = replay(actions + actions[:5], reviews, reports + reports[:5], POLICY)
    rebuilt = EnforcementState.memory(whole=False)
    for hour, effects in replayed.effects_by_hour.items():
        asyncio.run(rebuilt.commit(effects, hour))

    assert _contents(rebuilt) == _contents(kept)
    assert len(replayed.reports) == len(reports) + 5  # the operator's log: every record
    assert any(r.red_team and r.enforcement_id is None for r in reports)  # red team covered
    assert reviews  # suspects covered
    cases = {r.case_id for r in reports if r.case_id}
    assert len(cases) < len([r for r in reports if r.case_id])  # cases joined, too
    strikes = _contents(kept)[1]
    assert sum(len(s) for s in strikes.values()) == len(cases) - 1  # one reversed


def _contents(state: EnforcementState) -> tuple[Any, dict[Any, Any], dict[Any, Any], Any]:
    """What an in-memory state holds: applied marks, strikes, actions in force, quota counts
    (without the empty entries a reversal leaves)."""
    assert isinstance(state.applied, MemoryAppliedMarks)
    assert isinstance(state.strikes, MemoryStrikes)
    assert isinstance(state.in_force, MemoryActionsInForce)
    assert isinstance(state.quotas, MemoryActionQuotas)
    return (
        state.applied.marked,
        {k: v for k, v in state.strikes.held.items() if v},
        {k: v for k, v in state.in_force.held.items() if v},
        state.quotas.counted,
    )


def test_an_empty_record_rebuilds_an_empty_store() -> None:
    replayed = replay([], [], [], POLICY)
    assert replayed.effects == 0
    assert replayed.effects_by_hour == {}


def test_an_action_without_its_report_proves_nothing() -> None:
    """An enforcer killed after a batch's actions were acknowledged but before its reports:
    the violation is left unmarked, so its verdict (never committed) is decided again and
    reported, instead of being skipped as applied."""
    enforcer = Enforcer(EnforcementState.memory(), lambda: POLICY, lambda _: False)
    out = asyncio.run(enforcer.enforce([verdict(1, "acct-1", Category.SPAM, 0.95, False)], T0))
    ((_, decision),) = out.decisions
    assert decision.action is not None
    assert decision.report is not None
    assert replay([decision.action], [], [], POLICY).effects == 0
    assert replay([decision.action], [], [decision.report], POLICY).effects == 1
