"""Multi-identity detector agent: `generations.accepted` → `verdicts`, wired by
`detectors_app`."""

from __future__ import annotations

from services.detector_agent import DetectorSpec
from services.multi_identity.pipeline import COUNTED, MultiIdentityPipeline
from services.multi_identity.settings import MultiIdentitySettings
from services.settings import ServiceSettings
from services.state.held_verdicts import RedisHeldVerdicts
from services.state.keys import Namespace, key_prefix
from services.state.links import RedisFingerprintLinks
from services.state.near_duplicates import RedisNearDuplicateIndex
from services.state.round_trip import RedisClient
from services.state.windows import RedisBehaviourWindows


def spec() -> DetectorSpec:
    """How a worker hosts this detector: alone (`python -m services.multi_identity`) or with
    others (`python -m services.detectors`)."""
    own = MultiIdentitySettings()

    def build(client: RedisClient, service: ServiceSettings) -> MultiIdentityPipeline:
        prefix = key_prefix(service.topic_prefix, Namespace.MULTI_IDENTITY)
        window_ms = own.window_s * 1000
        return MultiIdentityPipeline(
            windows=RedisBehaviourWindows(client, prefix, window_ms, counted=COUNTED),
            index=RedisNearDuplicateIndex(
                client, key_prefix(service.topic_prefix, Namespace.SHARED), window_ms
            ),
            links=RedisFingerprintLinks(client, prefix, window_ms),
            held=RedisHeldVerdicts(client, prefix, window_ms),
        )

    return DetectorSpec("multi_identity", build, own)
