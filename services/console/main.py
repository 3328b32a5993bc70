"""The console process: the projector keeping the store from the topics, the decision
publisher, and the web page, on one event loop (`python -m services.console`,
`usewatch console`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from schemas.codec import encode, encode_key
from schemas.events import ReviewDecision
from schemas.topics import REVIEW_DECISIONS
from services.console.projector import Projector
from services.console.settings import ConsoleSettings
from services.console.store import ConsoleStore
from services.console.web import make_app

log = logging.getLogger("usewatch.console")


class KafkaPublisher:
    """Decisions onto `review.decisions`, keyed by account, acknowledged by every in-sync
    replica before the page says they were sent."""

    def __init__(self, kafka: dict[str, object], prefix: str) -> None:
        self._producer = AIOKafkaProducer(**kafka, acks="all", enable_idempotence=True)
        self._topic = REVIEW_DECISIONS.full_name(prefix)

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, decision: ReviewDecision) -> None:
        await self._producer.send_and_wait(
            self._topic, encode(decision), key=encode_key(decision.account_id)
        )


async def serve(settings: ConsoleSettings) -> None:
    if settings.console_password is None or not settings.console_password.get_secret_value():
        raise SystemExit("usewatch console: set CONSOLE_PASSWORD (the operators' password)")
    store = ConsoleStore(settings.console_database_url)
    projector = Projector(store, settings.kafka_client(), settings.topic_prefix)
    publisher = KafkaPublisher(settings.kafka_client(), settings.topic_prefix)
    # A fresh secret per process: sessions end when the console restarts (log in again).
    app = make_app(
        store,
        publisher,
        settings.console_password.get_secret_value(),
        secrets.token_bytes(32),
        settings.console_session_hours,
    )
    runner = web.AppRunner(app, access_log=None)
    try:
        await projector.start()
        await publisher.start()
        await runner.setup()
        await web.TCPSite(runner, settings.console_host, settings.console_port).start()
        log.info(
            "review console on http://%s:%d (store %s)",
            settings.console_host,
            settings.console_port,
            settings.console_database_url.split("@")[-1],
        )
        await projector.run()  # until cancelled
    finally:
        await runner.cleanup()
        await publisher.stop()
        await projector.stop()
        store.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(ConsoleSettings()))
    except (KafkaConnectionError, RuntimeError, OSError, ValueError) as exc:
        # A broker that does not answer, topics not created, a port taken, a bad store URL:
        # one line for the operator, not a traceback.
        raise SystemExit(f"usewatch console: {exc}") from None
