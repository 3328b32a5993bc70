"""The enforcer end to end on real Kafka and Redis: SDK → gateway → enforcer, with verdicts
published as a detector would."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import redis
import yaml
from kafka import KafkaProducer

from schemas.codec import encode, encode_key
from schemas.events import (
    Action,
    Category,
    EnforcementEvent,
    Label,
    Verdict,
    ViolationReport,
)
from schemas.topics import ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, ENFORCEMENT_REVIEW, VERDICTS
from services.enforcement.enforcer import Enforcer
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.state.enforcement import EnforcementState
from tests.factories import T0, event, subject
from tests.integration.conftest import OWN_REDIS_URL
from tests.integration.harness import (
    approve,
    decode_all,
    group_lag,
    read_all,
    scrape,
    total,
    wait_for,
)
from usewatch.admin import end_offsets
from usewatch.localstack import ServiceProcess, Stack
from usewatch.operator import account_view, recent_reports
from usewatch.operator import reverse as operator_reverse
from usewatch.sdk import Emitter
from usewatch.settings import ClientSettings

POLICY = load_policy(DEFAULT_POLICY)


def publish_verdicts(stack: Stack, prefix: str, verdicts: list[Verdict]) -> None:
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    for v in verdicts:
        producer.send(VERDICTS.full_name(prefix), key=encode_key(v.account_id), value=encode(v))
    producer.flush()
    producer.close()


def spam_verdict(
    account: str,
    n: int,
    score: float = 0.95,
    app_id: str = "app-1",
    red_team: bool = False,
    case: int = 0,
) -> Verdict:
    """A spam violation of `account`'s n-th event. Its generation occurred now, or `case`
    times 61 minutes ago: verdicts with different `case`s are in different cases (the policy's
    cooldown is an hour), so each is a strike of its own."""
    occurred_at = datetime.now(UTC) - timedelta(minutes=61 * case)
    return Verdict(
        event_id=f"{account}-{n}",
        account_id=account,
        subject=subject(app_id=app_id, red_team=red_team, occurred_at=occurred_at),
        detector="spam",
        category=Category.SPAM,
        score=score,
        label=Label.VIOLATION,
        evidence={"signals": ["spam_content"]},
        model_version="m",
        decided_at=T0,
    )


def published(stack: Stack, prefix: str) -> tuple[list[EnforcementEvent], list[ViolationReport]]:
    """Everything on enforcement.actions and enforcement.reports, decoded."""
    return (
        decode_all(
            EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
        ),
        decode_all(
            ViolationReport, read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))
        ),
    )


def settle(stack: Stack, prefix: str) -> None:
    wait_for(
        lambda: (
            group_lag(stack.bootstrap, f"{prefix}usewatch-enforcement", VERDICTS.full_name(prefix))
            == 0
        ),
        60,
        "the enforcer to catch up",
    )


def test_ladder_replay_red_team_and_unapproved_use(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    approve(stack.bootstrap, prefix, "app-normal")
    approve(stack.bootstrap, prefix, "app-redteam", red_team=True)
    now = datetime.now(UTC).isoformat()
    normal = [
        event(n, event_id=f"acct-n-{n}", account_id="acct-n", app_id="app-normal", occurred_at=now)
        for n in range(5)
    ]
    red = [
        event(
            n,
            event_id=f"acct-r-{n}",
            account_id="acct-r",
            app_id="app-redteam",
            red_team=True,
            occurred_at=now,
        )
        for n in range(3)
    ]
    rogue = event(
        0, event_id="acct-u-0", account_id="acct-u", app_id="app-unknown", occurred_at=now
    )
    service("gateway")
    service("approval")
    service("enforcement", METRICS_PORT=str(METRICS_PORT))
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many([*normal, *red, rogue])
    # Five cases (an hour apart), so five strikes: the ladder.
    verdicts = [spam_verdict("acct-n", n, app_id="app-normal", case=4 - n) for n in range(5)]
    verdicts += [spam_verdict("acct-r", n, app_id="app-redteam", red_team=True) for n in range(3)]
    published_at = datetime.now(UTC)
    publish_verdicts(stack, prefix, verdicts)

    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) >= 9,
        60,
        "nine reports",
    )
    settle(stack, prefix)
    publish_verdicts(stack, prefix, verdicts)  # the same verdicts again: nothing may change
    settle(stack, prefix)
    time.sleep(1)

    actions, reports = published(stack, prefix)
    by_account: dict[str, list[EnforcementEvent]] = {}
    for a in actions:
        by_account.setdefault(a.account_id, []).append(a)
    ladder = sorted(by_account["acct-n"], key=lambda a: a.strikes)
    assert [a.action for a in ladder] == [
        Action.FLAG_FOR_REVIEW,
        Action.THROTTLE,
        Action.BLOCK_GENERATION,
        Action.SUSPEND_API_KEY,
        Action.SUSPEND_ACCOUNT,
    ]
    assert all(a.app_id == "app-normal" and a.reason for a in ladder)
    assert "acct-r" not in by_account  # red team: never sanctioned
    (unapproved,) = by_account["acct-u"]
    assert unapproved.category == Category.UNAPPROVED_USE
    assert unapproved.action == Action.BLOCK_GENERATION

    assert len(reports) == 9  # 5 + 3 red team + 1 unapproved, replay added none
    red_reports = [r for r in reports if r.account_id == "acct-r"]
    assert len(red_reports) == 3
    assert all(r.red_team and r.enforcement_id is None for r in red_reports)
    for r in reports:
        assert (r.report_due_at - r.occurred_at).total_seconds() == 24 * 3600
        assert (r.reported_at - published_at).total_seconds() < 120  # reported in seconds

    metrics = scrape(METRICS_PORT)
    assert total(metrics, "usewatch_report_latency_seconds_count") == 9
    oldest = 4 * 61 * 60  # the first case's generation
    assert oldest < total(metrics, "usewatch_report_oldest_open_age_seconds") < oldest + 120
    assert total(metrics, "usewatch_enforcement_actions_total") == 6
    assert total(metrics, "usewatch_enforcement_actions_total", 'action="suspend_account"') == 1


METRICS_PORT = 19464


def test_a_policy_edit_takes_effect_without_a_restart(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess], tmp_path: Path
) -> None:
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw["version"] = "strict-1"
    raw["categories"]["spam"]["violation_at"] = 0.99
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw))
    approve(stack.bootstrap, prefix, "app-1")
    events = [
        event(n, event_id=f"acct-p-{n}", account_id="acct-p", app_id="app-1") for n in range(2)
    ]
    service("gateway")
    service("enforcement", ENFORCEMENT_POLICY_PATH=str(policy))
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events)

    publish_verdicts(stack, prefix, [spam_verdict("acct-p", 0, score=0.95)])
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REVIEW.full_name(prefix))) == 1,
        60,
        "a review request under the strict policy",
    )

    raw["version"] = "lenient-2"
    raw["categories"]["spam"]["violation_at"] = 0.9
    policy.write_text(yaml.safe_dump(raw))
    os.utime(policy, (time.time() + 5, time.time() + 5))
    time.sleep(2.5)  # the enforcer looks at the file every second
    publish_verdicts(stack, prefix, [spam_verdict("acct-p", 1, score=0.95)])
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))) == 1,
        60,
        "an action under the edited policy",
    )
    (action,) = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
    )
    assert action.policy_version == "lenient-2"


def test_operator_reverses_an_action_and_sees_the_account_and_open_reports(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    approve(stack.bootstrap, prefix, "app-op")
    now = datetime.now(UTC).isoformat()
    events = [
        event(n, event_id=f"acct-o-{n}", account_id="acct-o", app_id="app-op", occurred_at=now)
        for n in range(3)
    ]
    service("gateway")
    service("enforcement")
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events)
    publish_verdicts(
        stack, prefix, [spam_verdict("acct-o", n, app_id="app-op", case=n) for n in range(3)]
    )
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))) == 3,
        60,
        "three actions",
    )
    settle(stack, prefix)
    client = ClientSettings(
        kafka_bootstrap_servers=stack.bootstrap, redis_url=stack.redis_url, topic_prefix=prefix
    )
    before = asyncio.run(account_view(client, "acct-o"))
    assert before.strikes == {"spam": 3}
    assert sum(isinstance(i, ViolationReport) for i in before.recent) == 3

    last = max(
        decode_all(
            EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
        ),
        key=lambda a: a.strikes,
    )
    undo = asyncio.run(operator_reverse(client, last.enforcement_id, "false positive: opt-in list"))
    assert undo.reverses == last.enforcement_id
    assert asyncio.run(account_view(client, "acct-o")).strikes == {"spam": 2}
    published = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
    )
    assert [a.reverses for a in published if a.reverses] == [last.enforcement_id]
    with pytest.raises(ValueError, match="already reversed"):
        asyncio.run(operator_reverse(client, last.enforcement_id, "again"))

    reports, figures = asyncio.run(recent_reports(client))
    assert len(reports) == 3
    assert figures["report_latency_p99_s"] < 2 * 61 * 60 + 120  # the oldest case: 2 h ago
    assert 0 <= figures["oldest_open_age_s"] < 24 * 3600


def test_fail_open_reports_at_once_sanctions_nothing_and_catches_up(
    stack: Stack,
    prefix: str,
    service: Callable[..., ServiceProcess],
    tmp_path: Path,
    own_redis: Callable[[str], None],
) -> None:
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw["when_state_unavailable"] = "fail_open"
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw))
    redis_url = OWN_REDIS_URL
    approve(stack.bootstrap, prefix, "app-f")
    now = datetime.now(UTC).isoformat()
    events = [
        event(n, event_id=f"acct-f-{n}", account_id="acct-f", app_id="app-f", occurred_at=now)
        for n in range(5)
    ]
    topic = partial(read_all, stack.bootstrap)
    service("gateway")
    service(
        "enforcement",
        ENFORCEMENT_POLICY_PATH=str(policy),
        ENFORCEMENT_FAIL_OPEN_AFTER_S="0.5",
        REDIS_URL=redis_url,
    )
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events[:1])
    publish_verdicts(stack, prefix, [spam_verdict("acct-f", 0, app_id="app-f", case=0)])
    wait_for(lambda: len(topic(ENFORCEMENT_ACTIONS.full_name(prefix))) == 1, 60, "a first action")

    time.sleep(1.5)  # the append-only file is fsynced every second
    own_redis("kill")  # the enforcer's state store crashes (kill -9)
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events[1:4])
    publish_verdicts(
        stack, prefix, [spam_verdict("acct-f", n, app_id="app-f", case=n) for n in range(1, 4)]
    )
    wait_for(
        lambda: len(topic(ENFORCEMENT_REPORTS.full_name(prefix))) == 4,
        60,
        "violations reported while Redis is away",
    )
    held = decode_all(EnforcementEvent, topic(ENFORCEMENT_REVIEW.full_name(prefix)))
    assert sorted(h.event_id for h in held) == ["acct-f-1", "acct-f-2", "acct-f-3"]
    assert all(h.evidence["state"] == "unavailable" for h in held)
    assert len(topic(ENFORCEMENT_ACTIONS.full_name(prefix))) == 1  # nothing sanctioned meanwhile

    own_redis("start")  # back, cold, from its append-only file: the approval is still there
    time.sleep(2)  # the enforcer writes what it decided meanwhile within a second
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events[4:])
    publish_verdicts(stack, prefix, [spam_verdict("acct-f", 4, app_id="app-f", case=4)])
    wait_for(lambda: len(topic(ENFORCEMENT_ACTIONS.full_name(prefix))) == 2, 60, "a new action")
    latest = max(
        decode_all(EnforcementEvent, topic(ENFORCEMENT_ACTIONS.full_name(prefix))),
        key=lambda a: a.decided_at,
    )
    # The first strike survived the crash and the three of the outage were written on return:
    # this is the fifth.
    assert latest.event_id == "acct-f-4"
    assert latest.strikes == 5
    assert latest.action == Action.SUSPEND_ACCOUNT


def test_a_verdict_is_enforced_without_its_event(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    """A verdict carries what the enforcer needs of its event (`Verdict.subject`): it is
    enforced when read, whatever the state of generations.accepted (here: empty)."""
    service("enforcement")
    publish_verdicts(stack, prefix, [spam_verdict("acct-alone", n) for n in range(2)])
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) == 2,
        30,
        "both verdicts enforced",
    )
    reports = decode_all(
        ViolationReport, read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))
    )
    assert sorted(r.event_id for r in reports) == ["acct-alone-0", "acct-alone-1"]
    assert all(r.app_id == "app-1" for r in reports)


def test_kill_9_at_random_points_repeats_no_effect_and_loses_no_report(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    """SPEC §4: a worker killed at any moment and restarted loses no event and double-counts
    none. 12,000 violations of 1,200 accounts; the enforcer is killed with SIGKILL three times
    mid-stream (between any publish and its mark, wherever the kill lands) and restarted. After:
    every verdict has exactly one report, no report id appears twice, each sanction is applied
    once, and each account holds its ten strikes."""
    accounts, per_account = 1_200, 10
    verdicts = [
        spam_verdict(f"acct-k{a:04d}", n, case=n)
        for n in range(per_account)
        for a in range(accounts)
    ]
    reports_topic = ENFORCEMENT_REPORTS.full_name(prefix)
    enforcer = service("enforcement")
    publish_verdicts(stack, prefix, verdicts)
    kills = []

    def reported() -> int:
        return sum(end_offsets(stack.bootstrap, reports_topic).values())

    for share in (0.2, 0.5, 0.8):
        wait_for(partial(lambda s: reported() >= s * len(verdicts), share), 120, f"{share:.0%}")
        enforcer.kill()
        kills.append(reported())
        enforcer.start()
    settle(stack, prefix)
    reports = decode_all(ViolationReport, read_all(stack.bootstrap, reports_topic, timeout_s=60))
    # Each violation is an action, or a review request when the hour's quota holds it back.
    actions = [
        e
        for topic in (ENFORCEMENT_ACTIONS, ENFORCEMENT_REVIEW)
        for e in decode_all(
            EnforcementEvent, read_all(stack.bootstrap, topic.full_name(prefix), 60)
        )
    ]
    print(f"\nkilled at {kills} reports; {len(reports)} reports, {len(actions)} sanctions")
    assert all(k < len(verdicts) for k in kills), "a kill landed after the stream ended"
    assert sorted(r.event_id for r in reports) == sorted(v.event_id for v in verdicts)
    assert len({r.report_id for r in reports}) == len(reports)
    # Each violation is a case of its own (an hour apart): one sanction per rung of spam's
    # five-rung ladder, then the account is suspended and stays so (not suspended again). A
    # kill between a batch's actions and its reports re-sends those actions with the same id
    # and the same strike (subscribers drop repeats by id).
    rungs = len(POLICY.rule(Category.SPAM).ladder)
    assert len({a.enforcement_id for a in actions}) == accounts * rungs
    assert len({(a.enforcement_id, a.strikes) for a in actions}) == accounts * rungs
    last: dict[str, int] = {}
    for a in actions:
        last[a.account_id] = max(last.get(a.account_id, 0), a.strikes)
    assert set(last.values()) == {rungs}
    # Every case is a strike: each account has its ten.
    client = redis.Redis.from_url(stack.redis_url)
    pipe = client.pipeline(transaction=False)
    for i in range(accounts):
        pipe.zcard(f"uw:{prefix}enf:strikes:{{acct-k{i:04d}}}:spam")
    assert set(pipe.execute()) == {per_account}


def test_effects_published_but_never_marked_are_not_repeated(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    """The narrow window a random kill rarely hits, made certain: an enforcer published the
    actions and reports of three verdicts, then died before marking them and before its input
    offsets were committed. Its successor reconciles the marks with the topics before deciding,
    so the redelivered verdicts are replays: no second action, strike or report."""
    verdicts = [spam_verdict("acct-window", n, case=3 - n) for n in range(3)]
    decided = asyncio.run(
        Enforcer(EnforcementState.memory(), lambda: POLICY, lambda _: True).enforce(
            verdicts, datetime.now(UTC)
        )
    )
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    for _, d in decided.decisions:
        for topic, message in ((ENFORCEMENT_ACTIONS, d.action), (ENFORCEMENT_REPORTS, d.report)):
            assert message is not None
            producer.send(topic.full_name(prefix), key=b"acct-window", value=encode(message))
    producer.flush()
    producer.close()
    # The store is whole (no rebuild): only its marks of these three are missing.
    redis.Redis.from_url(stack.redis_url).set(f"uw:{prefix}enf:whole", b"1")
    enforcer = service("enforcement")
    publish_verdicts(stack, prefix, [*verdicts, spam_verdict("acct-window", 3, case=0)])
    settle(stack, prefix)
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) >= 4,
        30,
        "the fourth verdict enforced",
    )
    actions, reports = published(stack, prefix)
    assert sorted(r.event_id for r in reports) == [f"acct-window-{n}" for n in range(4)]
    assert [a.strikes for a in actions] == [1, 2, 3, 4]  # the fourth is the fourth strike
    assert b"3 published effects were unmarked" in enforcer.log_path.read_bytes()


def test_a_redis_crash_that_lost_its_last_second_is_reconciled(
    stack: Stack,
    prefix: str,
    service: Callable[..., ServiceProcess],
    own_redis: Callable[[str], None],
) -> None:
    """Redis fsyncs its append-only file once a second, so a kill -9 may lose the marks of the
    last batch while its outputs are on the topics and its verdicts come again. Made certain:
    the marks of three enforced verdicts are deleted (and fsynced), Redis is killed and
    restarted, and the three verdicts are redelivered. The enforcer notices the restart on its
    next load (the server's run id) and reconciles before deciding: no second effect."""
    verdicts = [spam_verdict("acct-crash", n, case=3 - n) for n in range(3)]
    service("enforcement", REDIS_URL=OWN_REDIS_URL)
    publish_verdicts(stack, prefix, verdicts)
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) == 3,
        60,
        "three verdicts enforced",
    )
    settle(stack, prefix)
    client = redis.Redis.from_url(OWN_REDIS_URL)
    marks = [
        *client.scan_iter(f"uw:{prefix}enf:applied:*"),
        *client.scan_iter(f"uw:{prefix}enf:strikes:*"),
        *client.scan_iter(f"uw:{prefix}enf:inforce:*"),
    ]
    assert len(marks) == 5  # three effects, one strike set, one set of actions in force
    client.delete(*marks)
    time.sleep(1.5)  # one fsync: the deletes are in the file, as if the marks never were
    own_redis("kill")
    own_redis("start")
    publish_verdicts(stack, prefix, [*verdicts, spam_verdict("acct-crash", 3, case=0)])
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) >= 4,
        60,
        "the fourth verdict enforced",
    )
    settle(stack, prefix)
    actions, reports = published(stack, prefix)
    assert sorted(r.event_id for r in reports) == [f"acct-crash-{n}" for n in range(4)]
    assert [a.strikes for a in actions] == [1, 2, 3, 4]


