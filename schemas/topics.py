"""Topic names, keys, value types and partition counts: the one place that owns them (SPEC §2).

Every stream topic is keyed by `account_id`, so one account's events stay on one partition and its
per-account state has a single writer; scaling out is adding partitions and workers. The one
configuration topic, `registry`, is keyed by `app_id` and compacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas.events import (
    AppApproval,
    DeadLetter,
    EnforcementEvent,
    GenerationEvent,
    ReviewDecision,
    Verdict,
    ViolationReport,
)

DEFAULT_PARTITIONS = 6
RECORD_RETENTION_DAYS = 90
"""The enforcement topics are the enforcer's record: its strikes and effect marks are rebuilt
from them when its state store is lost (services/enforcement/rebuild.py), so they are kept
longer than any strike counts (the policy's longest decay is 30 days)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic of the contract. `name` is the unprefixed name; see `full_name`."""

    name: str
    key: str
    value: type[BaseModel]
    writer: str
    description: str
    partitions: int = DEFAULT_PARTITIONS
    compacted: bool = False
    """Log-compacted (`cleanup.policy=compact`): the latest record per key is kept forever, a
    null value deletes the key. For configuration that the topic itself must remember."""

    retention_days: int | None = None
    """Kept this long instead of the broker's default (7 days), for topics that are a record
    something is rebuilt from."""

    def configs(self) -> dict[str, str]:
        """Topic-level configuration to create it with."""
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.retention_days is not None:
            configs["retention.ms"] = str(self.retention_days * 24 * 3600 * 1000)
        return configs

    def full_name(self, prefix: str = "") -> str:
        """The broker-side name: a deployment-wide prefix (may be empty) before the name."""
        return f"{prefix}{self.name}"


GENERATIONS = Topic(
    "generations",
    "account_id",
    GenerationEvent,
    "producer apps (SDK)",
    "One event per generation, as the producing app sends it; not yet validated.",
)
GENERATIONS_DLQ = Topic(
    "generations.dlq",
    "original key",
    DeadLetter,
    "gateway",
    "Messages the gateway refused: the original bytes, every error, where they were read.",
)
GENERATIONS_ACCEPTED = Topic(
    "generations.accepted",
    "account_id",
    GenerationEvent,
    "gateway",
    "Valid, first-seen events with their normalised text: what every detector reads.",
)
VERDICTS = Topic(
    "verdicts",
    "account_id",
    Verdict,
    "detectors",
    "Each detector's judgement of each event (clean ones included) for one category.",
)
ENFORCEMENT_ACTIONS = Topic(
    "enforcement.actions",
    "account_id",
    EnforcementEvent,
    "enforcer",
    "Sanctions to apply, with a reason a person can read; reversals point at what they undo.",
    retention_days=RECORD_RETENTION_DAYS,
)
ENFORCEMENT_REPORTS = Topic(
    "enforcement.reports",
    "account_id",
    ViolationReport,
    "enforcer",
    "A report for every apparent violation, red team included, due 24 h after it occurred.",
    retention_days=RECORD_RETENTION_DAYS,
)
ENFORCEMENT_REVIEW = Topic(
    "enforcement.review",
    "account_id",
    EnforcementEvent,
    "enforcer",
    "Cases for a person: suspects, actions held back by a quota or by a state-store outage.",
    retention_days=RECORD_RETENTION_DAYS,
)
REVIEW_DECISIONS = Topic(
    "review.decisions",
    "account_id",
    ReviewDecision,
    "review console",
    "A person's confirm, dismiss or reverse of one enforcement, with reviewer and reason; "
    "applied by the enforcer.",
    retention_days=RECORD_RETENTION_DAYS,
)

REGISTRY = Topic(
    "registry",
    "app_id",
    AppApproval,
    "operators (`usewatch apps`)",
    "The application registry: each app's latest approval; a null value revokes it. "
    "Compacted and never expired, so it is read from the beginning.",
    partitions=1,
    compacted=True,
)

ALL_TOPICS: tuple[Topic, ...] = (
    GENERATIONS,
    GENERATIONS_DLQ,
    GENERATIONS_ACCEPTED,
    VERDICTS,
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    REVIEW_DECISIONS,
    REGISTRY,
)

BY_NAME: dict[str, Topic] = {t.name: t for t in ALL_TOPICS}


def topic_named(name: str, prefix: str = "") -> Topic:
    """Look a topic up by its plain or prefixed name; KeyError names the known ones."""
    plain = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    try:
        return BY_NAME[plain]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(BY_NAME)}") from None
