"""The console process: the projector keeping the store from the topics, the decision
publisher, and the web page, on one event loop (`python -m services.console`,
`usewatch console`)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets

from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from schemas.codec import encode, encode_key
from schemas.events import ReviewDecision
from schemas.topics import REVIEW_DECISIONS
from services.console import reviewers
from services.console.projector import Projector
from services.console.settings import ConsoleSettings
from services.console.store import ConsoleStore
from services.console.web import make_app
from services.settings import ServiceSettings

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


def _signing_key(own: ConsoleSettings) -> bytes:
    if own.secret is not None and own.secret.get_secret_value():
        return hashlib.sha256(own.secret.get_secret_value().encode()).digest()
    # A fresh key per process: sessions end when the console restarts (log in again).
    return secrets.token_bytes(32)


async def serve(settings: ServiceSettings, own: ConsoleSettings) -> None:
    accounts = reviewers.load(own.users) if own.users else None
    password = own.password.get_secret_value() if own.password else ""
    if not accounts and not password:
        raise SystemExit(
            "usewatch console: set CONSOLE_USERS (reviewer accounts: usewatch console-user NAME) "
            "or CONSOLE_PASSWORD (the operators' shared password)"
        )
    store = ConsoleStore(own.database_url)
    projector = Projector(store, settings.kafka_client(), settings.topic_prefix)
    publisher = KafkaPublisher(settings.kafka_client(), settings.topic_prefix)
    app = make_app(
        store,
        publisher,
        password,
        _signing_key(own),
        own.session_hours,
        reviewer_accounts=accounts,
    )
    runner = web.AppRunner(app, access_log=None)
    try:
        await projector.start()
        await publisher.start()
        await runner.setup()
        await web.TCPSite(runner, own.host, own.port).start()
        log.info(
            "review console on http://%s:%d (store %s)",
            own.host,
            own.port,
            own.database_url.split("@")[-1],
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
            asyncio.run(serve(ServiceSettings(), ConsoleSettings()))
    except (KafkaConnectionError, RuntimeError, OSError, ValueError) as exc:
        # A broker that does not answer, topics not created, a port taken, a bad store URL:
        # one line for the operator, not a traceback.
        raise SystemExit(f"usewatch console: {exc}") from None
