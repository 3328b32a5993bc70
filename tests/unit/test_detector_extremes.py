"""Every detector judges the extremes the schema allows (SPEC §3: 32,000 characters per text,
1,000 recipients, 32 attributes at their longest) without failing, and its text scans are
bounded: what lies past the bound (services/skeleton.py MAX_CHARS) cannot change a verdict, so
it is never read. What the extremes cost per event is a figure of `make bench`, not a test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from schemas.events import (
    GenerationEvent,
)
from services.content_safety.local import LocalClassifier
from services.content_safety.pipeline import ContentSafetyPipeline
from services.event_view import BatchJudge
from services.gateway.admission import with_normalized_text
from services.misrepresentation.model import PromptModel
from services.misrepresentation.pipeline import MisrepresentationPipeline
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.skeleton import MAX_CHARS
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.held_verdicts import MemoryHeldVerdicts
from services.state.links import MemoryFingerprintLinks
from services.state.near_duplicates import MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows
from tests.factories import event
from usewatch.extremes import EXTREMES, at_the_bound

pytestmark = pytest.mark.unit

HOUR = 3_600_000
SPAM_MODEL, PROMPT_MODEL = ContentModel.load(), PromptModel.load()
LOCAL = LocalClassifier()

DETECTORS: dict[str, Callable[[], BatchJudge]] = {
    "spam": lambda: SpamPipeline(
        SPAM_MODEL, MemoryBehaviourWindows(HOUR), MemoryNearDuplicateIndex(HOUR)
    ),
    "misrepresentation": lambda: MisrepresentationPipeline(
        PROMPT_MODEL, MemoryBehaviourWindows(24 * HOUR)
    ),
    "multi_identity": lambda: MultiIdentityPipeline(
        MemoryBehaviourWindows(6 * HOUR),
        MemoryNearDuplicateIndex(6 * HOUR),
        MemoryFingerprintLinks(6 * HOUR),
        MemoryHeldVerdicts(6 * HOUR),
    ),
    "content_safety": lambda: ContentSafetyPipeline([LOCAL]),
}


def batch(overrides: dict[str, Any], n: int = 8) -> list[GenerationEvent]:
    return [with_normalized_text(event(i, channel="email", **overrides)) for i in range(n)]


def at_bound(extreme: str, n: int = 8) -> list[GenerationEvent]:
    base = [event(i, channel="email") for i in range(n)]
    return [with_normalized_text(e) for e in at_the_bound(base, extreme)]


def judge(name: str, events: list[GenerationEvent]) -> list[Any]:
    verdicts = asyncio.run(DETECTORS[name]().judge_batch(events, lambda e: e.occurred_at))
    return [
        None if v is None else (v.label, v.category, round(v.score, 6), v.evidence)
        for v in verdicts
    ]


@pytest.mark.parametrize("name", DETECTORS)
@pytest.mark.parametrize("extreme", EXTREMES)
def test_each_detector_judges_the_extremes(name: str, extreme: str) -> None:
    events = at_bound(extreme)
    assert len(judge(name, events)) == len(events)


@pytest.mark.parametrize("name", DETECTORS)
@pytest.mark.parametrize("text", ["lures", "lines", "emoji"])
def test_what_lies_past_the_scan_bound_changes_no_verdict(name: str, text: str) -> None:
    full = EXTREMES[text]["generation"]
    cut = {"generation": full[:MAX_CHARS], "prompt": EXTREMES[text].get("prompt", "")[:MAX_CHARS]}
    whole = {"generation": full, "prompt": EXTREMES[text].get("prompt", "")}
    if not cut["prompt"]:
        del cut["prompt"], whole["prompt"]
    assert judge(name, batch(whole)) == judge(name, batch(cut))
