"""P0 for `make bench`: the raw Kafka limit of a Python consumer-producer. A bare aiokafka loop
(getmany, produce the same bytes with acks=all, wait for the acks, commit, as faust does) from
`<prefix>generations` to `<prefix>generations.accepted`. Run as its own process:
`python -m bench.passthrough PREFIX`, with KAFKA_BOOTSTRAP_SERVERS set; it prints "ready" once
its consumer has partitions and runs until SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED
from services.settings import ServiceSettings


async def passthrough(bootstrap: str, prefix: str) -> None:
    consumer = AIOKafkaConsumer(
        GENERATIONS.full_name(prefix),
        bootstrap_servers=bootstrap,
        group_id=f"{prefix}passthrough",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await consumer.start()
    await producer.start()
    dst = GENERATIONS_ACCEPTED.full_name(prefix)
    announced = False
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=50, max_records=2000)
            if not announced and consumer.assignment():
                print("ready", flush=True)
                announced = True
            acks = [
                await producer.send(dst, m.value, key=m.key)
                for messages in batches.values()
                for m in messages
            ]
            if acks:
                await asyncio.gather(*acks)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(passthrough(ServiceSettings().kafka_bootstrap_servers, sys.argv[1]))
