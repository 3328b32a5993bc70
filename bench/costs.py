"""In-process costs for `make bench`: wall µs per event of each detector's batch pipeline (Redis
state included), the enforcer's decisions per second, and the detectors' Redis memory per 100k
accounts. No Kafka: what each stage's own work costs."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis.asyncio as aioredis

from schemas.events import (
    Category,
    Channel,
    ClientFingerprint,
    GenerationEvent,
    Label,
    Verdict,
    VerdictSubject,
)
from services.content_safety.local import LocalClassifier
from services.content_safety.pipeline import ContentSafetyPipeline
from services.enforcement.decide import hour_bucket
from services.enforcement.enforcer import Enforcer
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from services.event_view import BatchJudge
from services.gateway.admission import with_normalized_text
from services.misrepresentation import pipeline as misrepresentation_pipeline
from services.misrepresentation.model import PromptModel
from services.misrepresentation.pipeline import MisrepresentationPipeline
from services.multi_identity import pipeline as multi_identity_pipeline
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.spam import pipeline as spam_pipeline
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.enforcement import EnforcementState
from services.state.held_verdicts import RedisHeldVerdicts
from services.state.keys import Namespace, key_prefix
from services.state.links import RedisFingerprintLinks
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.packing import PackingConnection
from services.state.windows import RedisBehaviourWindows
from usewatch import demo
from usewatch.extremes import EXTREMES, at_the_bound

HOUR = 3_600_000

Builder = Callable[[aioredis.Redis, str, str], BatchJudge]
"""(client, the detector's own key prefix, the prefix of the near-duplicate index it shares)."""

DETECTORS: dict[str, Builder] = {
    "spam": lambda c, p, shared: SpamPipeline(
        ContentModel.load(),
        RedisBehaviourWindows(c, p, HOUR, counted=spam_pipeline.COUNTED),
        RedisNearDuplicateIndex(c, shared, HOUR),
    ),
    "misrepresentation": lambda c, p, shared: MisrepresentationPipeline(
        PromptModel.load(),
        RedisBehaviourWindows(c, p, 24 * HOUR, counted=misrepresentation_pipeline.COUNTED),
    ),
    "multi_identity": lambda c, p, shared: MultiIdentityPipeline(
        RedisBehaviourWindows(c, p, 6 * HOUR, counted=multi_identity_pipeline.COUNTED),
        RedisNearDuplicateIndex(c, shared, 6 * HOUR),
        RedisFingerprintLinks(c, p, 6 * HOUR),
        RedisHeldVerdicts(c, p, 6 * HOUR),
    ),
    "content_safety": lambda c, p, shared: ContentSafetyPipeline([LocalClassifier()]),
}

NAMESPACES = {
    "spam": Namespace.SPAM,
    "misrepresentation": Namespace.MISREPRESENTATION,
    "multi_identity": Namespace.MULTI_IDENTITY,
    "content_safety": Namespace.SHARED,  # keeps no state
}
"""Each detector's key namespace in production, so that memory is measured on the keys it
writes there (a key's name is part of its cost)."""


def sample_events(n: int, seed: int = 12) -> list[GenerationEvent]:
    return [with_normalized_text(e) for e in demo.generate(n, seed=seed, run="cost")]


def extreme_events(n_each: int, seed: int = 13) -> list[GenerationEvent]:
    """Demo events rewritten to every extreme the schema allows (usewatch/extremes.py)."""
    base = list(demo.generate(n_each, seed=seed, run="extreme"))
    return [with_normalized_text(e) for name in EXTREMES for e in at_the_bound(base, name)]


def _client(redis_url: str) -> aioredis.Redis:
    """A client whose connections pack commands as the services' do (`stage_metrics`)."""
    return aioredis.from_url(redis_url, connection_class=PackingConnection)


async def detector_cost(
    redis_url: str, name: str, events: list[GenerationEvent], batch: int
) -> float:
    """Wall µs per event of one detector's batch pipeline in this process at `batch`."""
    client = _client(redis_url)
    run = f"bench:{batch}:{time.time_ns()}:"
    pipeline = DETECTORS[name](client, f"{run}{name}:", run)
    started = time.perf_counter()
    for i in range(0, len(events), batch):
        await pipeline.judge_batch(events[i : i + batch], lambda e: e.occurred_at)
    elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed / len(events) * 1e6


async def enforcer_rate(redis_url: str, count: int = 20_000, batch: int = 256) -> float:
    """Decisions per second of the enforcer alone (load, decide, commit; Redis state, no
    Kafka): violation verdicts spread over 2,000 accounts."""
    client = _client(redis_url)
    state = EnforcementState.redis(client, f"bench:enf:{time.time_ns()}:")
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"quotas_per_hour": {}})
    await state.mark_whole()
    enforcer = Enforcer(state, lambda: policy, lambda _: False)
    now = datetime.now(UTC)
    verdicts = [
        Verdict(
            event_id=f"e{i}",
            account_id=f"a{i % 2000}",
            subject=VerdictSubject(app_id="app", channel=Channel.EMAIL, occurred_at=now),
            detector="bench",
            category=Category.SPAM,
            score=0.9 if i % 3 else 0.6,
            label=Label.VIOLATION,
            evidence={"signals": ["bench"]},
            model_version="bench",
            decided_at=now,
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    for i in range(0, count, batch):
        outcome = await enforcer.enforce(verdicts[i : i + batch], now)
        await state.commit(outcome.effects, hour_bucket(now))
    elapsed = time.perf_counter() - started
    await client.aclose()
    return count / elapsed


def _own(e: GenerationEvent, i: int) -> ClientFingerprint | None:
    """The event's device and address made account `i`'s own (its API key too, above). The
    demo's few hundred accounts each send many events; renamed to one account per event, they
    would otherwise share those accounts' devices and keys, and the measurement would be of one
    farm of thousands of accounts on a few hundred devices (fingerprint links then held a
    cluster root for 99.6 % of accounts)."""
    if e.client is None:
        return None
    return ClientFingerprint(
        ip_hash=e.client.ip_hash and f"{e.client.ip_hash}-{i}",
        device_hash=e.client.device_hash and f"{e.client.device_hash}-{i}",
    )


async def detectors_memory(redis_url: str, accounts: int = 20_000) -> float:
    """Redis MB per 100k accounts held by every detector's state after one event per account
    (windows, the near-duplicate index they share, fingerprint links; judged marks excluded)."""
    client = _client(redis_url)
    await client.flushdb()
    before = int((await client.info("memory"))["used_memory"])
    shared = key_prefix("", Namespace.SHARED)
    pipelines = [
        build(client, key_prefix("", NAMESPACES[name]), shared) for name, build in DETECTORS.items()
    ]
    events = [
        with_normalized_text(
            e.model_copy(
                update={
                    "account_id": f"acct-{i}",
                    "event_id": f"mem-{i}",
                    "api_key_id": e.api_key_id and f"{e.api_key_id}-{i}",
                    "client": _own(e, i),
                }
            )
        )
        for i, e in enumerate(demo.generate(accounts, seed=21, run="mem"))
    ]
    for i in range(0, len(events), 64):
        for p in pipelines:
            await p.judge_batch(events[i : i + 64], lambda e: e.occurred_at)
    after = int((await client.info("memory"))["used_memory"])
    await client.flushdb()
    await client.aclose()
    return (after - before) / accounts * 100_000 / 1e6
