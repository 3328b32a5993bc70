from __future__ import annotations

from pydantic import Field

from services.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    """The approval detector's knobs (APPROVAL_* environment variables)."""

    approval_batch_size: int = Field(default=256, ge=1, le=10_000)
    approval_batch_within_s: float = Field(default=0.01, gt=0)
    approval_seen_ttl_s: int = Field(default=72 * 3600, ge=48 * 3600)
