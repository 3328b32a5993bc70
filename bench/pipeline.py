"""Stages under load for `make bench`: start them as OS processes (as `make up` does), pre-load or
pace the workload, wait until the finish line, and read throughput and latency from the records'
own Kafka timestamps (one clock: this machine's).

Throughput: events / (first output of the first stage → last output at the finish line). For
the pipeline the finish line is the enforcer: every event has its verdicts and the enforcer has
caught up with them (every consumer group at lag 0). Latency: produce time (the input record's
timestamp) → the enforcer's first output for a violative event (action, report or review), and
→ the last verdict of every event; for P0, produce → the passed-through copy.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from kafka import KafkaProducer
from rich.progress import Progress

from bench import costs
from schemas.events import AppApproval
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
from services.registry import approval, publish_approvals
from usewatch import demo
from usewatch.admin import end_offsets, group_lag, read_records
from usewatch.localstack import ROOT, ServiceProcess, Stack

Messages = list[tuple[bytes, bytes]]

DETECTORS = tuple(costs.DETECTORS)
TOPOLOGIES: dict[str, tuple[str, ...]] = {
    "separate": ("enforcement", "approval", *DETECTORS, "gateway"),
    "shared": ("enforcement", "detectors", "gateway"),
}
"""The stages of each topology `make up` can run (STACK_TOPOLOGY), started downstream first, so
that the clock (the gateway's first output) starts when every stage is ready."""
FINISH_TOPICS = (VERDICTS, ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, ENFORCEMENT_REVIEW)


def workload(n: int, run: str, seed: int = 11) -> Messages:
    """The demo stream: ~10 % violative across categories, a long tail of accounts, prompts and
    generations of 200–2,000 characters. Deterministic for (n, seed); `run` makes ids fresh."""
    from schemas.codec import encode, encode_key

    # The demo spaces events ~50 ms apart in event time; start that far back so the last one is
    # about now: the gateway dead-letters events more than a few minutes in its future.
    start = datetime.now(UTC) - timedelta(milliseconds=50 * n)
    events = demo.generate(n, seed=seed, start=start, run=run)
    return [(encode_key(e.account_id), encode(e)) for e in events]


def preload(bootstrap: str, topic: str, messages: Messages) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024
    )
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def produce_paced(bootstrap: str, topic: str, messages: Messages, rate: float) -> None:
    """Send at `rate` messages per second (the record timestamp is the send time)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1)
    start = time.perf_counter()
    for i, (key, value) in enumerate(messages):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def span_s(records: Sequence[Any], until: Sequence[Any] | None = None) -> float:
    """Seconds from the first record's timestamp to the last one of `until` (or `records`)."""
    first = min(r.timestamp for r in records)
    last = max(r.timestamp for r in (until if until is not None else records))
    return float(last - first) / 1000.0


def event_id(value: bytes) -> str:
    return str(json.loads(value)["event_id"])


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0}
    a = np.asarray(samples_ms)
    return {
        "n": len(a),
        "p50": float(np.percentile(a, 50)),
        "p99": float(np.percentile(a, 99)),
        "p999": float(np.percentile(a, 99.9)),
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_until(
    done: Callable[[], int], total: int, what: str, progress: Progress, timeout_s: float
) -> None:
    """Poll `done()` (how many of `total` are through) with a progress bar until all are."""
    task = progress.add_task(what, total=total)
    deadline = time.monotonic() + timeout_s
    while True:
        n = done()
        progress.update(task, completed=n)
        if n >= total:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: {n} of {total} after {timeout_s:.0f}s")
        time.sleep(0.5)
    progress.remove_task(task)


# ----------------------------------------------------------------------------------------------
# Baselines


@dataclass
class Passthrough:
    """P0 as its own process (bench/passthrough.py)."""

    stack: Stack
    prefix: str
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.stack.bootstrap}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.passthrough", self.prefix],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("passthrough did not start")
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def forward_worker(stack: Stack, prefix: str) -> ServiceProcess:
    """P0-F: the faust forward agent (bench/forward.py), started and ready."""
    worker = ServiceProcess(
        "bench.forward",
        env=_service_env(stack, prefix),
        log_path=stack.state_dir / "logs" / f"{prefix}forward.log",
    )
    worker.start()
    return worker


