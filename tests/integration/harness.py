"""Readers that drain a topic and wait for a consumer group, for integration tests. The broker,
Redis and service processes come from `usewatch.localstack`."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from pydantic import BaseModel

from schemas.codec import decode

M = TypeVar("M", bound=BaseModel)


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


def scrape(port: int) -> dict[str, float]:
    """The Prometheus text a service serves, as {"name{labels}": value} (comments dropped)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def total(samples: dict[str, float], name: str, having: str = "") -> float:
    """The sum of a metric's samples over its labels (those that contain `having`)."""
    return sum(v for k, v in samples.items() if k.partition("{")[0] == name and having in k)
