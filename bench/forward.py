"""P0-F for `make bench`: a faust agent that only forwards, with the services' own faust
configuration and batching (`take_events` of up to 256 within 10 ms as the detectors, publish,
wait for acks), from `<prefix>generations` to `<prefix>generations.accepted`. What faust costs
before any work is done, in throughput and in latency per hop.
`python -m bench.forward` with TOPIC_PREFIX and KAFKA_BOOTSTRAP_SERVERS set."""

from __future__ import annotations

import asyncio
import sys
from typing import cast

import faust

from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED
from services.faust_app import make_app, raw_topic, send
from services.settings import ServiceSettings

settings = ServiceSettings()
app = make_app("bench-forward", settings)
source = raw_topic(app, GENERATIONS.full_name(settings.topic_prefix))
destination = GENERATIONS_ACCEPTED.full_name(settings.topic_prefix)


@app.agent(source)
async def forward(stream: faust.StreamT[bytes]) -> None:
    async for batch in cast(faust.Stream[bytes], stream).take_events(256, within=0.01):
        acks = [await send(app, destination, e.message.key, e.message.value or b"") for e in batch]
        await asyncio.gather(*acks)


if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    app.main()
