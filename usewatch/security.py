"""One principal per stage (SPEC §4): who may read and write which topic, and who may touch
Redis. `grants` and `kafka_acls` are pure data; `apply` makes the broker's SCRAM users and
ACLs and Redis's ACL users match them (`usewatch security apply`, run by `SECURITY=on make up`).

Passwords come from the environment only, `USEWATCH_PASSWORD_<PRINCIPAL>` (e.g.
`USEWATCH_PASSWORD_GATEWAY`), and are never printed or logged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourceType,
)
from kafka.admin._users import UserScramCredentialUpsertion
from pydantic import SecretStr

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
from services.state.keys import ROOT

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
    """Commands allowed beyond REDIS_CATEGORIES."""


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


def kafka_acls(prefix: str) -> list[ACL]:
    """Every ALLOW the principals need; the broker denies the rest (no ACL, no access)."""
    acls = []

    def allow(
        principal: str, op: ACLOperation, kind: ResourceType, name: str, prefixed: bool
    ) -> None:
        pattern = ACLResourcePatternType.PREFIXED if prefixed else ACLResourcePatternType.LITERAL
        acls.append(
            ACL(
                f"User:{principal}",
                "*",
                op,
                ACLPermissionType.ALLOW,
                ResourcePattern(kind, name, pattern),
            )
        )

    for g in grants():
        for t in g.reads:
            allow(g.principal, ACLOperation.READ, ResourceType.TOPIC, t.full_name(prefix), False)
        for t in g.writes:
            allow(g.principal, ACLOperation.WRITE, ResourceType.TOPIC, t.full_name(prefix), False)
        if g.group is not None:
            group = f"{prefix}usewatch-{g.group}"
            allow(g.principal, ACLOperation.READ, ResourceType.GROUP, group, True)
    return acls


def passwords(env: Mapping[str, str], principals: Sequence[str]) -> dict[str, SecretStr]:
    """Each principal's password from `USEWATCH_PASSWORD_<PRINCIPAL>`; KeyError names the
    variables that are missing (never their values)."""
    names = {p: f"USEWATCH_PASSWORD_{p.upper()}" for p in principals}
    missing = [v for v in names.values() if not env.get(v)]
    if missing:
        raise KeyError(f"set {', '.join(missing)}")
    return {p: SecretStr(env[v]) for p, v in names.items()}


REDIS_KEYS = (f"{ROOT}*",)
REDIS_CATEGORIES = ("+@all", "-@dangerous")
"""A service's Redis user: only `uw:` keys, no admin or dangerous commands (FLUSHALL, CONFIG,
DEBUG, KEYS, ...)."""


def _wait_until_known(kafka_admin: KafkaAdminClient, users: list[str]) -> None:
    """Credentials reach the brokers through the metadata log: wait until they are there, so
    a service started next can log in at once."""
    deadline = time.monotonic() + 30
    while True:
        known = kafka_admin.describe_user_scram_credentials(users)
        if all((known.get(u) or {}).get("credential_infos") for u in users):
            time.sleep(0.5)  # the metadata is applied by the broker's listener just after
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"SCRAM users not visible after 30 s: {users}")
        time.sleep(0.2)


def apply(
    kafka_admin: KafkaAdminClient,
    redis_admin: redis.Redis,
    secrets: Mapping[str, SecretStr],
    prefix: str,
) -> tuple[int, int]:
    """Create or update every SCRAM user, ACL and Redis user; idempotent. Returns (principals,
    ACLs). Redis's users are saved to its ACL file so they survive a restart."""
    kafka_admin.alter_user_scram_credentials(
        [
            UserScramCredentialUpsertion(p, "SCRAM-SHA-512", secrets[p].get_secret_value())
            for p in secrets
        ]
    )
    _wait_until_known(kafka_admin, list(secrets))
    acls = kafka_acls(prefix)
    result = kafka_admin.create_acls(acls)
    if result["failed"]:
        raise RuntimeError(f"{len(result['failed'])} ACL(s) not created: {result['failed'][:3]}")
    for g in grants():
        if g.redis:
            redis_admin.acl_setuser(
                g.principal,
                enabled=True,
                reset=True,
                passwords=[f"+{secrets[g.principal].get_secret_value()}"],
                keys=list(REDIS_KEYS),
                categories=list(REDIS_CATEGORIES),
                commands=list(g.redis_commands),
            )
    redis_admin.acl_save()
    return len(secrets), len(acls)
