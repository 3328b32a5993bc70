"""A secured stack (SPEC §4: each stage its own principal): the broker takes SASL/SCRAM-SHA-512
logins and authorises by ACL, Redis serves only its ACL users, both set up by the same scripts
and `usewatch security apply` that `SECURITY=on make up` runs. A broker and a Redis of this
module's own, on ports of their own; the rest of the tier runs unsecured."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiokafka.errors
import pytest
import redis
from aiokafka import AIOKafkaConsumer
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAuthorizationFailedError
from pydantic import BaseModel, SecretStr

from schemas.codec import decode, encode, encode_key
from schemas.events import (
    REPORT_DEADLINE,
    Action,
    Category,
    Channel,
    EnforcementEvent,
    ReviewDecision,
    ReviewOutcome,
    Severity,
    ViolationReport,
)
from schemas.principals import grants
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    GENERATIONS,
    GENERATIONS_ACCEPTED,
    REGISTRY,
    REVIEW_DECISIONS,
    VERDICTS,
)
from services.registry import approval, publish_approvals
from tests.factories import credential_lure_sms, event
from tests.integration.harness import ConsolePage
from tests.integration.otlp_receiver import otlp_receiver
from tests.integration.test_enforcement_e2e import spam_verdict
from usewatch import security
from usewatch.admin import ensure_topics
from usewatch.localstack import CONSOLE_READY, ROOT, ServiceProcess
from usewatch.prometheus import scrape
from usewatch.sdk import Emitter

KAFKA_PORT = 19492
REDIS_PORT = 16779
RECEIVER_PORT = 14319
METRICS_BASE = 19720
STATE = ROOT / ".run" / "test-secure"
STAGES = (
    "gateway",
    "approval",
    "spam",
    "misrepresentation",
    "multi_identity",
    "content_safety",
    "enforcement",
)


@dataclass(frozen=True)
class SecureStack:
    passwords: dict[str, str]
    admin_password: str

    bootstrap = f"127.0.0.1:{KAFKA_PORT}"
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"

    def kafka(self, principal: str) -> dict[str, Any]:
        """Client options logged in as `principal`."""
        password = self.admin_password if principal == "admin" else self.passwords[principal]
        return {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": principal,
            "sasl_plain_password": password,
        }

    def env(self, principal: str) -> dict[str, str]:
        """A process's environment, logged in as `principal`."""
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "REDIS_URL": self.redis_url,
            "KAFKA_USERNAME": principal,
            "KAFKA_PASSWORD": self.passwords[principal],
            "REDIS_USERNAME": principal,
            "REDIS_PASSWORD": self.passwords[principal],
            "FAUST_DATA_DIR": str(STATE / "faust"),
        }


def _scripts_env(admin_password: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_PORT": str(KAFKA_PORT),
        "KAFKA_STATE_DIR": str(STATE / "kafka"),
        "KAFKA_SECURITY": "on",
        "KAFKA_ADMIN_PASSWORD": admin_password,
        "REDIS_PORT": str(REDIS_PORT),
        "REDIS_STATE_DIR": str(STATE / "redis"),
        "REDIS_SECURITY": "on",
        "REDIS_ADMIN_PASSWORD": admin_password,
    }


@pytest.fixture(scope="module")
def secure() -> Iterator[SecureStack]:
    shutil.rmtree(STATE, ignore_errors=True)
    admin_password = secrets.token_urlsafe(18)
    env = _scripts_env(admin_password)
    scripts = (["infra/redis/redisctl"], ["infra/kafka/kafkactl"])
    for script in scripts:
        subprocess.run([*script, "start"], cwd=ROOT, env=env, check=True)
    stack = SecureStack({g.principal: secrets.token_urlsafe(18) for g in grants()}, admin_password)
    try:
        admin_login = {k: v for k, v in stack.kafka("admin").items() if k != "bootstrap_servers"}
        ensure_topics([stack.bootstrap], "", **admin_login)
        admin = KafkaAdminClient(**stack.kafka("admin"))
        redis_admin = redis.Redis.from_url(
            stack.redis_url, username="admin", password=admin_password
        )
        secrets_of = {p: SecretStr(pw) for p, pw in stack.passwords.items()}
        security.apply(admin, redis_admin, secrets_of, "")
        admin.close()
        redis_admin.close()
        yield stack
    finally:
        for script in reversed(scripts):
            subprocess.run([*script, "stop"], cwd=ROOT, env=env, check=False)


def _refused(send: Callable[[], object]) -> bool:
    try:
        send()
    except TopicAuthorizationFailedError:
        return True
    return False


