"""Spam detector agent: `generations.accepted` → `verdicts`, wired by `detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.similarity import INDEX_PREFIX
from services.spam.model import ARTIFACT_DIR, ContentModel
from services.spam.pipeline import SpamPipeline
from services.spam.settings import SpamSettings
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows

settings = SpamSettings()


def build(client: RedisClient) -> SpamPipeline:
    prefix = f"uw:{settings.topic_prefix}spam:"
    window_ms = settings.spam_window_s * 1000
    return SpamPipeline(
        model=ContentModel.load(settings.spam_model_dir or ARTIFACT_DIR),
        windows=RedisBehaviourWindows(client, prefix, window_ms, identities=False),
        index=RedisNearDuplicateIndex(
            client, INDEX_PREFIX.format(topic_prefix=settings.topic_prefix), window_ms
        ),
    )


SPEC = DetectorSpec(
    "spam",
    build,
    batch_size=settings.spam_batch_size,
    within_s=settings.spam_batch_within_s,
    judged_ttl_s=settings.spam_seen_ttl_s,
)
"""How a worker hosts this detector: alone (`python -m services.spam`) or with others
(`python -m services.detectors`)."""
