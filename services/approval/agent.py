"""Approval detector agent: `generations.accepted` → `verdicts`, wired by `detectors_app`."""

from __future__ import annotations

from schemas.topics import REGISTRY
from services.approval.pipeline import ApprovalPipeline
from services.approval.settings import ApprovalSettings
from services.detector_agent import DetectorSpec
from services.registry import RegistryView
from services.settings import ServiceSettings
from services.state.round_trip import RedisClient


def build(_: RedisClient, service: ServiceSettings) -> ApprovalPipeline:
    registry = RegistryView(service.kafka_client(), REGISTRY.full_name(service.topic_prefix))
    return ApprovalPipeline(registry)


def spec() -> DetectorSpec:
    """How a worker hosts this detector: alone (`python -m services.approval`) or with others
    (`python -m services.detectors`)."""
    return DetectorSpec("approval", build, ApprovalSettings())
