"""The plug of the content-safety stage: a `ContentClassifier` scores a batch of texts per
policy category. Implementations are found by Python entry points (group
`usewatch.content_classifiers`, see pyproject.toml) and chosen by name in settings, so a
classifier from another package plugs in without a change here.

Scores are on the detectors' shared scale (`SUSPECT_AT`, `VIOLATION_AT`): each classifier maps
its own probabilities onto it with thresholds of its own (the local model's are learnt on
validation data and stored with it), so the stage compares classifiers without knowing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol

from schemas.events import Category

ENTRY_POINT_GROUP = "usewatch.content_classifiers"


@dataclass(frozen=True, slots=True)
class TextScores:
    """One text's scores on the shared scale, per category the classifier covers."""

    by_category: dict[Category, float]
    source: tuple[str, str] | None = None
    """(name, version) of what really scored the text, when not the classifier asked (a
    served classifier's fallback); the verdict names it."""

    def top(self) -> tuple[Category, float] | None:
        if not self.by_category:
            return None
        category = max(self.by_category, key=lambda c: self.by_category[c])
        return category, self.by_category[category]


class ContentClassifier(Protocol):
    """Texts in, one `TextScores` per text out, in order. `name` and `version` are recorded on
    every verdict the classifier decides."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def categories(self) -> frozenset[Category]: ...

    async def score(self, texts: Sequence[str]) -> list[TextScores]: ...


class UnknownClassifierError(ValueError):
    pass


def available() -> dict[str, str]:
    """Installed classifiers: entry-point name → 'module:attr'."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load(name: str) -> ContentClassifier:
    """The classifier registered as `name`, built by calling its entry point with no arguments
    (each reads its own configuration from the environment)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory = ep.load()
            classifier: ContentClassifier = factory()
            return classifier
    raise UnknownClassifierError(
        f"no content classifier named {name!r}; installed: {sorted(available()) or 'none'}"
    )
