"""Multi-identity detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.multi_identity.settings import MultiIdentitySettings
from services.similarity import INDEX_PREFIX
from services.state.held_verdicts import RedisHeldVerdicts
from services.state.links import RedisFingerprintLinks
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows

settings = MultiIdentitySettings()


def build(client: RedisClient) -> MultiIdentityPipeline:
    prefix = f"uw:{settings.topic_prefix}mi:"
    window_ms = settings.multi_identity_window_s * 1000
    return MultiIdentityPipeline(
        windows=RedisBehaviourWindows(client, prefix, window_ms),
        index=RedisNearDuplicateIndex(
            client, INDEX_PREFIX.format(topic_prefix=settings.topic_prefix), window_ms
        ),
        links=RedisFingerprintLinks(client, prefix, window_ms),
        held=RedisHeldVerdicts(client, prefix, window_ms),
    )


SPEC = DetectorSpec(
    "multi_identity",
    build,
    batch_size=settings.multi_identity_batch_size,
    within_s=settings.multi_identity_batch_within_s,
    judged_ttl_s=settings.multi_identity_seen_ttl_s,
)
"""How a worker hosts this detector: alone (`python -m services.multi_identity`) or with others
(`python -m services.detectors`)."""
