from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.settings import DetectorSettings


class ApprovalSettings(DetectorSettings):
    """The approval detector's knobs (APPROVAL_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="APPROVAL_")
