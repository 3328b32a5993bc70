from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import StageSettings


class MultiIdentitySettings(StageSettings):
    """The multi-identity detector's knobs (MULTI_IDENTITY_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="MULTI_IDENTITY_")

    window_s: int = Field(
        default=6 * 3600, ge=60, description="Window of event time for identities and links."
    )
