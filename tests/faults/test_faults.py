"""`make test-faults`: the whole pipeline on a three-node KRaft cluster (replication factor 3,
min.insync.replicas 2) and Redis, streaming demo traffic (~10 % violative) while faults are
applied one after another (the stream lasts until the last has recovered, up to MAX_EVENTS):
kill -9 of each service (restarted), of a broker and of the controller leader (brought back),
of Redis (restarted cold, from its append-only file), and a rebalance (a second worker of every
stage joins, then the first stops).

After the stream, over everything published: every emitted event accepted once, no dead
letter, no report id twice, every violation verdict reported exactly once, and each account's
strikes in the store exactly the cases of its sanctioned reports; actions re-sent with their id
are counted.
Prints a table: fault, events emitted during it, lost, duplicated effects, re-sent, recovery
seconds (from the fault until the affected consumer groups have committed everything published
before it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
import redis
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError
from pydantic import BaseModel

from schemas.codec import decode, encode, encode_key
from schemas.events import EnforcementEvent, GenerationEvent, Label, Verdict, ViolationReport
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    GENERATIONS,
    GENERATIONS_ACCEPTED,
    GENERATIONS_DLQ,
    REGISTRY,
    VERDICTS,
)
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.registry import approval, publish_approvals
from usewatch import demo
from usewatch.admin import end_offsets, ensure_topics, read_records
from usewatch.localstack import ROOT, ServiceProcess, Stack

EVENTS = int(os.environ.get("FAULT_EVENTS", "20000"))
"""Events streamed at least; more while faults are still being applied, up to MAX_EVENTS (a
bound on the run: with 3 x, on a slow day, the stream ran all 60,000 and the run took 16 min)."""
MAX_EVENTS = 2 * EVENTS
RATE = float(os.environ.get("FAULT_RATE", "80"))
PREFIX = "faults-"
DETECTORS = ("approval", "spam", "misrepresentation", "multi_identity", "content_safety")
STAGES = ("gateway", *DETECTORS, "enforcement")
SOURCES = {
    "gateway": (GENERATIONS,),
    **{d: (GENERATIONS_ACCEPTED,) for d in DETECTORS},
    "enforcement": (VERDICTS,),
}
STATE = ROOT / ".run" / "faults"
M = TypeVar("M", bound=BaseModel)
POLICY = load_policy(DEFAULT_POLICY)


@dataclass
class Workers:
    stack: Stack
    running: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    started: int = 0

    def start(self, stage: str) -> ServiceProcess:
        self.started += 1
        worker = ServiceProcess(
            f"services.{stage}",
            env={
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": self.stack.bootstrap,
                "REDIS_URL": self.stack.redis_url,
                "TOPIC_PREFIX": PREFIX,
                "FAUST_DATA_DIR": str(STATE / "faust" / f"{stage}-{self.started}"),
                "METRICS_PORT": str(39500 + self.started),
            },
            log_path=STATE / "logs" / f"{stage}-{self.started}.log",
        )
        worker.start(ready_timeout_s=120)
        self.running.setdefault(stage, []).append(worker)
        return worker

    def stop_all(self) -> None:
        for workers in self.running.values():
            for w in workers:
                w.stop()


@pytest.fixture
def stack() -> Iterator[Stack]:
    s = Stack(kafka_port=29192, redis_port=16579, state_dir=STATE, brokers=3)
    s.stop()
    shutil.rmtree(STATE, ignore_errors=True)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def committed(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def ends_of(bootstrap: str, stage: str) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = {}
    for topic in SOURCES[stage]:
        name = topic.full_name(PREFIX)
        out |= {(name, p): end for p, end in end_offsets(bootstrap, name).items()}
    return out


def wait_caught_up(stack: Stack, stages: tuple[str, ...], since: float, timeout_s: float) -> float:
    """Seconds from `since` until every stage's group has committed all that was published to
    its inputs when this was called."""
    targets = {s: ends_of(stack.bootstrap, s) for s in stages}
    deadline = time.monotonic() + timeout_s
    pending = set(stages)
    while pending:
        for s in list(pending):
            try:
                done = committed(stack.bootstrap, f"{PREFIX}usewatch-{s}")
            except KafkaError:  # a broker is away: ask again
                continue
            if all(done.get(tp, -1) >= end for tp, end in targets[s].items()):
                pending.discard(s)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sorted(pending)} did not catch up in {timeout_s}s")
        time.sleep(0.5)
    return time.monotonic() - since


def controller_leader(stack: Stack) -> int:
    out = subprocess.run(
        [
            "java",
            "-cp",
            str(ROOT / "infra/kafka/libs/*"),
            "org.apache.kafka.tools.MetadataQuorumCommand",
            "--bootstrap-server",
            stack.bootstrap,
            "describe",
            "--status",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    (line,) = [ln for ln in out.splitlines() if ln.startswith("LeaderId:")]
    return int(line.split(":")[1])


def kill_node(stack: Stack, node: int) -> Callable[[], None]:
    os.kill(stack.node_pid(node), signal.SIGKILL)

    def back() -> None:
        time.sleep(5)  # away for a while, then back
        subprocess.run(
            ["infra/kafka/kafkactl", "start", "--brokers", str(stack.brokers)],
            cwd=ROOT,
            env=stack.script_env(),
            check=True,
        )

    return back


def run_faults(stack: Stack, workers: Workers) -> list[tuple[str, float, float]]:
    """(fault, started at, recovery seconds), applied one after another while the stream runs."""
    out = []

    def service_kill(stage: str) -> tuple[str, tuple[str, ...], Callable[[], None]]:
        def apply() -> None:
            (w,) = workers.running[stage]
            w.kill()
            w.start(ready_timeout_s=120)

        return f"kill -9 {stage}", (stage,), apply

    def broker() -> None:
        kill_node(stack, 3 if controller_leader(stack) != 3 else 2)()

    def controller() -> None:
        kill_node(stack, controller_leader(stack))()

    def redis_cold() -> None:
        env = {**stack.script_env(), "REDIS_PORT": str(stack.redis_port)}
        subprocess.run(["infra/redis/redisctl", "kill"], cwd=ROOT, env=env, check=True)
        subprocess.run(["infra/redis/redisctl", "start"], cwd=ROOT, env=env, check=True)

    def rebalance() -> None:
        for stage in STAGES:
            workers.start(stage)
        time.sleep(10)
        for stage in STAGES:
            workers.running[stage].pop(0).stop()

    plan = [
        *[service_kill(s) for s in STAGES],
        ("kill -9 a broker", STAGES, broker),
        ("kill -9 the controller leader", STAGES, controller),
        ("kill -9 Redis, restart cold", STAGES, redis_cold),
        ("rebalance: 2 workers per stage, stop one", STAGES, rebalance),
    ]
    for name, stages, apply in plan:
        time.sleep(4)
        t0 = time.monotonic()
        apply()
        out.append((name, t0, wait_caught_up(stack, stages, t0, 300)))
    return out


def approve_demo_apps(bootstrap: str) -> None:
    changes = {a: approval(a, "faults", ch) for a, ch in demo.demo_apps().items()}
    asyncio.run(
        publish_approvals(
            {"bootstrap_servers": bootstrap.split(",")}, REGISTRY.full_name(PREFIX), dict(changes)
        )
    )


@pytest.mark.timeout(1800)  # about five minutes alone; the default 600 s is for one test
def test_no_fault_loses_an_event_or_repeats_an_effect(stack: Stack) -> None:
    ensure_topics(stack.bootstrap.split(","), PREFIX)
    approve_demo_apps(stack.bootstrap)
    workers = Workers(stack)
    for stage in STAGES:
        workers.start(stage)
    start = datetime.now(UTC) - timedelta(milliseconds=50 * MAX_EVENTS)  # all in the past
    # The stream runs until the last fault has recovered (at least EVENTS long): on a slow day
    # the faults outlast a fixed stream, and the last ones then had nothing in flight.
    pool = list(demo.generate(MAX_EVENTS, seed=23, start=start, run="faults"))
    events: list[GenerationEvent] = []
    faults_over = threading.Event()
    sent_at: dict[str, float] = {}

    def emit() -> None:
        producer = KafkaProducer(bootstrap_servers=stack.bootstrap.split(","), acks="all")
        t0 = time.monotonic()
        for i, e in enumerate(pool):
            if i >= EVENTS and faults_over.is_set():
                break
            events.append(e)
            delay = t0 + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent_at[e.event_id] = time.monotonic()
            producer.send(
                GENERATIONS.full_name(PREFIX), key=encode_key(e.account_id), value=encode(e)
            )
        producer.flush()
        producer.close()

    emitter = threading.Thread(target=emit)
    emitter.start()
    try:
        faults = run_faults(stack, workers)
        faults_over.set()
        emitter.join()
        wait_caught_up(stack, STAGES, time.monotonic(), 600)
        # Verdicts published while the enforcer was catching up land after it read them.
        wait_caught_up(stack, ("enforcement",), time.monotonic(), 120)
    finally:
        faults_over.set()
        emitter.join()
        workers.stop_all()

    def read(topic: str, model: type[M]) -> list[M]:
        return [decode(model, r.value) for r in read_records(stack.bootstrap, topic, None, 300)]

    accepted = read(GENERATIONS_ACCEPTED.full_name(PREFIX), GenerationEvent)
    dead = sum(end_offsets(stack.bootstrap, GENERATIONS_DLQ.full_name(PREFIX)).values())
    verdicts = read(VERDICTS.full_name(PREFIX), Verdict)
    effects = read(ENFORCEMENT_ACTIONS.full_name(PREFIX), EnforcementEvent) + read(
        ENFORCEMENT_REVIEW.full_name(PREFIX), EnforcementEvent
    )
    reports = read(ENFORCEMENT_REPORTS.full_name(PREFIX), ViolationReport)

    accepted_ids = {e.event_id for e in accepted}
    lost_events = [e.event_id for e in events if e.event_id not in accepted_ids]
    effect_counts = Counter(e.enforcement_id for e in effects)
    report_counts = Counter(r.report_id for r in reports)
    violations = {
        (v.event_id, v.category)
        for v in verdicts
        if v.label == Label.VIOLATION and v.score >= POLICY.rule(v.category).violation_at
    }
    reported = Counter((r.event_id, r.category) for r in reports)
    unreported = [k for k in violations if reported[k] == 0]
    # A duplicated effect: a report twice, or a strike counted twice (wrong_strikes below). An
    # action or review request re-sent with its id (its report had not gone out when the
    # enforcer was killed, so its verdict was decided again) is at-least-once delivery that
    # subscribers drop by id (SPEC §3): counted, not an effect.
    repeated = {k for k, n in report_counts.items() if n > 1}
    resent = {k for k, n in effect_counts.items() if n > 1}
    # Strikes count cases: each account's strikes in the store are exactly the cases of its
    # sanctioned reports, however often a kill made a verdict be decided again.
    cases: dict[tuple[str, str], set[str | None]] = {}
    for r in reports:
        if r.enforcement_id:
            cases.setdefault((r.account_id, r.category.value), set()).add(r.case_id)
    store = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    wrong_strikes = {}
    for (account, category), expected in cases.items():
        key = f"uw:{PREFIX}enf:strikes:{{{account}}}:{category}"
        held: set[str | None] = {str(m) for m in store.zrange(key, 0, -1)}
        if held != expected:
            wrong_strikes[(account, category)] = (len(held), len(expected))

    # The table: each fault's share of the stream is the events sent from it to the next.
    starts = [t for _, t, _ in faults] + [float("inf")]
    by_fault: list[list[str]] = [[] for _ in faults]
    for eid, at in sent_at.items():
        for i in range(len(faults)):
            if starts[i] <= at < starts[i + 1]:
                by_fault[i].append(eid)
    event_of_effect = {e.enforcement_id: e.event_id for e in effects} | {
        r.report_id: r.event_id for r in reports
    }
    repeated_events = Counter(event_of_effect[k] for k in repeated)
    resent_events = Counter(event_of_effect[k] for k in resent)
    print(
        f"\n{len(events):,} events at {RATE:.0f}/s, 3 brokers; {len(verdicts):,} verdicts, "
        f"{len(reports):,} reports, {len(effects):,} actions and review requests"
    )
    print(
        f"{'fault':44}{'events':>8}{'lost':>6}{'dup. effects':>14}{'re-sent':>9}{'recovery s':>12}"
    )
    lost = set(lost_events) | {eid for eid, _ in unreported}
    for (name, _, recovery), ids in zip(faults, by_fault, strict=True):
        print(
            f"{name:44}{len(ids):>8}{sum(i in lost for i in ids):>6}"
            f"{sum(repeated_events[i] for i in ids):>14}{sum(resent_events[i] for i in ids):>9}"
            f"{recovery:>12.1f}"
        )
    assert dead == 0
    assert lost_events == []
    assert unreported == []
    assert repeated == set()
    assert wrong_strikes == {}
