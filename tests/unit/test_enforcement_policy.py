"""The policy file and the pure decision, table-driven."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.events import Action, Category, Label, Severity, Verdict
from services.enforcement.decide import (
    EventContext,
    case_of,
    decide,
    decide_without_history,
    effect_id,
)
from services.enforcement.policy import (
    DEFAULT_POLICY,
    Policy,
    PolicyFile,
    StateOutage,
    load_policy,
)
from tests.factories import T0, subject

POLICY = load_policy(DEFAULT_POLICY)
NORMAL = EventContext(app_id="app-1", occurred_at=T0, red_team=False, red_team_approved=False)
NOW = T0 + timedelta(seconds=3)


def verdict(category: Category = Category.SPAM, score: float = 0.95, **kw: Any) -> Verdict:
    return Verdict(
        event_id=kw.pop("event_id", "evt-1"),
        account_id="acct-1",
        subject=kw.pop("subject", subject()),
        detector="spam",
        category=category,
        score=score,
        label=Label.VIOLATION,
        evidence={"signals": ["spam_content"]},
        model_version="m",
        decided_at=T0,
        **kw,
    )


def policy_with(**changes: Any) -> Policy:
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw.update(changes)
    return Policy.model_validate(raw)


@pytest.mark.parametrize(
    ("category", "strikes_before", "action"),
    [
        (Category.SPAM, 0, Action.FLAG_FOR_REVIEW),
        (Category.SPAM, 1, Action.THROTTLE),
        (Category.SPAM, 2, Action.BLOCK_GENERATION),
        (Category.SPAM, 3, Action.SUSPEND_API_KEY),
        (Category.SPAM, 4, Action.SUSPEND_ACCOUNT),
        (Category.SPAM, 40, Action.SUSPEND_ACCOUNT),  # the top rung repeats
        (Category.FRAUD_PHISHING, 0, Action.BLOCK_GENERATION),
        (Category.FRAUD_PHISHING, 1, Action.SUSPEND_API_KEY),
        (Category.HUMAN_AUTHORSHIP, 1, Action.REQUIRE_DISCLOSURE),
        (Category.PRIVACY_EXTRACTION, 0, Action.BLOCK_GENERATION),
        (Category.SEXUAL_EXPLOITATION, 0, Action.SUSPEND_ACCOUNT),  # straight to the top
        (Category.ANTISOCIAL_GRAPHIC, 0, Action.FLAG_FOR_REVIEW),  # no rule of its own: defaults
    ],
)
def test_the_ladder_follows_the_strike_count(
    category: Category, strikes_before: int, action: Action
) -> None:
    d = decide(verdict(category), NORMAL, strikes_before, 0, POLICY, NOW)
    assert d.action is not None
    assert d.action.action == action
    assert d.action.strikes == strikes_before + 1
    assert d.strike
    assert d.report is not None
    assert d.report.enforcement_id == d.action.enforcement_id
    assert d.report.report_due_at == T0 + timedelta(hours=24)
    assert d.action.policy_version == POLICY.version
    assert d.action.reason.endswith(f"applies {action.value}.")


def test_a_severe_category_goes_to_a_person_as_well_as_being_sanctioned() -> None:
    d = decide(verdict(Category.SEXUAL_EXPLOITATION), NORMAL, 0, 0, POLICY, NOW)
    assert d.action is not None
    assert d.action.action == Action.SUSPEND_ACCOUNT
    assert d.review is not None
    assert d.review.enforcement_id == d.action.enforcement_id
    assert "to a person as well" in d.review.reason
    # Already suspended: no second suspension, but a person still sees the violation.
    again = decide(
        verdict(Category.SEXUAL_EXPLOITATION, event_id="evt-2"),
        NORMAL,
        1,
        0,
        POLICY,
        NOW,
        in_force=frozenset({"suspend_account@account"}),
    )
    assert again.action is None
    assert again.review is not None
    assert again.report is not None
    # Red-team rules apply unchanged: approved red-teaming is reported, not sanctioned.
    red = replace(NORMAL, red_team=True, red_team_approved=True)
    d = decide(verdict(Category.SEXUAL_EXPLOITATION), red, 0, 0, POLICY, NOW)
    assert (d.action, d.review, d.strike) == (None, None, False)
    assert d.report is not None


def test_every_category_has_words_for_its_reason() -> None:
    from services.enforcement.decide import WHAT

    detected = {c for c in Category if POLICY.categories.get(c) is not None}
    assert detected <= set(WHAT)


def test_below_the_suspect_threshold_nothing_happens() -> None:
    d = decide(verdict(score=0.3), NORMAL, 0, 0, POLICY, NOW)
    assert (d.action, d.review, d.report, d.strike) == (None, None, None, False)


def test_a_suspect_goes_to_review_without_strike_or_report() -> None:
    d = decide(verdict(score=0.6), NORMAL, 2, 0, POLICY, NOW)
    assert d.review is not None
    assert d.review.action == Action.FLAG_FOR_REVIEW
    assert d.review.report_due_at is None
    assert "a person should decide" in d.review.reason
    assert (d.action, d.report, d.strike) == (None, None, False)


def test_approved_red_team_is_reported_never_sanctioned() -> None:
    red = replace(NORMAL, red_team=True, red_team_approved=True)
    d = decide(verdict(), red, 3, 0, POLICY, NOW)
    assert (d.action, d.review, d.strike) == (None, None, False)
    assert d.report is not None
    assert d.report.red_team
    assert d.report.enforcement_id is None


def test_red_team_from_an_app_not_approved_for_it_is_normal_traffic() -> None:
    d = decide(verdict(), replace(NORMAL, red_team=True), 0, 0, POLICY, NOW)
    assert d.action is not None
    assert d.action.red_team
    assert d.report is not None
    assert d.report.red_team
    assert d.strike


def test_past_the_quota_the_action_goes_to_a_person() -> None:
    d = decide(verdict(), NORMAL, 4, 50, POLICY, NOW)  # suspend_account, quota 50 used
    assert d.action is None
    assert d.review is not None
    assert d.review.action == Action.SUSPEND_ACCOUNT
    assert "quota" in d.review.reason
    assert d.strike
    assert d.report is not None


def test_shadow_mode_decides_but_does_not_act() -> None:
    d = decide(verdict(), NORMAL, 0, 0, policy_with(shadow_mode=True), NOW)
    assert d.action is None
    assert d.shadow_action is not None
    assert d.report is not None  # reporting is a duty, not an act


@pytest.mark.parametrize("shadow", [False, True])
def test_without_strike_history_a_violation_is_reported_and_held_for_a_person(
    shadow: bool,
) -> None:
    d = decide_without_history(
        verdict(Category.FRAUD_PHISHING), NORMAL, policy_with(shadow_mode=shadow), NOW
    )
    assert d.action is None
    assert d.shadow_action is None
    assert d.report is not None
    assert d.report.report_due_at == T0 + timedelta(hours=24)
    assert d.strike  # written once the state store is back
    assert d.review is not None
    assert d.review.action == Action.BLOCK_GENERATION  # the first rung it would have applied
    assert d.review.evidence["state"] == "unavailable"
    assert "strike history" in d.review.reason


def test_without_strike_history_suspects_and_red_team_are_decided_as_usual() -> None:
    assert decide_without_history(verdict(score=0.1), NORMAL, POLICY, NOW) == decide(
        verdict(score=0.1), NORMAL, 0, 0, POLICY, NOW
    )
    suspect = decide_without_history(verdict(score=0.6), NORMAL, POLICY, NOW)
    assert suspect.review is not None
    assert suspect.report is None
    assert not suspect.strike
    red = replace(NORMAL, red_team=True, red_team_approved=True)
    d = decide_without_history(verdict(), red, POLICY, NOW)
    assert d.report is not None
    assert d.report.red_team
    assert d.review is None
    assert not d.strike


def test_the_policy_fails_closed_unless_it_says_otherwise() -> None:
    assert POLICY.when_state_unavailable is StateOutage.FAIL_CLOSED
    assert policy_with(when_state_unavailable="fail_open").when_state_unavailable is (
        StateOutage.FAIL_OPEN
    )


def test_ids_are_deterministic_per_event_and_category() -> None:
    a = decide(verdict(), NORMAL, 0, 0, POLICY, NOW)
    b = decide(verdict(), NORMAL, 3, 0, POLICY, NOW + timedelta(hours=1))
    c = decide(verdict(Category.FRAUD_PHISHING), NORMAL, 0, 0, POLICY, NOW)
    assert a.action is not None
    assert b.action is not None
    assert c.action is not None
    assert (
        a.action.enforcement_id
        == b.action.enforcement_id
        == effect_id("enf", "evt-1", Category.SPAM)
    )
    assert c.action.enforcement_id != a.action.enforcement_id
    assert a.action.severity == Severity.LOW


def test_a_case_is_one_account_one_category_one_span_of_the_cooldown() -> None:
    def case(category: Category = Category.SPAM, minutes: int = 0, **kw: Any) -> str:
        at = subject(occurred_at=T0.replace(minute=0) + timedelta(minutes=minutes))
        return case_of(verdict(category, subject=at, **kw), POLICY)

    assert case() == case(minutes=59, event_id="evt-2")  # one span of 60 minutes
    assert case() != case(minutes=60)
    assert case() != case(Category.FRAUD_PHISHING)
    longer = POLICY.model_copy(
        update={"defaults": POLICY.defaults.model_copy(update={"case_cooldown_minutes": 120})}
    )
    assert T0.hour == 12  # spans of 120 minutes start at even hours: 12:00 and 13:00 share one
    noon, one = (verdict(subject=subject(occurred_at=T0 + timedelta(hours=h))) for h in (0, 1))
    assert case_of(noon, longer) == case_of(one, longer)
    assert case_of(noon, POLICY) != case_of(one, POLICY)


def test_a_violation_of_an_open_case_is_no_strike_and_no_repeat_of_what_is_in_force() -> None:
    first = decide(verdict(), NORMAL, 0, 0, POLICY, NOW)
    assert first.strike
    assert first.action is not None
    assert first.in_force is not None
    again = decide(
        verdict(event_id="evt-2"),
        NORMAL,
        1,
        0,
        POLICY,
        NOW,
        case_open=True,
        in_force=frozenset({first.in_force}),
    )
    assert (again.strike, again.action, again.case_id) == (False, None, first.case_id)
    assert again.report is not None
    assert again.report.case_id == first.case_id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": ""}, "version"),
        ({"categories": {"spam": {"case_cooldown_minutes": 0}}}, "case_cooldown_minutes"),
        ({"shadow_mode": "sometimes"}, "shadow_mode"),
        ({"when_state_unavailable": "shrug"}, "when_state_unavailable"),
        ({"surprise": 1}, "surprise"),
        ({"quotas_per_hour": {"nuke_account": 1}}, "quotas_per_hour"),
        ({"categories": {"spam": {"suspect_at": 0.9, "violation_at": 0.5}}}, "suspect_at"),
        ({"categories": {"not.a.category": {}}}, "categories"),
        ({"categories": {"spam": {"ladder": []}}}, "ladder"),
    ],
)
def test_invalid_policies_are_refused_with_the_reason(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw.update(change)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match=message):
        load_policy(path)


def test_a_policy_file_reloads_on_change_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    path.write_text(yaml.safe_dump(raw))
    live = PolicyFile(path)
    assert not live.refresh()
    raw["version"] = "v2"
    path.write_text(yaml.safe_dump(raw))
    os.utime(path, (1, 1))
    assert live.refresh()
    assert live.policy.version == "v2"
    path.write_text("version: [broken")
    os.utime(path, (2, 2))
    assert not live.refresh()
    assert live.policy.version == "v2"
