"""Content-safety detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`. Classifiers are chosen by CONTENT_SAFETY_CLASSIFIERS."""

from __future__ import annotations

from schemas.topics import REGISTRY
from services.content_safety import classifier
from services.content_safety.pipeline import ContentSafetyPipeline
from services.content_safety.settings import ContentSafetySettings
from services.detector_agent import DetectorSpec
from services.registry import RegistryView
from services.state.round_trip import RedisClient

settings = ContentSafetySettings()


def build(_: RedisClient) -> ContentSafetyPipeline:
    registry = RegistryView(settings.kafka_client(), REGISTRY.full_name(settings.topic_prefix))
    return ContentSafetyPipeline([classifier.load(n) for n in settings.classifier_names], registry)


SPEC = DetectorSpec(
    "content_safety",
    build,
    batch_size=settings.content_safety_batch_size,
    within_s=settings.content_safety_batch_within_s,
    judged_ttl_s=settings.content_safety_seen_ttl_s,
)
"""How a worker hosts this detector: alone (`python -m services.content_safety`) or with others
(`python -m services.detectors`)."""
