"""Misrepresentation detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.misrepresentation.model import PromptModel
from services.misrepresentation.pipeline import MisrepresentationPipeline
from services.misrepresentation.settings import MisrepresentationSettings
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows

settings = MisrepresentationSettings()


def build(client: RedisClient) -> MisrepresentationPipeline:
    return MisrepresentationPipeline(
        PromptModel.load(),
        RedisBehaviourWindows(
            client, f"uw:{settings.topic_prefix}mr:", settings.misrepresentation_window_s * 1000
        ),
    )


SPEC = DetectorSpec(
    "misrepresentation",
    build,
    batch_size=settings.misrepresentation_batch_size,
    within_s=settings.misrepresentation_batch_within_s,
    judged_ttl_s=settings.misrepresentation_seen_ttl_s,
)
"""How a worker hosts this detector: alone (`python -m services.misrepresentation`) or with others
(`python -m services.detectors`)."""
