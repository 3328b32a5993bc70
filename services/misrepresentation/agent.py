"""Misrepresentation detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.misrepresentation.model import PromptModel
from services.misrepresentation.pipeline import COUNTED, MisrepresentationPipeline
from services.misrepresentation.settings import MisrepresentationSettings
from services.settings import ServiceSettings
from services.state.keys import Namespace, key_prefix
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows


def spec() -> DetectorSpec:
    """How a worker hosts this detector: alone (`python -m services.misrepresentation`) or with
    others (`python -m services.detectors`)."""
    own = MisrepresentationSettings()

    def build(client: RedisClient, service: ServiceSettings) -> MisrepresentationPipeline:
        return MisrepresentationPipeline(
            PromptModel.load(),
            RedisBehaviourWindows(
                client,
                key_prefix(service.topic_prefix, Namespace.MISREPRESENTATION),
                own.window_s * 1000,
                counted=COUNTED,
            ),
        )

    return DetectorSpec("misrepresentation", build, own)
