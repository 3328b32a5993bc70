from __future__ import annotations

from pydantic import Field

from services.settings import ServiceSettings


class MultiIdentitySettings(ServiceSettings):
    """The multi-identity detector's knobs (MULTI_IDENTITY_* environment variables)."""

    multi_identity_batch_size: int = Field(default=256, ge=1, le=10_000)
    multi_identity_batch_within_s: float = Field(default=0.01, gt=0)
    multi_identity_window_s: int = Field(
        default=6 * 3600, ge=60, description="Window of event time for identities and links."
    )
    multi_identity_seen_ttl_s: int = Field(default=72 * 3600, ge=48 * 3600)