def test_a_campaign_is_cases_not_a_strike_storm(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    """200 spam messages from one account, over two spans of the hour-long case cooldown: two
    cases, so two strikes and one sanction per rung reached (flag for review, then throttle),
    and 200 reports, each naming its case. The hour's quota counted two sanctions."""
    verdicts = [spam_verdict("acct-camp", n, case=1 if n < 100 else 0) for n in range(200)]
    service("enforcement", METRICS_PORT=str(METRICS_PORT + 1))
    publish_verdicts(stack, prefix, verdicts)
    wait_for(
        lambda: len(read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))) == 200,
        60,
        "200 reports",
    )
    settle(stack, prefix)
    actions, reports = published(stack, prefix)
    assert [(a.action, a.strikes) for a in actions] == [
        (Action.FLAG_FOR_REVIEW, 1),
        (Action.THROTTLE, 2),
    ]
    assert read_all(stack.bootstrap, ENFORCEMENT_REVIEW.full_name(prefix)) == []
    cases = {a.case_id for a in actions}
    assert len(cases) == 2
    assert {r.case_id for r in reports} == cases
    assert sorted(r.event_id for r in reports) == sorted(v.event_id for v in verdicts)
    metrics = scrape(METRICS_PORT + 1)
    assert total(metrics, "usewatch_enforcement_actions_total") == 2
