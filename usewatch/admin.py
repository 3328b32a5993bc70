"""Broker-side helpers: create the contract's topics from `schemas.topics` (the one owner of
names and partition counts; idempotent), read a topic's records between offsets, and a consumer
group's lag. Used by the CLI, the tests and the benchmark."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from schemas.topics import ALL_TOPICS


def ensure_topics(bootstrap: list[str], prefix: str = "", **auth: Any) -> list[str]:
    """Create every missing topic; return the names created. Replication factor is the broker's
    default (1 on one node, 3 on the three-node cluster that kafkactl starts). `auth`: the
    login of a secured broker (`ServiceSettings.kafka_auth()`)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="usewatch-admin", **auth)
    try:
        existing = set(admin.list_topics())
        wanted = {
            t.full_name(prefix): {
                "num_partitions": t.partitions,
                "replication_factor": -1,
                "configs": t.configs(),
            }
            for t in ALL_TOPICS
            if t.full_name(prefix) not in existing
        }
        if wanted:
            # Another process may create them between our list and create: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted, wait_for_metadata=True)
        return sorted(wanted)
    finally:
        admin.close()


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Partition → the offset the next record will get."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: end for tp, end in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def read_records(
    bootstrap: str, topic: str, since: Mapping[int, int] | None = None, timeout_s: float = 60.0
) -> list[Any]:
    """kafka-python ConsumerRecords of `topic` from `since` (partition → offset; default the
    beginning) up to the end offsets taken when the call starts."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_bytes=64 * 1024 * 1024
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        for tp in partitions:
            if since is not None and tp.partition in since:
                consumer.seek(tp, since[tp.partition])
            else:
                consumer.seek_to_beginning(tp)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout_s}s")
            for batch in consumer.poll(timeout_ms=200, max_records=10_000).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """Records on `topic` that consumer group `group` has not committed yet."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        committed = {
            tp.partition: meta.offset
            for tp, meta in admin.list_group_offsets(group).get(group, {}).items()
            if tp.topic == topic
        }
    finally:
        admin.close()
    ends = end_offsets(bootstrap, topic)
    return sum(end - max(committed.get(p, 0), 0) for p, end in ends.items())
