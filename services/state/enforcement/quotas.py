"""Actions applied per hour, all accounts together: what the policy's hourly quotas count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from schemas.events import Action
from services.state.enforcement.records import Effect
from services.state.round_trip import Pending, RedisClient, RoundTrip

QUOTA_TTL_S = 2 * 3600


class ActionQuotas(Protocol):
    def used(self, hour: int, rt: RoundTrip) -> Pending[dict[Action, int]]:
        """Per action: how many were applied in `hour` (hours since the epoch)."""
        ...

    def count(self, effects: Sequence[Effect], hour: int, rt: RoundTrip) -> Pending[None]:
        """Count the actions the effects apply."""
        ...


class RedisActionQuotas:
    """`<p>quota:<action>:<hour>`: actions applied in that hour; TTL 2 h. Not tagged with an
    account: a counter shared by all of them."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis, self._p = client, prefix

    def _key(self, action: Action, hour: int) -> str:
        return f"{self._p}quota:{action.value}:{hour}"

    def used(self, hour: int, rt: RoundTrip) -> Pending[dict[Action, int]]:
        actions = list(Action)
        return rt.add(
            self._redis,
            [("GET", self._key(a, hour)) for a in actions],
            lambda replies: {a: int(v or 0) for a, v in zip(actions, replies, strict=True)},
        )

    def count(self, effects: Sequence[Effect], hour: int, rt: RoundTrip) -> Pending[None]:
        commands = []
        for e in effects:
            if e.action is not None:
                key = self._key(e.action, hour)
                commands += [("INCR", key), ("EXPIRE", key, QUOTA_TTL_S)]
        if not commands:
            return Pending.resolved(None)
        return rt.add(self._redis, commands, lambda _: None)


@dataclass
class MemoryActionQuotas:
    """In memory (tests, `usewatch backtest`); no expiry."""

    counted: dict[tuple[Action, int], int] = field(default_factory=dict)

    def used(self, hour: int, rt: RoundTrip) -> Pending[dict[Action, int]]:
        return Pending.resolved({a: self.counted.get((a, hour), 0) for a in Action})

    def count(self, effects: Sequence[Effect], hour: int, rt: RoundTrip) -> Pending[None]:
        for e in effects:
            if e.action is not None:
                self.counted[(e.action, hour)] = self.counted.get((e.action, hour), 0) + 1
        return Pending.resolved(None)
