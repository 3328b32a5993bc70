from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.settings import ServiceSettings


class SpamSettings(ServiceSettings):
    """The spam detector's knobs (SPAM_* environment variables)."""

    spam_batch_size: int = Field(default=256, ge=1, le=10_000)
    spam_batch_within_s: float = Field(default=0.01, gt=0)
    spam_window_s: int = Field(
        default=3600, ge=60, description="Sliding window of event time for behaviour counts."
    )
    spam_seen_ttl_s: int = Field(default=72 * 3600, ge=48 * 3600)
    spam_model_dir: Path | None = Field(
        default=None, description="Content model artifact; default: the one shipped in the package."
    )
