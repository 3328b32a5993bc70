"""Topic names, keys, value types and partition counts: the one place that owns them (SPEC §2).

Every topic is keyed by `account_id`, so one account's events stay on one partition and its
per-account state has a single writer; scaling out is adding partitions and workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas.events import (
    DeadLetter,
    EnforcementEvent,
    GenerationEvent,
    Verdict,
    ViolationReport,
)

DEFAULT_PARTITIONS = 6


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic of the contract. `name` is the unprefixed name; see `full_name`."""

    name: str
    key: str
    value: type[BaseModel]
    writer: str
    partitions: int = DEFAULT_PARTITIONS

    def full_name(self, prefix: str = "") -> str:
        """The broker-side name: a deployment-wide prefix (may be empty) before the name."""
        return f"{prefix}{self.name}"


GENERATIONS = Topic("generations", "account_id", GenerationEvent, "producer apps (SDK)")
GENERATIONS_DLQ = Topic("generations.dlq", "original key", DeadLetter, "gateway")
GENERATIONS_ACCEPTED = Topic("generations.accepted", "account_id", GenerationEvent, "gateway")
VERDICTS = Topic("verdicts", "account_id", Verdict, "detectors")
ENFORCEMENT_ACTIONS = Topic("enforcement.actions", "account_id", EnforcementEvent, "enforcer")
ENFORCEMENT_REPORTS = Topic("enforcement.reports", "account_id", ViolationReport, "enforcer")
ENFORCEMENT_REVIEW = Topic("enforcement.review", "account_id", EnforcementEvent, "enforcer")

ALL_TOPICS: tuple[Topic, ...] = (
    GENERATIONS,
    GENERATIONS_DLQ,
    GENERATIONS_ACCEPTED,
    VERDICTS,
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
)

BY_NAME: dict[str, Topic] = {t.name: t for t in ALL_TOPICS}


def topic_named(name: str, prefix: str = "") -> Topic:
    """Look a topic up by its plain or prefixed name; KeyError names the known ones."""
    plain = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    try:
        return BY_NAME[plain]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(BY_NAME)}") from None