def test_each_principal_may_write_only_its_own_topics(secure: SecureStack) -> None:
    app = KafkaProducer(**secure.kafka("app"), acks="all", max_block_ms=10_000)
    forged = spam_verdict("acct-victim", 0)
    lure = event(0)
    try:
        app.send(GENERATIONS.full_name(), key=b"a", value=encode(lure)).get(timeout=30)
        # A producer app can neither forge a verdict nor a sanction.
        assert _refused(lambda: app.send(VERDICTS.full_name(), value=encode(forged)).get(30))
        assert _refused(
            lambda: app.send(ENFORCEMENT_ACTIONS.full_name(), value=b"{}").get(timeout=30)
        )
        assert _refused(lambda: app.send(REGISTRY.full_name(), key=b"x", value=b"{}").get(30))
    finally:
        app.close()
    detector = KafkaProducer(**secure.kafka("spam"), acks="all", max_block_ms=10_000)
    try:
        verdict = spam_verdict("acct-1", 1)
        detector.send(VERDICTS.full_name(), key=encode_key("acct-1"), value=encode(verdict)).get(30)
        assert _refused(
            lambda: detector.send(ENFORCEMENT_ACTIONS.full_name(), value=b"{}").get(timeout=30)
        )
    finally:
        detector.close()


def test_a_producer_app_cannot_read_what_the_pipeline_publishes(secure: SecureStack) -> None:
    async def read(topic: str) -> None:
        consumer = AIOKafkaConsumer(topic, **secure.kafka("app"), auto_offset_reset="earliest")
        try:
            await consumer.start()
            for _ in range(20):
                await consumer.getmany(timeout_ms=500)
        finally:
            await consumer.stop()

    for topic in (GENERATIONS_ACCEPTED, VERDICTS):
        with pytest.raises(aiokafka.errors.TopicAuthorizationFailedError):
            asyncio.run(read(topic.full_name()))


def test_anonymous_clients_are_refused_by_the_broker_and_by_redis(secure: SecureStack) -> None:
    with pytest.raises(KafkaError):  # no login: the broker drops the connection
        KafkaProducer(bootstrap_servers=secure.bootstrap, max_block_ms=5_000).send(
            ENFORCEMENT_ACTIONS.full_name(), value=b"{}"
        ).get(timeout=10)
    with pytest.raises(KafkaError):
        KafkaProducer(
            **{**secure.kafka("app"), "sasl_plain_password": "wrong"}, max_block_ms=5_000
        ).send(GENERATIONS.full_name(), value=b"{}").get(timeout=10)

    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(secure.redis_url).get("uw:anything")
    spam = redis.Redis.from_url(
        secure.redis_url, username="spam", password=secure.passwords["spam"]
    )
    spam.set("uw:test:key", "1", ex=60)  # its own keys: allowed
    with pytest.raises(redis.exceptions.NoPermissionError):
        spam.flushall()
    with pytest.raises(redis.exceptions.NoPermissionError):
        spam.set("not-ours", "1")
    spam.close()


MARKER = "zq7-secret-marker-4419"


