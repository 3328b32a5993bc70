"""Read topics without a consumer group (nothing is committed): from the beginning to the end
offsets they have when the read starts. For state rebuilt from the broker, the record of what
was published."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


async def assigned_partitions(
    consumer: AIOKafkaConsumer, topic: str, timeout_s: float
) -> list[TopicPartition]:
    """The partitions a group-less, subscribed consumer took: all of them, once it has the
    topic's metadata."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not consumer.assignment():
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions; run `usewatch topics`")
        await asyncio.sleep(0.05)
    return sorted(consumer.assignment())


async def read_to_end(
    kafka: Mapping[str, Any], topic: str, timeout_s: float = 120.0, since_ms: int | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record retained on `topic` up to its current end (with `since_ms`: from the first
    record timestamped then or later), each partition in log order. `kafka`: client options
    (`ServiceSettings.kafka_client`). TimeoutError when the broker does not deliver them within
    `timeout_s`."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    try:
        partitions = await assigned_partitions(consumer, topic, timeout_s)
        ends = await consumer.end_offsets(partitions)
        if since_ms is not None:
            starts = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
            for tp in partitions:
                found = starts.get(tp)
                consumer.seek(tp, found.offset if found is not None else ends[tp])
        records: list[ConsumerRecord[bytes, bytes]] = []
        async with asyncio.timeout(timeout_s):
            while any([await consumer.position(tp) < end for tp, end in ends.items()]):
                for tp, batch in (await consumer.getmany(timeout_ms=500)).items():
                    records.extend(r for r in batch if r.offset < ends[tp])
        return records
    finally:
        await consumer.stop()
