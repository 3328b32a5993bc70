"""Content-safety detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`. Classifiers are chosen by CONTENT_SAFETY_CLASSIFIERS."""

from __future__ import annotations

from schemas.topics import REGISTRY
from services.content_safety import classifier
from services.content_safety.pipeline import ContentSafetyPipeline
from services.content_safety.settings import ContentSafetySettings
from services.detector_agent import DetectorSpec
from services.registry import RegistryView
from services.settings import ServiceSettings
from services.state.round_trip import RedisClient


def spec() -> DetectorSpec:
    """How a worker hosts this detector: alone (`python -m services.content_safety`) or with
    others (`python -m services.detectors`)."""
    own = ContentSafetySettings()

    def build(_: RedisClient, service: ServiceSettings) -> ContentSafetyPipeline:
        registry = RegistryView(service.kafka_client(), REGISTRY.full_name(service.topic_prefix))
        return ContentSafetyPipeline([classifier.load(n) for n in own.classifier_names], registry)

    return DetectorSpec("content_safety", build, own)
