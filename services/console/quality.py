"""The loop from people's decisions back to the detectors: measured precision per detector,
category and model version, of what reached review and of what was sanctioned. Pure.

- review precision: of the review items a person decided, the share confirmed (a dismissed
  suspect or held action was a false positive);
- sanction precision: of the applied actions a person decided, the share upheld (a dismissed
  or reversed action was a false positive). Only decided actions count: most sanctions are
  never looked at, so `sanctions_decided` says how much this figure rests on.

A model update that raises false positives shows as a drop in its own `model_version`'s row
as soon as its decisions come in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.events import EnforcementEvent, ReviewOutcome
from services.enforcement.decide import source_of


@dataclass(frozen=True, slots=True)
class Decided:
    """One decision and what it was about: the enforcement, and whether it had been applied."""

    outcome: ReviewOutcome
    target: EnforcementEvent
    applied: bool


@dataclass(slots=True)
class Quality:
    detector: str
    category: str
    model_version: str
    review_confirmed: int = 0
    review_dismissed: int = 0
    sanctions_upheld: int = 0
    sanctions_reversed: int = 0

    @property
    def review_precision(self) -> float | None:
        n = self.review_confirmed + self.review_dismissed
        return self.review_confirmed / n if n else None

    @property
    def sanctions_decided(self) -> int:
        return self.sanctions_upheld + self.sanctions_reversed

    @property
    def sanction_precision(self) -> float | None:
        n = self.sanctions_decided
        return self.sanctions_upheld / n if n else None

    def as_dict(self) -> dict[str, object]:
        return {
            "detector": self.detector,
            "category": self.category,
            "model_version": self.model_version,
            "review_confirmed": self.review_confirmed,
            "review_dismissed": self.review_dismissed,
            "review_precision": _round(self.review_precision),
            "sanctions_upheld": self.sanctions_upheld,
            "sanctions_reversed": self.sanctions_reversed,
            "sanction_precision": _round(self.sanction_precision),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def quality(decided: Iterable[Decided]) -> list[Quality]:
    """Per (detector, category, model version), worst review precision first. The latest
    decision on an enforcement is the one that counts (a person may change their mind)."""
    rows: dict[tuple[str, str, str], Quality] = {}
    for d in decided:
        key = source_of(d.target)
        q = rows.setdefault(key, Quality(*key))
        upheld = d.outcome is ReviewOutcome.CONFIRM
        if d.applied:
            if upheld:
                q.sanctions_upheld += 1
            else:
                q.sanctions_reversed += 1
        elif upheld:
            q.review_confirmed += 1
        else:
            q.review_dismissed += 1
    return sorted(
        rows.values(),
        key=lambda q: (q.review_precision if q.review_precision is not None else 2.0, q.detector),
    )
