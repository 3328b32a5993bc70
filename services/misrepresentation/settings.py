from __future__ import annotations

from pydantic import Field

from services.settings import ServiceSettings


class MisrepresentationSettings(ServiceSettings):
    """The misrepresentation detector's knobs (MISREPRESENTATION_* environment variables)."""

    misrepresentation_batch_size: int = Field(default=256, ge=1, le=10_000)
    misrepresentation_batch_within_s: float = Field(default=0.01, gt=0)
    misrepresentation_window_s: int = Field(
        default=24 * 3600,
        ge=60,
        description="Window of event time for reviewer names and the impersonation share.",
    )
    misrepresentation_seen_ttl_s: int = Field(default=72 * 3600, ge=48 * 3600)
