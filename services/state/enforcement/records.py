"""What the enforcer asks its stores and writes to them: the vocabulary every enforcement store
shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from schemas.events import Action


class StoreCondition(Enum):
    """What a load found the store to be, besides its answers."""

    WHOLE = "whole"
    LOST = "lost"
    """No `whole` mark: the store came back empty (or was never filled); rebuild it."""
    RESTARTED = "restarted"
    """Whole, but Redis restarted since the last load: a crash may have lost the writes of its
    last second (the append-only file is fsynced once a second), so reconcile the marks."""


@dataclass(frozen=True, slots=True)
class LoadRequest:
    account_id: str
    category: str
    effect_id: str
    strikes_since_ms: int
    case_id: str | None = None

    @property
    def strike_id(self) -> str:
        return self.case_id or self.effect_id


@dataclass(frozen=True, slots=True)
class Loaded:
    already_applied: bool
    strikes: int
    """Strikes (cases) of the category in the window, the request's own case included."""
    case_open: bool = False
    """The request's case already has its strike."""
    case_strikes: int = 0
    """When the case is open: the strikes up to and including it (its rung on the ladder)."""
    in_force: frozenset[str] = frozenset()
    """The account's actions in force, as decide.in_force_key strings."""

    @classmethod
    def of(
        cls, applied: bool, strikes: list[str], strike_id: str, in_force: frozenset[str]
    ) -> Loaded:
        """`strikes`: the category's strike ids in the window, oldest first."""
        rank = strikes.index(strike_id) + 1 if strike_id in strikes else 0
        return cls(applied, len(strikes), rank > 0, rank, in_force)


@dataclass(frozen=True, slots=True)
class Effect:
    account_id: str
    category: str
    effect_id: str
    at_ms: int
    strike: bool
    decay_s: int
    action: Action | None
    case_id: str | None = None
    """The strike's member: one strike per case, however many of its violations commit."""
    in_force: str | None = None
    """The action and subject this effect puts in force (decide.in_force_key)."""
    strike_at_ms: int | None = None
    """The strike's score: when its case's span began (decide.case_span); else `at_ms`."""

    @property
    def strike_id(self) -> str:
        return self.case_id or self.effect_id

    @property
    def strike_score(self) -> int:
        return self.at_ms if self.strike_at_ms is None else self.strike_at_ms


def text(raw: object) -> str:
    """A Redis reply as text (replies are bytes unless the client decodes them)."""
    return raw.decode() if isinstance(raw, bytes) else str(raw)
