"""The actions in force on an account's subjects, so a sanction in force is not applied again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.state.enforcement.records import Effect, text
from services.state.round_trip import Pending, RedisClient, RoundTrip

IN_FORCE_TTL_S = 30 * 24 * 3600


class ActionsInForce(Protocol):
    def of(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[dict[str, frozenset[str]]]:
        """Per account: its actions in force, as decide.in_force_key strings."""
        ...

    def put(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        """What the effects that carry `in_force` put in force."""
        ...

    def lift(self, account_id: str, in_force: str, rt: RoundTrip) -> Pending[None]: ...


class RedisActionsInForce:
    """`<p>inforce:{acct}`: hash of the actions in force (field `<action>@<subject>`, value the
    effect id that put it in force); TTL 30 days, refreshed on write. A reversal deletes its
    field."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis, self._p = client, prefix

    def _key(self, account: str) -> str:
        return f"{self._p}inforce:{{{account}}}"

    def of(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[dict[str, frozenset[str]]]:
        if not accounts:
            return Pending.resolved({})
        return rt.add(
            self._redis,
            [("HKEYS", self._key(a)) for a in accounts],
            lambda replies: {
                a: frozenset(text(f) for f in fields)
                for a, fields in zip(accounts, replies, strict=True)
            },
        )

    def put(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        commands = []
        for e in effects:
            if e.in_force is not None:
                key = self._key(e.account_id)
                commands += [
                    ("HSET", key, e.in_force, e.effect_id),
                    ("EXPIRE", key, IN_FORCE_TTL_S),
                ]
        if not commands:
            return Pending.resolved(None)
        return rt.add(self._redis, commands, lambda _: None)

    def lift(self, account_id: str, in_force: str, rt: RoundTrip) -> Pending[None]:
        return rt.add(self._redis, [("HDEL", self._key(account_id), in_force)], lambda _: None)


@dataclass
class MemoryActionsInForce:
    """In memory (tests, `usewatch backtest`); no expiry."""

    held: dict[str, dict[str, str]] = field(default_factory=dict)

    def of(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[dict[str, frozenset[str]]]:
        return Pending.resolved({a: frozenset(self.held.get(a, {})) for a in accounts})

    def put(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        for e in effects:
            if e.in_force is not None:
                self.held.setdefault(e.account_id, {})[e.in_force] = e.effect_id
        return Pending.resolved(None)

    def lift(self, account_id: str, in_force: str, rt: RoundTrip) -> Pending[None]:
        self.held.get(account_id, {}).pop(in_force, None)
        return Pending.resolved(None)
