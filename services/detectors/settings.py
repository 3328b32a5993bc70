from __future__ import annotations

from pydantic import Field

from services.settings import ServiceSettings

KNOWN = ("approval", "spam", "misrepresentation", "multi_identity", "content_safety")


class DetectorsSettings(ServiceSettings):
    """The shared worker's knobs; each detector reads its own (SPAM_*, …) as when alone."""

    detectors: str = Field(
        default=",".join(KNOWN), description="Comma-separated detectors this worker hosts."
    )

    @property
    def detector_names(self) -> list[str]:
        names = [n.strip() for n in self.detectors.split(",") if n.strip()]
        unknown = sorted(set(names) - set(KNOWN))
        if unknown or not names:
            raise ValueError(f"DETECTORS: unknown {unknown or 'empty list'}; known: {KNOWN}")
        return list(dict.fromkeys(names))
