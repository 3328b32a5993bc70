"""`make bench`: throughput of the gateway beside the raw Kafka limit, measured in the same run,
and the spam detector's cost per event.

Both stages read the same pre-loaded messages from a 6-partition topic and write to another:

- P0: a bare aiokafka passthrough (getmany, produce the same bytes with acks=all, commit), the
  most a Python consumer-producer can move on this machine and broker;
- gateway: the real `python -m services.gateway` worker (validate, normalise, de-duplicate in
  Redis, publish, wait for acks).

Throughput is output messages / (last output CreateTime − first output CreateTime), the same
clock for both, so start-up and group joins are not counted. Absolute numbers on a shared 2-core
machine are noisy; the ratio gateway/P0 is the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from rich.console import Console
from rich.table import Table

from schemas.codec import encode, encode_key
from schemas.events import Category, GenerationEvent, Label, Verdict
from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED
from services.enforcement.decide import hour_bucket
from services.enforcement.enforcer import Enforcer
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.gateway.admission import with_normalized_text
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.enforcement import ContextWrite, RedisEnforcementState, StoredContext
from services.state.links import RedisFingerprintLinks
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.windows import RedisBehaviourWindows
from usewatch import demo
from usewatch.admin import ensure_topics
from usewatch.localstack import ROOT, ServiceProcess, Stack

console = Console()


def preload(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024
    )
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def output_span(bootstrap: str, topic: str, expected: int, timeout_s: float) -> tuple[int, float]:
    """Wait for `expected` messages on `topic`; return (count, seconds from first to last)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_bytes=64 * 1024 * 1024
    )
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    count, first, last = 0, float("inf"), 0.0
    deadline = time.monotonic() + timeout_s
    while count < expected and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500, max_records=10_000).values():
            for r in records:
                count += 1
                first = min(first, r.timestamp)
                last = max(last, r.timestamp)
    consumer.close()
    if count < expected:
        raise TimeoutError(f"only {count} of {expected} messages on {topic}")
    return count, (last - first) / 1000.0


async def passthrough(bootstrap: str, src: str, dst: str, expected: int, group: str) -> None:
    consumer = AIOKafkaConsumer(
        src,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        done = 0
        while done < expected:
            batches = await consumer.getmany(timeout_ms=100, max_records=2000)
            acks = [
                await producer.send(dst, m.value, key=m.key)
                for messages in batches.values()
                for m in messages
            ]
            await asyncio.gather(*acks)
            await consumer.commit()
            done += len(acks)
    finally:
        await producer.stop()
        await consumer.stop()


async def detector_cost(redis_url: str, events: list[GenerationEvent], batch: int) -> float:
    """Wall µs per event of the spam detector's batch pipeline in this process, Redis state
    included (one round trip per store per batch), at the given batch size."""
    client = aioredis.from_url(redis_url)
    prefix = f"bench:{batch}:{time.time_ns()}:"
    pipeline = SpamPipeline(
        ContentModel.load(),
        RedisBehaviourWindows(client, prefix, 3_600_000),
        RedisNearDuplicateIndex(client, prefix, 3_600_000),
    )
    started = time.perf_counter()
    for i in range(0, len(events), batch):
        await pipeline.judge_batch(events[i : i + batch], lambda e: e.occurred_at)
    elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed / len(events) * 1e6


async def enforcer_rate(redis_url: str, count: int = 20_000, batch: int = 256) -> float:
    """Decisions per second of the enforcer alone (load, decide, commit; Redis state, no
    Kafka): violation verdicts spread over 2,000 accounts, contexts stored beforehand."""
    client = aioredis.from_url(redis_url)
    prefix = f"bench:enf:{time.time_ns()}:"
    state = RedisEnforcementState(client, prefix)
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"quotas_per_hour": {}})
    enforcer = Enforcer(state, lambda: policy)
    now = datetime.now(UTC)
    verdicts = [
        Verdict(
            event_id=f"e{i}",
            account_id=f"a{i % 2000}",
            detector="bench",
            category=Category.SPAM,
            score=0.9 if i % 3 else 0.6,
            label=Label.VIOLATION,
            evidence={"signals": ["bench"]},
            model_version="bench",
            decided_at=now,
        )
        for i in range(count)
    ]
    await state.put_contexts(
        [
            ContextWrite(v.account_id, v.event_id, StoredContext("app", now, False, False))
            for v in verdicts
        ]
    )
    started = time.perf_counter()
    for i in range(0, count, batch):
        outcome = await enforcer.enforce(verdicts[i : i + batch], now)
        await state.commit(outcome.effects, hour_bucket(now))
    elapsed = time.perf_counter() - started
    await client.aclose()
    return count / elapsed


