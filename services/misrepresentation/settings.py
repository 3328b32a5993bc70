from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import StageSettings


class MisrepresentationSettings(StageSettings):
    """The misrepresentation detector's knobs (MISREPRESENTATION_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="MISREPRESENTATION_")

    window_s: int = Field(
        default=24 * 3600,
        ge=60,
        description="Window of event time for reviewer names and the impersonation share.",
    )
