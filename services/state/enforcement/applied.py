"""Which effects were already published: the enforcer's idempotence across replays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.state.enforcement.records import Effect
from services.state.round_trip import Pending, RedisClient, RoundTrip

APPLIED_TTL_S = 30 * 24 * 3600
"""Beyond any replay we accept."""

EffectKey = tuple[str, str]
"""(account id, effect id)."""


class AppliedMarks(Protocol):
    def applied(self, keys: Sequence[EffectKey], rt: RoundTrip) -> Pending[list[bool]]:
        """For each key, True once its effect was marked."""
        ...

    def mark(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]: ...


class RedisAppliedMarks:
    """`<p>applied:{acct}:<effect id>`: "1" once the effect was published; TTL 30 days."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis, self._p = client, prefix

    def _key(self, account: str, effect_id: str) -> str:
        return f"{self._p}applied:{{{account}}}:{effect_id}"

    def applied(self, keys: Sequence[EffectKey], rt: RoundTrip) -> Pending[list[bool]]:
        if not keys:
            return Pending.resolved([])
        commands = [("EXISTS", self._key(account, effect)) for account, effect in keys]
        return rt.add(self._redis, commands, lambda replies: [bool(r) for r in replies])

    def mark(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        if not effects:
            return Pending.resolved(None)
        commands = [
            ("SET", self._key(e.account_id, e.effect_id), b"1", "EX", APPLIED_TTL_S, "NX")
            for e in effects
        ]
        return rt.add(self._redis, commands, lambda _: None)


@dataclass
class MemoryAppliedMarks:
    """In memory (tests, `usewatch backtest`); no expiry."""

    marked: set[EffectKey] = field(default_factory=set)

    def applied(self, keys: Sequence[EffectKey], rt: RoundTrip) -> Pending[list[bool]]:
        return Pending.resolved([k in self.marked for k in keys])

    def mark(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        self.marked.update((e.account_id, e.effect_id) for e in effects)
        return Pending.resolved(None)
