"""`usewatch backtest`: what would the detectors have flagged, and what would the enforcer have
done? Runs every offline-capable detector over a file of GenerationEvents in event-time order,
with in-memory state stores, and yields their verdicts; with a policy, also the actions, review
requests and reports the enforcer would publish. No Kafka, no Redis, no clock: the same input
gives the same output (`decided_at` is the event's own `occurred_at`). Offline there is no app
registry: every app counts as approved, and red-team events as approved for red-teaming."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from schemas.events import GenerationEvent, Verdict
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    VERDICTS,
    Topic,
)
from services.content_safety.local import LocalClassifier
from services.content_safety.pipeline import ContentSafetyPipeline
from services.enforcement.decide import hour_bucket
from services.enforcement.enforcer import Enforcer
from services.enforcement.policy import Policy
from services.event_view import BatchJudge
from services.gateway.admission import with_normalized_text
from services.misrepresentation import pipeline as misrepresentation_pipeline
from services.misrepresentation.model import PromptModel
from services.misrepresentation.pipeline import MisrepresentationPipeline
from services.multi_identity import pipeline as multi_identity_pipeline
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.spam import pipeline as spam_pipeline
from services.spam.detector import RULE_NAMES
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.enforcement import EnforcementState
from services.state.held_verdicts import MemoryHeldVerdicts
from services.state.links import MemoryFingerprintLinks
from services.state.near_duplicates import MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows

WINDOW_MS = 3600 * 1000  # the services' default windows
IDENTITY_WINDOW_MS = 6 * 3600 * 1000
MISREPRESENTATION_WINDOW_MS = 24 * 3600 * 1000
BATCH = 64


@dataclass(frozen=True)
class Variant:
    """What an evaluation may change in the detectors it replays: the spam rules in force (so
    `make eval` can measure each rule on the streams too)."""

    spam_rules: frozenset[str] = RULE_NAMES


@dataclass(frozen=True)
class OfflineDetector:
    name: str
    build: Callable[[Variant], BatchJudge]


# Every detector that can run offline, in the order their verdicts are printed per batch.
DETECTORS: tuple[OfflineDetector, ...] = (
    OfflineDetector(
        "spam",
        lambda v: SpamPipeline(
            ContentModel.load(),
            MemoryBehaviourWindows(WINDOW_MS, counted=spam_pipeline.COUNTED),
            MemoryNearDuplicateIndex(WINDOW_MS),
            v.spam_rules,
        ),
    ),
    OfflineDetector(
        "misrepresentation",
        lambda _: MisrepresentationPipeline(
            PromptModel.load(),
            MemoryBehaviourWindows(
                MISREPRESENTATION_WINDOW_MS, counted=misrepresentation_pipeline.COUNTED
            ),
        ),
    ),
    OfflineDetector(
        "multi_identity",
        lambda _: MultiIdentityPipeline(
            MemoryBehaviourWindows(IDENTITY_WINDOW_MS, counted=multi_identity_pipeline.COUNTED),
            MemoryNearDuplicateIndex(IDENTITY_WINDOW_MS),
            MemoryFingerprintLinks(IDENTITY_WINDOW_MS),
            MemoryHeldVerdicts(IDENTITY_WINDOW_MS),
        ),
    ),
    OfflineDetector(
        "content_safety",
        lambda _: ContentSafetyPipeline([LocalClassifier()]),
    ),
)


Published = tuple[Topic, BaseModel]


async def backtest(
    events: Iterable[GenerationEvent], policy: Policy | None = None, variant: Variant = Variant()
) -> Iterator[Published]:
    """(topic, message) pairs in the order they would be published: the verdicts of each batch,
    then (with a policy) what the enforcer makes of them. Events are replayed in event-time
    order; duplicates by event_id are dropped."""
    unique = {(e.account_id, e.event_id): e for e in reversed(list(events))}
    ordered = sorted(unique.values(), key=lambda e: (e.occurred_at, e.event_id))
    ordered = [e if e.normalized else with_normalized_text(e) for e in ordered]
    pipelines = [d.build(variant) for d in DETECTORS]
    state = EnforcementState.memory()
    # Every app counts as approved, for red-teaming too.
    enforcer = Enforcer(state, lambda: policy, lambda _: True) if policy is not None else None
    out: list[Published] = []
    for i in range(0, len(ordered), BATCH):
        batch = ordered[i : i + BATCH]
        verdicts: list[Verdict] = []
        for pipeline in pipelines:
            judged = await pipeline.judge_batch(batch, lambda e: e.occurred_at)
            verdicts.extend(v for v in judged if v is not None)
            verdicts.extend(pipeline.take_revisions())
        out.extend((VERDICTS, v) for v in verdicts)
        if enforcer is None:
            continue
        for v in verdicts:  # one at a time: each decision's time is its verdict's time
            outcome = await enforcer.enforce([v], v.decided_at)
            await state.commit(outcome.effects, hour_bucket(v.decided_at))
            for _, d in outcome.decisions:
                if d.action is not None:
                    out.append((ENFORCEMENT_ACTIONS, d.action))
                if d.review is not None:
                    out.append((ENFORCEMENT_REVIEW, d.review))
                if d.report is not None:
                    out.append((ENFORCEMENT_REPORTS, d.report))
    return iter(out)
