"""Create the contract's topics on the broker, from `schemas.topics` (the one owner of names and
partition counts). Idempotent: topics that exist are left alone."""

from __future__ import annotations

import contextlib

from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from schemas.topics import ALL_TOPICS


def ensure_topics(bootstrap: list[str], prefix: str = "") -> list[str]:
    """Create every missing topic; return the names created. Replication factor is the broker's
    default (1 on one node, 3 on the three-node cluster that kafkactl starts)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="usewatch-admin")
    try:
        existing = set(admin.list_topics())
        wanted = {
            t.full_name(prefix): {"num_partitions": t.partitions, "replication_factor": -1}
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
