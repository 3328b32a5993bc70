from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.settings import StageSettings


class ContentSafetySettings(StageSettings):
    """The content-safety stage's knobs (CONTENT_SAFETY_* environment variables)."""

    model_config = SettingsConfigDict(env_prefix="CONTENT_SAFETY_")

    classifiers: str = Field(
        default="local",
        description="Comma-separated content classifiers (entry points of group "
        "usewatch.content_classifiers); every one judges every event, the strongest speaks.",
    )

    @property
    def classifier_names(self) -> list[str]:
        names = [n.strip() for n in self.classifiers.split(",") if n.strip()]
        if not names:
            raise ValueError("CONTENT_SAFETY_CLASSIFIERS: empty list")
        return list(dict.fromkeys(names))
