"""The application registry, kept where nothing can forget it: the compacted `registry` topic.

Operators write approvals (`usewatch apps`, `publish_approvals`); every process that needs them
holds a `RegistryView`, a copy in memory that reads the topic from the beginning and then
follows it (a global table, in Kafka Streams' terms). The registry is small (one record per
app), so the copy costs nothing; no Redis key holds it, so losing Redis loses no approval, and a
new worker knows every approval as soon as it has read to the end offsets it saw at start.

`fold` is the pure part: records in, the registry out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from schemas.codec import decode, encode
from schemas.events import AppApproval, Channel
from services.topic_log import assigned_partitions

log = logging.getLogger("usewatch.registry")


def fold(
    registry: dict[str, AppApproval], records: Iterable[tuple[bytes | None, bytes | None]]
) -> dict[str, AppApproval]:
    """Apply (key, value) records in log order: a value is the key's approval, None revokes it.
    A record that is not a valid approval is logged and skipped: a bad write by hand must not
    revoke an app, nor stop the services that read the registry."""
    for key, value in records:
        if key is None:
            continue
        app_id = key.decode("utf-8", "replace")
        if value is None:
            registry.pop(app_id, None)
            continue
        try:
            approval = decode(AppApproval, value)
        except ValidationError as exc:
            log.error("registry record for %r is not an AppApproval, skipped: %s", app_id, exc)
            continue
        if approval.app_id != app_id:
            log.error("registry record keyed %r names app %r, skipped", app_id, approval.app_id)
            continue
        registry[app_id] = approval
    return registry


def approval(
    app_id: str,
    use_case: str,
    channels: Iterable[Channel],
    red_team: bool = False,
    approved_by: str | None = None,
    supervised: bool = False,
) -> AppApproval:
    return AppApproval(
        app_id=app_id,
        use_case=use_case,
        channels=sorted(set(channels)),
        red_team=red_team,
        supervised=supervised,
        approved_at=datetime.now(UTC),
        approved_by=approved_by,
    )


async def publish_approvals(
    kafka: Mapping[str, Any], topic: str, changes: Mapping[str, AppApproval | None]
) -> None:
    """Write approvals (None: revoke) and return once every broker replica acknowledged them.
    `kafka`: client options (`ServiceSettings.kafka_client`)."""
    producer = AIOKafkaProducer(**kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        acks = [
            await producer.send(
                topic, key=app_id.encode(), value=encode(a) if a is not None else None
            )
            for app_id, a in changes.items()
        ]
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


class RegistryView:
    """The registry in memory, following the topic. `get` answers from memory; `wait_ready`
    returns once the view has read what the topic held when it started."""

    def __init__(self, kafka: Mapping[str, Any], topic: str) -> None:
        self._kafka = kafka
        self._topic = topic
        self._approvals: dict[str, AppApproval] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def get(self, app_id: str) -> AppApproval | None:
        return self._approvals.get(app_id)

    def red_team_approved(self, app_id: str) -> bool:
        approval = self._approvals.get(app_id)
        return approval is not None and approval.red_team

    def supervised(self, app_id: str) -> bool:
        approval = self._approvals.get(app_id)
        return approval is not None and approval.supervised

    def all(self) -> list[AppApproval]:
        return sorted(self._approvals.values(), key=lambda a: a.app_id)

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def ready(self) -> None:
        """Start following the topic on first use; return once the view has read it to the end
        (an approval not yet read is not a missing one)."""
        if self._consumer is None:
            await self.start()
        await self._ready.wait()

    async def start(self, timeout_s: float = 30.0) -> None:
        # No consumer group: every process reads the whole topic (all partitions, from the
        # beginning) and commits nothing.
        consumer = AIOKafkaConsumer(
            self._topic,
            **self._kafka,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._consumer = consumer
        await consumer.start()
        partitions = await assigned_partitions(consumer, self._topic, timeout_s)
        ends = await consumer.end_offsets(partitions)
        self._task = asyncio.create_task(self._follow(consumer, ends), name="registry-view")

    async def _follow(self, consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> None:
        if all(end == 0 for end in ends.values()):
            self._ready.set()
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=500)
            except KafkaError as exc:  # the client reconnects; keep following
                log.warning("registry: %s; retrying", exc)
                await asyncio.sleep(1.0)
                continue
            for records in batches.values():
                fold(self._approvals, ((r.key, r.value) for r in records))
            if not self._ready.is_set() and all(
                [await consumer.position(tp) >= end for tp, end in ends.items()]
            ):
                log.info("registry: %d approved apps", len(self._approvals))
                self._ready.set()

    async def run(self) -> None:
        """Start and follow until cancelled, then stop (for a faust task)."""
        try:
            await self.start()
            assert self._task is not None
            await self._task
        finally:
            await self.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


async def read_registry(kafka: Mapping[str, Any], topic: str) -> list[AppApproval]:
    """Every current approval, read to the end of the topic (for the CLI)."""
    view = RegistryView(kafka, topic)
    try:
        await view.start()
        await asyncio.wait_for(view.wait_ready(), timeout=30)
        return view.all()
    finally:
        await view.stop()
