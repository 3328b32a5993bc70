"""The served-classifier adapter against a local HTTP server that speaks the moderation API's
shape (`POST /v1/moderations`). The server is a stand-in for the real service, written here: it
scores a text by a keyword, so what is under test is the adapter (batching, the key, the
category mapping, timeouts, the breaker and the fallback), not a model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from schemas.events import Category
from services.content_safety import classifier
from services.content_safety.classifier import TextScores
from services.content_safety.pipeline import ContentSafetyPipeline
from services.content_safety.served import Breaker, ServedClassifier
from services.gateway.admission import with_normalized_text
from tests.factories import T0, event

pytestmark = pytest.mark.unit

KEY = "test-key"


@dataclass
class StandIn:
    """The moderation endpoint's behaviour, switchable by the test."""

    mode: str = "ok"  # ok | error | slow | short
    batches: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    async def moderations(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.batches.append(len(body["input"]))
        self.keys.append(request.headers.get("Authorization", ""))
        if self.mode == "error":
            return web.json_response({"error": "overloaded"}, status=503)
        if self.mode == "slow":
            await asyncio.sleep(1.0)
        inputs = body["input"][:-1] if self.mode == "short" else body["input"]
        results = [
            {
                "flagged": "hurt" in text,
                "category_scores": {
                    "violence": 0.97 if "hurt" in text else 0.01,
                    "self-harm/intent": 0.9 if "myself" in text else 0.0,
                    "sexual": 0.99,  # adult content: no category of ours, never read
                },
            }
            for text in inputs
        ]
        return web.json_response({"id": "modr-1", "model": body["model"], "results": results})


@asynccontextmanager
async def serving(stand_in: StandIn) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/v1/moderations", stand_in.moderations)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1/moderations"
    finally:
        await runner.cleanup()


class Local:
    """The fallback, recognisable by its scores."""

    name, version = "local", "fallback-1"
    categories = frozenset({Category.HATE})

    async def score(self, texts: Sequence[str]) -> list[TextScores]:
        return [TextScores({Category.HATE: 0.05}) for _ in texts]


def served(url: str, **kw: object) -> ServedClassifier:
    options: dict[str, object] = {
        "key": KEY,
        "inputs_per_request": 4,
        "timeout_s": 0.3,
        "fallback": Local(),
        "breaker": Breaker(2, 60.0),
    }
    return ServedClassifier(url, **(options | kw))  # type: ignore[arg-type]


def test_texts_go_in_batches_with_the_key_and_come_back_in_our_categories() -> None:
    async def run() -> None:
        stand_in = StandIn()
        async with serving(stand_in) as url:
            c = served(url)
            texts = [f"text {i}" for i in range(9)] + ["I will hurt him", "I want to hurt myself"]
            scores = await c.score(texts)
            await c.close()
        assert sorted(stand_in.batches) == [3, 4, 4]
        assert set(stand_in.keys) == {f"Bearer {KEY}"}
        assert len(scores) == len(texts)
        assert scores[9].by_category[Category.VIOLENCE_INCITEMENT] == 0.97
        assert scores[10].by_category[Category.VIOLENCE_SELF_HARM] == 0.9
        assert Category.SEXUAL_EXPLOITATION not in scores[0].by_category
        assert all(s.source is None for s in scores)

    asyncio.run(run())


@pytest.mark.parametrize("mode", ["error", "slow", "short"])
def test_a_failing_endpoint_falls_back_and_opens_the_breaker(mode: str) -> None:
    async def run() -> None:
        stand_in = StandIn(mode=mode)
        async with serving(stand_in) as url:
            c = served(url, inputs_per_request=100)
            for _ in range(2):  # two failures in a row open it
                scores = await c.score(["hello"])
                assert scores[0].source == ("local", "fallback-1")
            assert c.breaker.open
            sent = c.requests
            await c.score(["hello"])
            assert c.requests == sent, "while open, no request is sent"
            await c.close()

    asyncio.run(run())


def test_the_breaker_half_opens_and_closes_when_the_endpoint_is_back() -> None:
    async def run() -> None:
        stand_in = StandIn(mode="error")
        async with serving(stand_in) as url:
            c = served(url, breaker=Breaker(1, 0.05))
            await c.score(["x"])
            assert c.breaker.open
            stand_in.mode = "ok"
            await asyncio.sleep(0.06)
            scores = await c.score(["x"])
            assert scores[0].source is None
            assert not c.breaker.open
            await c.close()

    asyncio.run(run())


def test_the_verdict_names_the_fallback_when_it_spoke() -> None:
    async def run() -> None:
        stand_in = StandIn(mode="error")
        async with serving(stand_in) as url:
            c = served(url)
            pipeline = ContentSafetyPipeline([c])
            e = with_normalized_text(event(1))
            (v,) = await pipeline.judge_batch([e], lambda _: T0)
            await c.close()
        assert v is not None
        assert v.model_version == "local:fallback-1"
        assert v.evidence["classifier"] == "local"

    asyncio.run(run())


def test_the_served_classifier_is_an_entry_point_configured_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONTENT_SAFETY_SERVED_URL", raising=False)
    with pytest.raises(ValueError, match="CONTENT_SAFETY_SERVED_URL"):
        classifier.load("served")
    monkeypatch.setenv("CONTENT_SAFETY_SERVED_URL", "http://127.0.0.1:9/v1/moderations")
    monkeypatch.setenv("CONTENT_SAFETY_SERVED_INPUTS_PER_REQUEST", "8")
    c = classifier.load("served")
    assert isinstance(c, ServedClassifier)
    assert (c.url, c.inputs_per_request, c.fallback.name) == (  # type: ignore[union-attr]
        "http://127.0.0.1:9/v1/moderations",
        8,
        "local",
    )
