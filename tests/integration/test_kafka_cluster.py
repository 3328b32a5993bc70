"""kafkactl's three-node cluster: replication factor 3, min.insync.replicas 2, survives a node."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from schemas.topics import GENERATIONS
from tests.integration.harness import wait_for
from usewatch.admin import ensure_topics
from usewatch.localstack import ROOT

# Below Linux's ephemeral range (32768-60999): a listener there can collide with the local port
# of some client connection the session opened earlier, and the node dies with a BindException.
PORT = 29092


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "KAFKA_PORT": str(PORT), "KAFKA_STATE_DIR": str(tmp_path / "kafka3")}
    subprocess.run([ROOT / "infra/kafka/kafkactl", "start", "--brokers", "3"], env=env, check=True)
    try:
        yield env
    finally:
        subprocess.run([ROOT / "infra/kafka/kafkactl", "stop"], env=env, check=False)


def test_three_node_cluster_replicates_and_survives_losing_a_node(cluster: dict[str, str]) -> None:
    bootstrap = f"127.0.0.1:{PORT},127.0.0.1:{PORT + 2}"
    ensure_topics(bootstrap.split(","), "c-")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    partitions: list[dict[str, object]] = []

    def described() -> bool:
        nonlocal partitions
        (topic,) = admin.describe_topics([GENERATIONS.full_name("c-")])
        partitions = topic["partitions"]
        return len(partitions) == 6

    wait_for(described, timeout_s=30, what="metadata of the new topic")
    admin.close()
    assert all(len(p["replica_nodes"]) == 3 for p in partitions)  # type: ignore[arg-type]

    node3 = Path(cluster["KAFKA_STATE_DIR"]) / "node-3.pid"
    os.kill(int(node3.read_text()), signal.SIGKILL)

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    futures = [
        producer.send(GENERATIONS.full_name("c-"), key=f"k{i}".encode(), value=b"v")
        for i in range(100)
    ]
    producer.flush(timeout=60)
    assert all(f.get(timeout=60).offset >= 0 for f in futures)  # 2 of 3 in sync is enough
    producer.close()
