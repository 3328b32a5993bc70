"""Who may read and write which topic, and who has a Redis user: one principal per stage
(SPEC §4). Pure data, part of the contract: the broker's ACLs (usewatch/security.py) and the
AsyncAPI document's operations (schemas/asyncapi.py) are both made from it."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.topics import (
    ALL_TOPICS,
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    GENERATIONS,
    GENERATIONS_ACCEPTED,
    GENERATIONS_DLQ,
    REGISTRY,
    REVIEW_DECISIONS,
    VERDICTS,
    Topic,
)

ENFORCEMENT_TOPICS = (ENFORCEMENT_ACTIONS, ENFORCEMENT_REPORTS, ENFORCEMENT_REVIEW)
DETECTORS = ("spam", "misrepresentation", "multi_identity")
"""Detectors whose only input is generations.accepted."""
REGISTRY_READERS = ("approval", "content_safety")
"""Detectors that also read the registry (approved use cases; supervised apps)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What one principal may do. `group`: the service whose consumer group it joins
    (`<prefix>usewatch-<service>`); `redis`: whether it has a Redis user."""

    principal: str
    reads: tuple[Topic, ...] = ()
    writes: tuple[Topic, ...] = ()
    group: str | None = None
    redis: bool = True
    redis_commands: tuple[str, ...] = ()
    """Commands allowed beyond the Redis categories every service has
    (usewatch/security.py: REDIS_CATEGORIES)."""


def grants() -> tuple[Grant, ...]:
    return (
        Grant("app", writes=(GENERATIONS,), redis=False),
        Grant(
            "gateway",
            reads=(GENERATIONS,),
            writes=(GENERATIONS_ACCEPTED, GENERATIONS_DLQ),
            group="gateway",
        ),
        *(Grant(d, reads=(GENERATIONS_ACCEPTED,), writes=(VERDICTS,), group=d) for d in DETECTORS),
        *(
            Grant(d, reads=(GENERATIONS_ACCEPTED, REGISTRY), writes=(VERDICTS,), group=d)
            for d in REGISTRY_READERS
        ),
        # The shared worker that hosts all of them (STACK_TOPOLOGY=shared).
        Grant(
            "detectors",
            reads=(GENERATIONS_ACCEPTED, REGISTRY),
            writes=(VERDICTS,),
            group="detectors",
        ),
        Grant(
            "enforcement",
            # The enforcement topics are read back to rebuild a lost state store; the registry
            # says which apps may send red-team traffic; a person's decisions are applied.
            reads=(VERDICTS, REGISTRY, REVIEW_DECISIONS, *ENFORCEMENT_TOPICS),
            writes=ENFORCEMENT_TOPICS,
            group="enforcement",
            # INFO (in @dangerous): the server's run id, which tells a restart that may have lost
            # the last second of marks (services/state/enforcement/whole.py).
            redis_commands=("+info",),
        ),
        # The review console keeps its store from the enforcement topics (no consumer group:
        # the store holds its own positions) and is the only writer of review.decisions; it
        # has no Redis user (its store is its own database).
        Grant(
            "console",
            reads=(*ENFORCEMENT_TOPICS, REVIEW_DECISIONS),
            writes=(REVIEW_DECISIONS,),
            redis=False,
        ),
        # The operator's CLI: reads everything, writes the registry, and publishes the
        # reversals of `usewatch reverse` on enforcement.actions.
        Grant("operator", reads=ALL_TOPICS, writes=(REGISTRY, ENFORCEMENT_ACTIONS)),
    )
