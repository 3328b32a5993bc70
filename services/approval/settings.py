from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.settings import StageSettings


class ApprovalSettings(StageSettings):
    """The approval detector's knobs (APPROVAL_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="APPROVAL_")
