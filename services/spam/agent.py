"""Spam detector agent: `generations.accepted` → `verdicts`, wired by `detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.settings import ServiceSettings
from services.spam.model import ARTIFACT_DIR, ContentModel
from services.spam.pipeline import COUNTED, SpamPipeline
from services.spam.settings import SpamSettings
from services.state.keys import Namespace, key_prefix
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows


def spec() -> DetectorSpec:
    """How a worker hosts this detector: alone (`python -m services.spam`) or with others
    (`python -m services.detectors`)."""
    own = SpamSettings()

    def build(client: RedisClient, service: ServiceSettings) -> SpamPipeline:
        window_ms = own.window_s * 1000
        return SpamPipeline(
            model=ContentModel.load(own.model_dir or ARTIFACT_DIR),
            windows=RedisBehaviourWindows(
                client,
                key_prefix(service.topic_prefix, Namespace.SPAM),
                window_ms,
                counted=COUNTED,
            ),
            index=RedisNearDuplicateIndex(
                client, key_prefix(service.topic_prefix, Namespace.SHARED), window_ms
            ),
        )

    return DetectorSpec("spam", build, own)
