"""The principals' grants (schemas/principals.py) made real: `kafka_acls` is pure data; `apply`
makes the broker's SCRAM users and ACLs and Redis's ACL users match them (`usewatch security
apply`, run by `SECURITY=on make up`).

Passwords come from the environment only, `USEWATCH_PASSWORD_<PRINCIPAL>` (e.g.
`USEWATCH_PASSWORD_GATEWAY`), and are never printed or logged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

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

from schemas.principals import grants
from services.state.keys import ROOT


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