def test_the_pipeline_runs_secured_and_no_text_leaks_into_logs_spans_or_metrics(
    secure: SecureStack,
) -> None:
    change = {"app-1": approval("app-1", "tests", list(Channel))}
    asyncio.run(publish_approvals(secure.kafka("operator"), REGISTRY.full_name(), change))
    lure = credential_lure_sms("acct-sec")
    lure = lure.model_copy(
        update={
            "app_id": "app-1",
            "prompt": f"{lure.prompt} {MARKER}",
            "generation": f"{lure.generation} {MARKER}",
        }
    )
    otel = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{RECEIVER_PORT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    processes = []
    metrics: list[str] = []
    with otlp_receiver(RECEIVER_PORT) as spans:
        try:
            for i, stage in enumerate(STAGES):
                proc = ServiceProcess(
                    f"services.{stage}",
                    {**secure.env(stage), **otel, "METRICS_PORT": str(METRICS_BASE + i)},
                    STATE / "logs" / f"{stage}.log",
                )
                proc.start()
                processes.append(proc)
            login = {k: v for k, v in secure.kafka("app").items() if k != "bootstrap_servers"}
            with Emitter(secure.bootstrap, **login) as emitter:
                emitter.emit(lure)
            _wait_for_report_of(secure, lure.event_id)
            metrics = [str(scrape(METRICS_BASE + i)) for i in range(len(STAGES))]
        finally:
            for proc in processes:
                proc.stop()
        received = list(spans)
    assert {s.service for s in received} >= set(STAGES)
    logs = [p.log_path.read_text(errors="replace") for p in processes]
    for where, texts in (
        ("logs", logs),
        ("spans", [f"{s.name} {s.attributes}" for s in received]),
        ("metrics", metrics),
    ):
        assert not [t for t in texts if MARKER in t], f"the generation's text is in the {where}"
        for password in (*secure.passwords.values(), secure.admin_password):
            assert not [t for t in texts if password in t], f"a password is in the {where}"


def _wait_for_report_of(secure: SecureStack, event_id: str) -> ViolationReport:
    """The report of `event_id`, read as the operator (other tests of the module leave theirs)."""
    consumer = KafkaConsumer(
        ENFORCEMENT_REPORTS.full_name(),
        **secure.kafka("operator"),
        auto_offset_reset="earliest",
        consumer_timeout_ms=90_000,
    )
    try:
        for record in consumer:
            report = decode(ViolationReport, record.value)
            if report.event_id == event_id:
                return report
    finally:
        consumer.close()
    raise AssertionError(f"no report of {event_id} within 90 s")


def test_the_console_runs_as_its_own_principal_and_only_it_writes_decisions(
    secure: SecureStack, tmp_path: Path
) -> None:
    decision = ReviewDecision(
        decision_id="forged",
        enforcement_id="enf-x",
        account_id="acct-x",
        outcome=ReviewOutcome.REVERSE,
        reviewer="mallory",
        reason="forged",
        decided_at=datetime.now(UTC),
    )
    for principal in ("app", "enforcement", "operator"):
        producer = KafkaProducer(**secure.kafka(principal), acks="all", max_block_ms=10_000)
        try:
            assert _refused(partial(_send, producer, REVIEW_DECISIONS.full_name(), decision))
        finally:
            producer.close()

    # The console, logged in as `console`, keeps its store from the enforcement topics ...
    report = spam_report("acct-console")
    review = EnforcementEvent(
        enforcement_id="sus-console",
        event_id=report.event_id,
        account_id=report.account_id,
        app_id="app-1",
        category=Category.SPAM,
        action=Action.FLAG_FOR_REVIEW,
        severity=Severity.LOW,
        reason="Possible spam; a person should decide.",
        policy_version="p",
        strikes=0,
        decided_at=datetime.now(UTC),
    )
    enforcer = KafkaProducer(**secure.kafka("enforcement"), acks="all")
    _send(enforcer, ENFORCEMENT_REPORTS.full_name(), report)
    _send(enforcer, ENFORCEMENT_REVIEW.full_name(), review)
    enforcer.close()
    port = 19780
    console = ServiceProcess(
        "services.console",
        {
            **secure.env("console"),
            "CONSOLE_PORT": str(port),
            "CONSOLE_PASSWORD": "pw-" + secure.passwords["console"],
            "CONSOLE_DATABASE_URL": f"sqlite:///{tmp_path}/console.db",
        },
        STATE / "logs" / "console.log",
        ready_marker=CONSOLE_READY,
    )
    console.start()
    try:
        page = ConsolePage(f"http://127.0.0.1:{port}")
        page.login("ana", "pw-" + secure.passwords["console"])
        deadline = time.monotonic() + 60
        while report.report_id not in page.get("/reports"):
            assert time.monotonic() < deadline, "the console never read the report"
            time.sleep(0.5)
        # ... and publishes a person's decision on review.decisions, which the enforcer reads.
        queue = page.get("/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', queue)
        assert csrf is not None
        assert "sus-console" in queue
        done = page.post(
            "/decisions",
            {
                "csrf": csrf.group(1),
                "enforcement_id": "sus-console",
                "outcome": "dismiss",
                "reason": "fine",
            },
        )
        assert "dismiss of sus-console sent to the enforcer" in done
    finally:
        console.stop()
    reader = KafkaConsumer(
        REVIEW_DECISIONS.full_name(),
        **secure.kafka("enforcement"),
        group_id="usewatch-enforcement-check",
        auto_offset_reset="earliest",
        consumer_timeout_ms=30_000,
    )
    try:
        [sent] = [decode(ReviewDecision, r.value) for r in itertools.islice(reader, 1)]
    finally:
        reader.close()
    assert (sent.reviewer, sent.enforcement_id) == ("ana", "sus-console")
    assert not [
        pw for pw in secure.passwords.values() if pw in console.log_path.read_text(errors="replace")
    ]


def _send(producer: KafkaProducer, topic: str, message: BaseModel) -> None:
    producer.send(topic, key=b"acct", value=encode(message)).get(timeout=30)


def spam_report(account: str) -> ViolationReport:
    now = datetime.now(UTC)
    return ViolationReport(
        report_id=f"rep-{account}",
        event_id=f"evt-{account}",
        account_id=account,
        app_id="app-1",
        category=Category.SPAM,
        score=0.9,
        occurred_at=now,
        reported_at=now,
        report_due_at=now + REPORT_DEADLINE,
    )
