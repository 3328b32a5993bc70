"""A served classifier behind a moderation endpoint (entry point `served`): the shape of OpenAI's
`POST /v1/moderations` (`{"model", "input": [texts]}` → `{"results": [{"category_scores"}]}`),
which moderation gateways in front of Llama Guard class models also speak.

Configured from the environment (`ServedSettings`, CONTENT_SAFETY_SERVED_*): URL, key, model,
inputs per request, timeout, circuit breaker. Requests for one batch go out concurrently, at most
`inputs_per_request` texts each. When the endpoint fails (error status, bad body, timeout), the
batch is scored by the fallback (the local model) and the failure counts towards the breaker;
after `breaker_failures` failures in a row the breaker opens and every batch goes to the fallback
without a request for `breaker_reset_s`, then one batch tries the endpoint again. Scores from
the fallback say so (`TextScores.source`), so a verdict names the classifier that really spoke.

The endpoint's scores are probabilities and are read as the shared scale unchanged (0.5 suspect,
0.8 violation); no served model was calibrated here, since none could be run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pydantic import Field

from schemas.events import Category
from services.content_safety.classifier import ContentClassifier, TextScores
from services.content_safety.local import LocalClassifier
from services.settings import ServiceSettings

log = logging.getLogger("usewatch.content_safety.served")

CATEGORY_MAP: dict[str, Category] = {
    "hate": Category.HATE,
    "hate/threatening": Category.HATE,
    "harassment": Category.HARASSMENT,
    "harassment/threatening": Category.HARASSMENT,
    "self-harm": Category.VIOLENCE_SELF_HARM,
    "self-harm/intent": Category.VIOLENCE_SELF_HARM,
    "self-harm/instructions": Category.VIOLENCE_SELF_HARM,
    "sexual/minors": Category.SEXUAL_EXPLOITATION,
    "violence": Category.VIOLENCE_INCITEMENT,
    "illicit/violent": Category.VIOLENCE_INCITEMENT,
    "violence/graphic": Category.ANTISOCIAL_GRAPHIC,
}
"""The endpoint's categories onto the policy's. `sexual` (adult content) and `illicit` have no
category of ours of their own and are not read; a category scored by several of the endpoint's
takes the highest."""


class ServedSettings(ServiceSettings):
    """CONTENT_SAFETY_SERVED_* environment variables."""

    content_safety_served_url: str = Field(
        default="", description="The moderation endpoint, e.g. https://…/v1/moderations."
    )
    content_safety_served_key: str = Field(default="", description="Bearer token, if any.")
    content_safety_served_model: str = Field(default="omni-moderation-latest")
    content_safety_served_inputs_per_request: int = Field(default=32, ge=1, le=1024)
    content_safety_served_timeout_s: float = Field(default=2.0, gt=0)
    content_safety_served_breaker_failures: int = Field(default=3, ge=1)
    content_safety_served_breaker_reset_s: float = Field(default=30.0, gt=0)


class EndpointError(RuntimeError):
    pass


@dataclass
class Breaker:
    """Open after `failures` failures in a row; half-open (one attempt) `reset_s` later."""

    failures: int
    reset_s: float
    _in_a_row: int = 0
    _opened_at: float | None = None

    def allows(self, now: float) -> bool:
        return self._opened_at is None or now - self._opened_at >= self.reset_s

    def succeeded(self) -> None:
        self._in_a_row, self._opened_at = 0, None

    def failed(self, now: float) -> None:
        self._in_a_row += 1
        if self._in_a_row >= self.failures:
            if self._opened_at is None:
                log.error("served classifier: breaker open after %d failures", self._in_a_row)
            self._opened_at = now

    @property
    def open(self) -> bool:
        return self._opened_at is not None


def scores_of(result: dict[str, Any]) -> TextScores:
    """One result of the endpoint onto the policy's categories."""
    raw = result["category_scores"]
    scores: dict[Category, float] = {}
    for name, category in CATEGORY_MAP.items():
        value = raw.get(name)
        if isinstance(value, int | float):
            scores[category] = max(scores.get(category, 0.0), min(max(float(value), 0.0), 1.0))
    return TextScores(scores)


@dataclass
class ServedClassifier:
    url: str
    key: str = ""
    model: str = "omni-moderation-latest"
    inputs_per_request: int = 32
    timeout_s: float = 2.0
    fallback: ContentClassifier | None = None
    breaker: Breaker = field(default_factory=lambda: Breaker(3, 30.0))
    name: str = "served"
    requests: int = 0
    """Requests sent (for tests and metrics)."""
    _session: aiohttp.ClientSession | None = field(default=None, init=False)

    @classmethod
    def from_env(cls) -> ServedClassifier:
        s = ServedSettings()
        if not s.content_safety_served_url:
            raise ValueError("CONTENT_SAFETY_SERVED_URL is not set; the served classifier needs it")
        return cls(
            url=s.content_safety_served_url,
            key=s.content_safety_served_key,
            model=s.content_safety_served_model,
            inputs_per_request=s.content_safety_served_inputs_per_request,
            timeout_s=s.content_safety_served_timeout_s,
            fallback=LocalClassifier(),
            breaker=Breaker(
                s.content_safety_served_breaker_failures, s.content_safety_served_breaker_reset_s
            ),
        )

    @property
    def version(self) -> str:
        return self.model

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(CATEGORY_MAP.values())

    async def score(self, texts: Sequence[str]) -> list[TextScores]:
        if not texts:
            return []
        if self.breaker.allows(time.monotonic()):
            try:
                scored = await self._ask(texts)
            except EndpointError as exc:
                log.warning("served classifier failed, using the fallback: %s", exc)
                self.breaker.failed(time.monotonic())
            else:
                self.breaker.succeeded()
                return scored
        return await self._fall_back(texts)

    async def _fall_back(self, texts: Sequence[str]) -> list[TextScores]:
        if self.fallback is None:
            raise EndpointError("the served classifier is unavailable and has no fallback")
        scores = await self.fallback.score(texts)
        source = (self.fallback.name, self.fallback.version)
        return [TextScores(s.by_category, source=source) for s in scores]

    async def _ask(self, texts: Sequence[str]) -> list[TextScores]:
        n = self.inputs_per_request
        chunks = [list(texts[i : i + n]) for i in range(0, len(texts), n)]
        parts = await asyncio.gather(*(self._request(c) for c in chunks))
        return [s for part in parts for s in part]

    async def _request(self, inputs: list[str]) -> list[TextScores]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        self.requests += 1
        try:
            async with self._session.post(
                self.url,
                json={"model": self.model, "input": inputs},
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                if response.status != 200:
                    raise EndpointError(f"HTTP {response.status} from {self.url}")
                body = await response.json()
            results = body["results"]
            if not isinstance(results, list) or len(results) != len(inputs):
                raise EndpointError(f"{len(inputs)} inputs, a body with another count of results")
            return [scores_of(r) for r in results]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            raise EndpointError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def served() -> ServedClassifier:
    """The entry point: configured from the environment."""
    return ServedClassifier.from_env()
