"""Keeps the console's store from the topics: review items, actions (reversals included),
reports and decisions, each upserted by its own id. No consumer group: the store keeps its own
position in every partition, in the same transaction as the records (store.py), so a new or
lost store reads the topics from the beginning and rebuilds itself. A record that does not
decode is logged and skipped: the enforcer and the console wrote it, so it is a bug, not a
reason to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from schemas.codec import decode
from schemas.events import EnforcementEvent, ReviewDecision, ViolationReport
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    REVIEW_DECISIONS,
    Topic,
)
from services.console.store import ConsoleStore

log = logging.getLogger("usewatch.console.projector")
TOPICS = (ENFORCEMENT_REVIEW, ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, REVIEW_DECISIONS)


def writers(store: ConsoleStore) -> dict[Topic, Callable[[bytes], None]]:
    """How each topic's record goes into the store."""
    return {
        ENFORCEMENT_REVIEW: lambda b: store.add_review(decode(EnforcementEvent, b)),
        ENFORCEMENT_ACTIONS: lambda b: store.add_action(decode(EnforcementEvent, b)),
        ENFORCEMENT_REPORTS: lambda b: store.add_report(decode(ViolationReport, b)),
        REVIEW_DECISIONS: lambda b: store.add_decision(decode(ReviewDecision, b)),
    }


def project(store: ConsoleStore, topic: Topic, value: bytes | None) -> bool:
    """One record into the store; False (logged) when it does not decode."""
    if value is None:
        return False
    try:
        writers(store)[topic](value)
    except ValidationError as exc:
        log.error("undecodable %s record: %d error(s)", topic.name, exc.error_count())
        return False
    return True


class Projector:
    def __init__(self, store: ConsoleStore, kafka: dict[str, Any], prefix: str) -> None:
        self.store = store
        self._by_name = {
            t.full_name(prefix): t
            for t in (
                ENFORCEMENT_REVIEW,
                ENFORCEMENT_ACTIONS,
                ENFORCEMENT_REPORTS,
                REVIEW_DECISIONS,
            )
        }
        # Group-less and subscribed: every partition of the four topics, new ones included.
        self._consumer = AIOKafkaConsumer(
            *self._by_name,
            **kafka,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.records = 0

    async def start(self, timeout_s: float = 60.0) -> None:
        """Connect and go to where the store got to (the beginning for a new store)."""
        await self._consumer.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while {tp.topic for tp in self._consumer.assignment()} != set(self._by_name):
            if loop.time() > deadline:
                raise RuntimeError("the console's topics have no partitions; run usewatch topics")
            await asyncio.sleep(0.05)
        stored = self.store.offsets()
        for tp in self._consumer.assignment():
            at = stored.get((tp.topic, tp.partition))
            if at is not None:
                self._consumer.seek(tp, at)
        log.info("projecting from %d stored partition positions", len(stored))

    async def stop(self) -> None:
        await self._consumer.stop()

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
            if not batches:
                continue
            with self.store.batch():
                for tp, records in batches.items():
                    topic = self._by_name[tp.topic]
                    for record in records:
                        project(self.store, topic, record.value)
                    self.store.set_offset(tp.topic, tp.partition, records[-1].offset + 1)
                    self.records += len(records)
