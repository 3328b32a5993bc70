"""The SDK's Subscriber and the `usewatch` command line against the real broker."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

from kafka import KafkaProducer

from schemas.codec import encode, encode_key
from schemas.events import (
    Action,
    Category,
    EnforcementEvent,
    GenerationEvent,
    Severity,
    ViolationReport,
)
from schemas.topics import ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, GENERATIONS
from tests.factories import T0, event_fields
from tests.integration.harness import decode_all, read_all, usewatch_cli
from usewatch.localstack import Stack
from usewatch.sdk import Subscriber


def test_subscriber_yields_typed_enforcement_and_skips_what_does_not_decode(
    stack: Stack, prefix: str
) -> None:
    action = EnforcementEvent(
        enforcement_id="enf-1",
        event_id="evt-1",
        account_id="acct-1",
        app_id="app-1",
        category=Category.SPAM,
        action=Action.THROTTLE,
        severity=Severity.MEDIUM,
        reason="Sent the same offer to 400 recipients in ten minutes.",
        policy_version="p1",
        strikes=2,
        decided_at=T0,
        report_due_at=T0 + timedelta(hours=24),
    )
    report = ViolationReport(
        report_id="rep-1",
        event_id="evt-1",
        account_id="acct-1",
        app_id="app-1",
        enforcement_id="enf-1",
        category=Category.SPAM,
        score=0.97,
        occurred_at=T0,
        reported_at=T0,
        report_due_at=T0 + timedelta(hours=24),
    )
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    producer.send(ENFORCEMENT_ACTIONS.full_name(prefix), key=b"acct-1", value=b"not json")
    producer.send(ENFORCEMENT_ACTIONS.full_name(prefix), key=b"acct-1", value=encode(action))
    producer.send(ENFORCEMENT_REPORTS.full_name(prefix), key=b"acct-1", value=encode(report))
    producer.flush()
    producer.close()

    subscriber = Subscriber(
        stack.bootstrap, topic_prefix=prefix, from_beginning=True, idle_timeout_s=10
    )
    messages = list(subscriber)
    subscriber.close()
    assert sorted((m.topic.name, type(m.value).__name__) for m in messages) == [
        ("enforcement.actions", "EnforcementEvent"),
        ("enforcement.reports", "ViolationReport"),
    ]
    assert [m.value for m in messages if m.topic == ENFORCEMENT_ACTIONS] == [action]
    assert [m.value for m in messages if m.topic == ENFORCEMENT_REPORTS] == [report]
    assert all(m.key == "acct-1" for m in messages)


def _usewatch(stack: Stack, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    return usewatch_cli(stack.bootstrap, prefix, *args)


def test_cli_emits_a_jsonl_file_and_reports_invalid_lines(
    stack: Stack, prefix: str, tmp_path: Path
) -> None:
    lines = [json.dumps(event_fields(n)) for n in range(5)]
    lines.insert(2, json.dumps(event_fields(99, channel="fax")))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = _usewatch(stack, prefix, "emit", str(path))
    assert result.returncode == 1  # one line was invalid: say so, but send the rest
    assert "sent 5 event(s)" in result.stdout
    assert "events.jsonl:3" in result.stderr
    assert "channel" in result.stderr

    sent = decode_all(GenerationEvent, read_all(stack.bootstrap, GENERATIONS.full_name(prefix)))
    assert sorted(e.event_id for e in sent) == [f"evt-{n:06d}" for n in range(5)]
    assert all(
        r.headers and r.headers[0][0] == "traceparent"
        for r in read_all(stack.bootstrap, GENERATIONS.full_name(prefix))
    )


def test_cli_tails_a_topic_as_typed_json(stack: Stack, prefix: str) -> None:
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    for n in range(3):
        e = GenerationEvent.model_validate(event_fields(n))
        producer.send(GENERATIONS.full_name(prefix), key=encode_key(e.account_id), value=encode(e))
    producer.flush()
    producer.close()
    result = _usewatch(
        stack, prefix, "tail", "generations", "--from-beginning", "--limit", "3", "--json"
    )
    assert result.returncode == 0, result.stderr
    ids = sorted(json.loads(line)["event_id"] for line in result.stdout.splitlines())
    assert ids == ["evt-000000", "evt-000001", "evt-000002"]
