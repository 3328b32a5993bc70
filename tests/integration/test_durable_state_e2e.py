"""What must last survives the loss of any store (SPEC §4). The application registry lives on
its compacted topic: `usewatch apps` writes and reads it there, and the enforcer's view of it
survives the loss of Redis. Strikes and the marks that make effects idempotent are rebuilt from
the enforcement topics when the enforcer's Redis comes back empty."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from schemas.codec import encode, encode_key
from schemas.events import Category, EnforcementEvent, Verdict, ViolationReport
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    GENERATIONS_ACCEPTED,
    REGISTRY,
    VERDICTS,
)
from tests.factories import event
from tests.integration.conftest import OWN_REDIS_URL
from tests.integration.harness import approve, decode_all, read_all, usewatch_cli, wait_for
from tests.integration.test_enforcement_e2e import publish_verdicts, settle, spam_verdict
from usewatch.localstack import ServiceProcess, Stack


def _usewatch(stack: Stack, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    return usewatch_cli(stack.bootstrap, prefix, *args)


def test_apps_approve_list_and_revoke_go_through_the_compacted_topic(
    stack: Stack, prefix: str
) -> None:
    approved = _usewatch(
        stack, prefix, "apps", "approve", "app-1", "--use-case", "support", "--channels", "email"
    )
    assert approved.returncode == 0, approved.stderr
    listed = _usewatch(stack, prefix, "apps", "list")
    assert "app-1" in listed.stdout
    assert "support" in listed.stdout

    assert _usewatch(stack, prefix, "apps", "revoke", "app-1").returncode == 0
    assert "app-1" not in _usewatch(stack, prefix, "apps", "list").stdout
    again = _usewatch(stack, prefix, "apps", "revoke", "app-1")
    assert again.returncode == 1
    assert "was not approved" in again.stderr

    records = read_all(stack.bootstrap, REGISTRY.full_name(prefix))
    assert [(r.key, r.value is None) for r in records] == [(b"app-1", False), (b"app-1", True)]
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, REGISTRY.full_name(prefix))]
        )
    finally:
        admin.close()
    configs = described["topic"][REGISTRY.full_name(prefix)]
    assert configs["cleanup.policy"]["value"] == "compact"


def _unapproved_verdicts(stack: Stack, prefix: str) -> list[str]:
    verdicts = decode_all(Verdict, read_all(stack.bootstrap, VERDICTS.full_name(prefix)))
    return [v.event_id for v in verdicts if v.category is Category.UNAPPROVED_USE]


def test_the_approval_check_keeps_every_approval_when_redis_is_lost(
    stack: Stack,
    prefix: str,
    service: Callable[..., ServiceProcess],
    own_redis: Callable[[str], None],
) -> None:
    approve(stack.bootstrap, prefix, "app-ok")
    now = datetime.now(UTC).isoformat()
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")

    def accepted(event_id: str, app_id: str) -> None:
        e = event(0, event_id=event_id, account_id="acct-1", app_id=app_id, occurred_at=now)
        producer.send(
            GENERATIONS_ACCEPTED.full_name(prefix), key=encode_key(e.account_id), value=encode(e)
        )
        producer.flush()

    checker = service("approval", REDIS_URL=OWN_REDIS_URL)
    accepted("e-ok-1", "app-ok")
    accepted("e-rogue-1", "app-rogue")
    wait_for(lambda: _unapproved_verdicts(stack, prefix) == ["e-rogue-1"], 60, "one verdict")

    checker.kill()
    own_redis("lose")  # every key gone, the append-only file too
    own_redis("start")
    service("approval", REDIS_URL=OWN_REDIS_URL)
    accepted("e-ok-2", "app-ok")
    accepted("e-rogue-2", "app-rogue")
    wait_for(lambda: "e-rogue-2" in _unapproved_verdicts(stack, prefix), 60, "the second verdict")
    producer.close()
    # The kill may replay e-rogue-1's verdict (at-least-once); no approved event is judged.
    assert set(_unapproved_verdicts(stack, prefix)) == {"e-rogue-1", "e-rogue-2"}


def test_strikes_and_effect_marks_are_rebuilt_when_redis_is_lost(
    stack: Stack,
    prefix: str,
    service: Callable[..., ServiceProcess],
    own_redis: Callable[[str], None],
) -> None:
    approve(stack.bootstrap, prefix, "app-1")
    first = [spam_verdict("acct-d", n, case=3 - n) for n in range(3)]  # three cases
    enforcer = service("enforcement", REDIS_URL=OWN_REDIS_URL)
    publish_verdicts(stack, prefix, first)
    wait_for(lambda: len(_actions(stack, prefix)) == 3, 60, "three actions")
    settle(stack, prefix)

    enforcer.kill()
    own_redis("lose")  # strikes, effect marks, the operator's log: all gone
    own_redis("start")
    service("enforcement", REDIS_URL=OWN_REDIS_URL)
    # The same verdicts again (a replay), a violation that joins the second case (its throttle
    # is in force: no new action), then a fourth case.
    joins = spam_verdict("acct-d", 3, case=2)
    publish_verdicts(stack, prefix, [*first, joins, spam_verdict("acct-d", 4, case=0)])
    wait_for(lambda: len(_actions(stack, prefix)) >= 4, 60, "the fourth action")
    settle(stack, prefix)

    actions = _actions(stack, prefix)
    assert len(actions) == 4, "the replayed verdicts were enforced again"
    fourth = max(actions, key=lambda a: a.decided_at)
    assert fourth.event_id == "acct-d-4"
    assert fourth.strikes == 4  # the three cases from before the loss still count
    reports = decode_all(
        ViolationReport, read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))
    )
    assert len(reports) == 5
    (joined,) = [r for r in reports if r.event_id == "acct-d-3"]
    assert joined.case_id == next(r.case_id for r in reports if r.event_id == "acct-d-1")


def _actions(stack: Stack, prefix: str) -> list[EnforcementEvent]:
    return decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
    )