BASELINES = {
    "p0": "P0: raw aiokafka passthrough",
    "p0f": "P0-F: a faust agent that only forwards",
}


def start_baseline(stack: Stack, kind: str, prefix: str) -> tuple[int, Callable[[], None]]:
    """Start P0 ("p0") or P0-F ("p0f") copying `<prefix>generations`: its pid and its stop."""
    if kind == "p0":
        passthrough = Passthrough(stack, prefix)
        return passthrough.start(), passthrough.stop
    worker = forward_worker(stack, prefix)
    assert worker.proc is not None
    return worker.proc.pid, worker.stop


def copies_through(stack: Stack, prefix: str, n: int, progress: Progress) -> float:
    """Events/s of a baseline that copies generations → generations.accepted (pre-loaded)."""
    accepted = GENERATIONS_ACCEPTED.full_name(prefix)
    wait_until(
        lambda: sum(end_offsets(stack.bootstrap, accepted).values()),
        n,
        "copying",
        progress,
        timeout_s=1800,
    )
    return n / span_s(read_records(stack.bootstrap, accepted, timeout_s=300))


def copy_latency(stack: Stack, prefix: str, messages: Messages, rate: float) -> dict[str, float]:
    """Produce → copied, per message, at a fixed offered rate (a baseline is running)."""
    source, accepted = GENERATIONS.full_name(prefix), GENERATIONS_ACCEPTED.full_name(prefix)
    since_in, since_out = (
        end_offsets(stack.bootstrap, source),
        end_offsets(stack.bootstrap, accepted),
    )
    produce_paced(stack.bootstrap, source, messages, rate)
    deadline = time.monotonic() + 120
    while sum(end_offsets(stack.bootstrap, accepted).values()) - sum(since_out.values()) < len(
        messages
    ):
        if time.monotonic() > deadline:
            raise TimeoutError("baseline did not copy every message")
        time.sleep(0.2)
    sent = {event_id(r.value): r.timestamp for r in read_records(stack.bootstrap, source, since_in)}
    out = read_records(stack.bootstrap, accepted, since_out)
    return percentiles([r.timestamp - sent[event_id(r.value)] for r in out])


# ----------------------------------------------------------------------------------------------
# The pipeline


