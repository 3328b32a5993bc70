"""Real parts for integration tests: the broker and Redis started by the same infra scripts that
`make up` uses (on their own ports, so a running dev stack is left alone), service processes
that can be killed with SIGKILL, and readers that drain a topic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from pydantic import BaseModel

from schemas.codec import decode
from schemas.topics import Topic

ROOT = Path(__file__).resolve().parents[2]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Stack:
    kafka_port: int
    redis_port: int
    state_dir: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def script_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_STATE_DIR": str(self.state_dir / "kafka"),
            "REDIS_PORT": str(self.redis_port),
            "REDIS_STATE_DIR": str(self.state_dir / "redis"),
        }

    def start(self) -> None:
        for cmd in (["infra/redis/redisctl", "start"], ["infra/kafka/kafkactl", "start"]):
            subprocess.run(cmd, cwd=ROOT, env=self.script_env(), check=True)

    def stop(self) -> None:
        for cmd in (["infra/kafka/kafkactl", "stop"], ["infra/redis/redisctl", "stop"]):
            subprocess.run(cmd, cwd=ROOT, env=self.script_env(), check=False)


@dataclass
class ServiceProcess:
    """One service worker as its own OS process, like `make up` runs it."""

    module: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, ready_timeout_s: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_timeout_s
        while b"[^Worker]: Ready" not in self.log_path.read_bytes()[offset:]:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited; see {self.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.module} not ready; see {self.log_path}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no flush, no commit, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Received:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def read_topic(
    bootstrap: str,
    name: str,
    *,
    until: Callable[[list[Received]], bool],
    timeout_s: float = 60.0,
) -> list[Received]:
    """Everything on a topic from the start, read until `until(received)` or the timeout."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        received: list[Received] = []
        deadline = time.monotonic() + timeout_s
        while not until(received) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200, max_records=5000).values():
                received.extend(Received(r.key, r.value, list(r.headers or ())) for r in records)
        return received
    finally:
        consumer.close()


def read_all(bootstrap: str, name: str, timeout_s: float = 30.0) -> list[Received]:
    """Everything on a topic now: reads up to the end offsets taken when the call starts."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        received: list[Received] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {name} to its end in {timeout_s}s")
            for records in consumer.poll(timeout_ms=200, max_records=5000).values():
                received.extend(Received(r.key, r.value, list(r.headers or ())) for r in records)
        return received
    finally:
        consumer.close()


def decode_all(model: type[M], received: list[Received]) -> list[M]:
    return [decode(model, r.value) for r in received]


def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """Messages on `topic` that consumer group `group` has not committed yet."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        committed = {
            tp: meta.offset
            for tp, meta in admin.list_group_offsets(group).get(group, {}).items()
            if tp.topic == topic
        }
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        return sum(end - max(committed.get(tp, 0), 0) for tp, end in ends.items())
    finally:
        admin.close()
        consumer.close()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


def topic_name(topic: Topic, prefix: str) -> str:
    return topic.full_name(prefix)
