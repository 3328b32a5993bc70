"""The enforcement policy: a versioned YAML file, validated at load, re-read when it changes.

Thresholds, strike ladders, decay and case cooldown are per category (falling back to
`defaults`); quotas are per action and hour; `shadow_mode` decides without acting;
`when_state_unavailable` says what the enforcer does while Redis is away (SPEC §4, §5).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.events import Action, Category
from schemas.topics import RECORD_RETENTION_DAYS

log = logging.getLogger("usewatch.enforcement.policy")
DEFAULT_POLICY = Path(__file__).parent / "policy.yaml"

Threshold = Annotated[float, Field(ge=0.0, le=1.0)]


class StateOutage(StrEnum):
    """What the enforcer does while its state store (Redis) is away. Either way it retries with
    back-off and catches up when the store returns; nothing is lost."""

    FAIL_CLOSED = "fail_closed"
    """Hold: decide nothing without the account's strike history; verdicts queue in Kafka."""
    FAIL_OPEN = "fail_open"
    """Keep going: report every violation at once (the 24-hour duty does not wait) and send it
    to review, but sanction nothing without strike history; strikes are written on return."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Cooldown = Annotated[int, Field(gt=0, le=7 * 24 * 60)]


class CategoryRule(_Strict):
    suspect_at: Threshold | None = None
    violation_at: Threshold | None = None
    strike_decay_hours: Annotated[int, Field(gt=0)] | None = None
    case_cooldown_minutes: Cooldown | None = None
    ladder: Annotated[tuple[Action, ...], Field(min_length=1)] | None = None
    to_a_person: bool = False
    """Every sanctioned violation also goes to enforcement.review, for a person to confirm (and
    escalate beyond the platform where the law says so), even when its action is applied."""


class Defaults(_Strict):
    suspect_at: Threshold
    violation_at: Threshold
    strike_decay_hours: Annotated[int, Field(gt=0)]
    case_cooldown_minutes: Cooldown = 60
    ladder: Annotated[tuple[Action, ...], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Rule:
    """The effective rule for one category: its own settings over the defaults."""

    suspect_at: float
    violation_at: float
    strike_decay_hours: int
    ladder: tuple[Action, ...]
    case_cooldown_minutes: int = 60
    """One account's violations of the category in one span of this many minutes of event
    time are one case (decide.case_of): one strike, one rung, each sanction once."""
    to_a_person: bool = False

    def action_for(self, strikes: int) -> Action:
        """The n-th strike's rung; past the top, the top rung repeats."""
        return self.ladder[min(max(strikes, 1), len(self.ladder)) - 1]


class Policy(_Strict):
    version: Annotated[str, Field(min_length=1, max_length=128)]
    shadow_mode: bool = False
    when_state_unavailable: StateOutage = StateOutage.FAIL_CLOSED
    quotas_per_hour: dict[Action, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    defaults: Defaults
    categories: dict[Category, CategoryRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _thresholds_are_ordered(self) -> Policy:
        for category in Category:
            rule = self.rule(category)
            if rule.suspect_at > rule.violation_at:
                raise ValueError(f"{category}: suspect_at is above violation_at")
            if rule.strike_decay_hours > RECORD_RETENTION_DAYS * 24:
                # Strikes are rebuilt from the enforcement topics after a store is lost.
                raise ValueError(
                    f"{category}: strike_decay_hours is longer than the enforcement topics "
                    f"are kept ({RECORD_RETENTION_DAYS} days)"
                )
        return self

    def rule(self, category: Category) -> Rule:
        own = self.categories.get(category, CategoryRule())
        d = self.defaults
        return Rule(
            suspect_at=own.suspect_at if own.suspect_at is not None else d.suspect_at,
            violation_at=own.violation_at if own.violation_at is not None else d.violation_at,
            strike_decay_hours=own.strike_decay_hours or d.strike_decay_hours,
            ladder=own.ladder or d.ladder,
            case_cooldown_minutes=own.case_cooldown_minutes or d.case_cooldown_minutes,
            to_a_person=own.to_a_person,
        )


def load_policy(path: Path) -> Policy:
    """Parse and validate; raises ValueError naming the file and every problem."""
    try:
        raw = yaml.safe_load(path.read_text())
        return Policy.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"invalid policy {path}: {exc}") from exc


@dataclass
class PolicyFile:
    """The policy in force, re-read when the file's modification time changes. An edit that does
    not validate is logged and ignored: the last good policy stays in force."""

    path: Path
    policy: Policy = field(init=False)
    _mtime: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.policy = load_policy(self.path)
        self._mtime = self.path.stat().st_mtime

    def refresh(self) -> bool:
        """Reload if the file changed; True when a new policy took effect."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError as exc:
            log.error("policy file unreadable, keeping %s: %s", self.policy.version, exc)
            return False
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            new = load_policy(self.path)
        except ValueError as exc:
            log.error("keeping policy %s: %s", self.policy.version, exc)
            return False
        log.info("policy %s → %s", self.policy.version, new.version)
        self.policy = new
        return True