async def detectors_memory(redis_url: str, accounts: int = 20_000) -> dict[str, float]:
    """Redis bytes per 100k accounts held by both detectors' state after one event per account
    (windows, near-duplicate index, fingerprint links, judged marks excluded), and the
    multi-identity detector's µs per event at batch 64."""
    client = aioredis.from_url(redis_url)
    await client.flushdb()
    before = int((await client.info("memory"))["used_memory"])
    hour = 3_600_000
    spam = SpamPipeline(
        ContentModel.load(),
        RedisBehaviourWindows(client, "m:s:", hour),
        RedisNearDuplicateIndex(client, "m:s:", hour),
    )
    multi = MultiIdentityPipeline(
        RedisBehaviourWindows(client, "m:i:", 6 * hour),
        RedisNearDuplicateIndex(client, "m:i:", 6 * hour),
        RedisFingerprintLinks(client, "m:i:", 6 * hour),
    )
    events = [
        with_normalized_text(
            e.model_copy(update={"account_id": f"acct-{i}", "event_id": f"mem-{i}"})
        )
        for i, e in enumerate(demo.generate(accounts, seed=21))
    ]
    multi_seconds = 0.0
    for i in range(0, len(events), 64):
        batch = events[i : i + 64]
        await spam.judge_batch(batch, lambda e: e.occurred_at)
        started = time.perf_counter()
        await multi.judge_batch(batch, lambda e: e.occurred_at)
        multi_seconds += time.perf_counter() - started
    after = int((await client.info("memory"))["used_memory"])
    await client.flushdb()
    await client.aclose()
    return {
        "redis_mb_per_100k_accounts": (after - before) / accounts * 100_000 / 1e6,
        "multi_identity_us_per_event_batch64": multi_seconds / len(events) * 1e6,
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    n = args.events

    stack = Stack(kafka_port=29092, redis_port=26379, state_dir=ROOT / ".run" / "bench-stack")
    stack.stop()
    stack.start()
    try:
        console.print(f"generating {n} demo events")
        messages = [(encode_key(e.account_id), encode(e)) for e in demo.generate(n, seed=11)]
        mean_bytes = sum(len(v) for _, v in messages) / n
        results: dict[str, Any] = {}

        p0 = f"bench{int(time.time())}-p0-"
        ensure_topics([stack.bootstrap], p0)
        preload(stack.bootstrap, GENERATIONS.full_name(p0), messages)
        console.print("P0: raw aiokafka passthrough")
        cpu0 = time.process_time()
        asyncio.run(
            passthrough(
                stack.bootstrap,
                GENERATIONS.full_name(p0),
                GENERATIONS_ACCEPTED.full_name(p0),
                n,
                f"{p0}group",
            )
        )
        p0_cpu = time.process_time() - cpu0
        count, span = output_span(stack.bootstrap, GENERATIONS_ACCEPTED.full_name(p0), n, 120)
        results["p0_eps"] = count / span
        results["p0_cpu_us_per_event"] = p0_cpu / n * 1e6

        gw = f"bench{int(time.time())}-gw-"
        ensure_topics([stack.bootstrap], gw)
        preload(stack.bootstrap, GENERATIONS.full_name(gw), messages)
        console.print("gateway: python -m services.gateway")
        worker = ServiceProcess(
            "services.gateway",
            env={
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
                "REDIS_URL": stack.redis_url,
                "TOPIC_PREFIX": gw,
                "FAUST_DATA_DIR": str(stack.state_dir / "faust"),
            },
            log_path=stack.state_dir / "logs" / "gateway.log",
        )
        worker.start()
        assert worker.proc is not None
        pid = worker.proc.pid
        cpu_start = cpu_seconds(pid)
        count, span = output_span(stack.bootstrap, GENERATIONS_ACCEPTED.full_name(gw), n, 600)
        results["gateway_eps"] = count / span
        results["gateway_cpu_us_per_event"] = (cpu_seconds(pid) - cpu_start) / n * 1e6
        results["gateway_peak_rss_mb"] = peak_rss_mb(pid)
        worker.stop()

        sample = [with_normalized_text(e) for e in demo.generate(min(n, 5_000), seed=12)]
        console.print("spam detector: batch pipeline with Redis state, batch 1 and 64")
        for size in (1, 64):
            results[f"spam_us_per_event_batch{size}"] = asyncio.run(
                detector_cost(stack.redis_url, sample, size)
            )

        console.print("detector state: Redis memory per 100k accounts")
        results.update(asyncio.run(detectors_memory(stack.redis_url)))
        console.print("enforcer: decisions per second, Redis state, batches of 256")
        results["enforcer_decisions_per_s"] = asyncio.run(enforcer_rate(stack.redis_url))

        results["ratio"] = results["gateway_eps"] / results["p0_eps"]
        results["events"] = n
        results["mean_event_bytes"] = mean_bytes
        results["machine"] = {
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
        }
    finally:
        stack.stop()

    table = Table(title=f"gateway throughput, {n} events of ~{mean_bytes:.0f} B")
    for col in ("stage", "events/s", "ratio to P0", "CPU µs/event"):
        table.add_column(col, justify="right")
    table.add_row(
        "P0 aiokafka passthrough",
        f"{results['p0_eps']:,.0f}",
        "1.00",
        f"{results['p0_cpu_us_per_event']:.0f}",
    )
    table.add_row(
        "gateway",
        f"{results['gateway_eps']:,.0f}",
        f"{results['ratio']:.2f}",
        f"{results['gateway_cpu_us_per_event']:.0f}",
    )
    console.print(table)
    console.print(
        f"multi-identity detector: {results['multi_identity_us_per_event_batch64']:.0f} µs/event "
        f"at batch 64; detectors' Redis state: {results['redis_mb_per_100k_accounts']:.0f} MB "
        "per 100k accounts (one event each)"
    )
    console.print(
        f"enforcer alone: {results['enforcer_decisions_per_s']:,.0f} decisions/s "
        "(load, decide, commit; Redis state)"
    )
    console.print(
        f"spam detector: {results['spam_us_per_event_batch1']:.0f} µs/event at batch 1, "
        f"{results['spam_us_per_event_batch64']:.0f} µs/event at batch 64 (Redis state included)"
    )
    out = Path(os.environ.get("BENCH_OUT", ROOT / ".run" / "bench.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"wrote {out}")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


if __name__ == "__main__":
    main()