@dataclass
class Pipeline:
    stack: Stack
    prefix: str
    topology: str = "separate"
    metrics_base: int = 29464
    workers: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def stages(self) -> tuple[str, ...]:
        return TOPOLOGIES[self.topology]

    @property
    def detector_groups(self) -> tuple[str, ...]:
        return tuple(s for s in self.stages if s not in ("gateway", "enforcement"))

    def metrics_port(self, stage: str) -> int:
        return self.metrics_base + self.stages.index(stage)

    def reads_per_event(self, since: dict[str, dict[int, int]]) -> float:
        """Records consumed per generation since `since`, from what each stage subscribes to:
        the gateway reads `generations`, every detector worker `generations.accepted`, the
        enforcer `verdicts`."""
        now = self.topic_offsets()

        def grown(topic: str) -> int:
            return sum(now[topic].values()) - sum(since[topic].values())

        events = grown("generations")
        accepted_readers = len(self.detector_groups)
        reads = events + accepted_readers * grown("generations.accepted") + grown("verdicts")
        return reads / events if events else 0.0

    def start(self) -> None:
        asyncio.run(_approve_demo_apps(self.stack.bootstrap, self.prefix))
        for stage in self.stages:
            worker = ServiceProcess(
                f"services.{stage}",
                env={
                    **_service_env(self.stack, self.prefix),
                    "METRICS_PORT": str(self.metrics_port(stage)),
                },
                log_path=self.stack.state_dir / "logs" / f"{self.prefix}{stage}.log",
            )
            worker.start()
            self.workers[stage] = worker

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()

    def pids(self) -> dict[str, int]:
        return {s: w.proc.pid for s, w in self.workers.items() if w.proc is not None}

    def through(self, accepted_at_start: int, expected: int) -> int:
        """How many of `expected` new events every stage is done with: accepted by the gateway
        and committed by every detector; the last one only counts once the
        enforcer has also caught up with the verdicts."""
        b, p = self.stack.bootstrap, self.prefix
        dead = sum(end_offsets(b, GENERATIONS_DLQ.full_name(p)).values())
        if dead:  # the workload is valid: a dead letter means the figures would be wrong
            raise RuntimeError(f"{dead} workload event(s) dead-lettered; see generations.dlq")
        accepted = GENERATIONS_ACCEPTED.full_name(p)
        new = sum(end_offsets(b, accepted).values()) - accepted_at_start
        lag = max(group_lag(b, f"{p}usewatch-{s}", accepted) for s in self.detector_groups)
        done = new - lag
        if done >= expected and group_lag(b, f"{p}usewatch-enforcement", VERDICTS.full_name(p)):
            return expected - 1
        return max(done, 0)

    def topic_offsets(self) -> dict[str, dict[int, int]]:
        return {
            t.name: end_offsets(self.stack.bootstrap, t.full_name(self.prefix))
            for t in (GENERATIONS, GENERATIONS_ACCEPTED, *FINISH_TOPICS)
        }

    def saturate(self, messages: Messages, progress: Progress) -> float:
        """Pre-load every message at once; events/s from the gateway's first output to the last
        output at the finish line."""
        since = self.topic_offsets()
        at_start = sum(since["generations.accepted"].values())
        preload(self.stack.bootstrap, GENERATIONS.full_name(self.prefix), messages)
        wait_until(
            lambda: self.through(at_start, len(messages)),
            len(messages),
            "pipeline",
            progress,
            timeout_s=3600,
        )
        b = self.stack.bootstrap
        accepted = read_records(
            b, GENERATIONS_ACCEPTED.full_name(self.prefix), since["generations.accepted"], 600
        )
        finish = [
            r
            for t in FINISH_TOPICS
            for r in read_records(b, t.full_name(self.prefix), since[t.name], 600)
        ]
        return len(messages) / span_s(accepted, finish)

    def latency(self, messages: Messages, rate: float, progress: Progress) -> dict[str, object]:
        """At a fixed offered rate: produce → the enforcer's first output for it (violative and
        suspect events) and produce → last verdict (every event), in milliseconds."""
        since = self.topic_offsets()
        at_start = sum(since["generations.accepted"].values())
        produce_paced(self.stack.bootstrap, GENERATIONS.full_name(self.prefix), messages, rate)
        wait_until(
            lambda: self.through(at_start, len(messages)), len(messages), "draining", progress, 600
        )
        b, p = self.stack.bootstrap, self.prefix
        sent = {
            event_id(r.value): r.timestamp
            for r in read_records(b, GENERATIONS.full_name(p), since["generations"])
        }
        last_verdict: dict[str, int] = {}
        for r in read_records(b, VERDICTS.full_name(p), since["verdicts"]):
            eid = event_id(r.value)
            last_verdict[eid] = max(last_verdict.get(eid, 0), r.timestamp)
        # The enforcer's first output for a violative event: its action, or its report and review
        # request when a quota or the ladder sends the action to a person instead.
        first_output: dict[str, int] = {}
        for topic in (ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, ENFORCEMENT_REVIEW):
            for r in read_records(b, topic.full_name(p), since[topic.name]):
                eid = event_id(r.value)
                first_output[eid] = min(first_output.get(eid, r.timestamp), r.timestamp)
        return {
            "offered_eps": rate,
            "to_enforcement": percentiles(
                [t - sent[e] for e, t in first_output.items() if e in sent]
            ),
            "to_last_verdict": percentiles(
                [t - sent[e] for e, t in last_verdict.items() if e in sent]
            ),
        }


def _service_env(stack: Stack, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
        "REDIS_URL": stack.redis_url,
        "TOPIC_PREFIX": prefix,
        "FAUST_DATA_DIR": str(stack.state_dir / "faust"),
    }


async def _approve_demo_apps(bootstrap: str, prefix: str) -> None:
    changes: dict[str, AppApproval | None] = {
        app_id: approval(app_id, "bench", channels) for app_id, channels in demo.demo_apps().items()
    }
    await publish_approvals({"bootstrap_servers": bootstrap}, REGISTRY.full_name(prefix), changes)
