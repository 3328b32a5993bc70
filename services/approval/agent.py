"""Approval detector agent: `generations.accepted` → `verdicts`, wired by `detectors_app`."""

from __future__ import annotations

from schemas.topics import REGISTRY
from services.approval.pipeline import ApprovalPipeline
from services.approval.settings import ApprovalSettings
from services.detector_agent import DetectorSpec
from services.registry import RegistryView
from services.state.round_trip import RedisClient

settings = ApprovalSettings()


def build(client: RedisClient) -> ApprovalPipeline:
    registry = RegistryView(settings.kafka_client(), REGISTRY.full_name(settings.topic_prefix))
    return ApprovalPipeline(registry)


SPEC = DetectorSpec(
    "approval",
    build,
    batch_size=settings.approval_batch_size,
    within_s=settings.approval_batch_within_s,
    judged_ttl_s=settings.approval_seen_ttl_s,
)
"""How a worker hosts this detector: alone (`python -m services.approval`) or with others
(`python -m services.detectors`)."""
