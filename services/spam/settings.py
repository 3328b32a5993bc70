from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import StageSettings


class SpamSettings(StageSettings):
    """The spam detector's knobs (SPAM_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="SPAM_")

    window_s: int = Field(
        default=3600, ge=60, description="Sliding window of event time for behaviour counts."
    )
    model_dir: Path | None = Field(
        default=None, description="Content model artifact; default: the one shipped in the package."
    )
