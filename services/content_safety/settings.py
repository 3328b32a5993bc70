from __future__ import annotations

from pydantic import Field

from services.settings import ServiceSettings


class ContentSafetySettings(ServiceSettings):
    """The content-safety stage's knobs (CONTENT_SAFETY_* environment variables)."""

    content_safety_classifiers: str = Field(
        default="local",
        description="Comma-separated content classifiers (entry points of group "
        "usewatch.content_classifiers); every one judges every event, the strongest speaks.",
    )
    content_safety_batch_size: int = Field(default=256, ge=1, le=10_000)
    content_safety_batch_within_s: float = Field(default=0.01, gt=0)
    content_safety_seen_ttl_s: int = Field(default=72 * 3600, ge=48 * 3600)

    @property
    def classifier_names(self) -> list[str]:
        names = [n.strip() for n in self.content_safety_classifiers.split(",") if n.strip()]
        if not names:
            raise ValueError("CONTENT_SAFETY_CLASSIFIERS: empty list")
        return list(dict.fromkeys(names))
