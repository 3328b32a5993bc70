"""Strikes: one per case, per account and category, within the category's decay window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.state.enforcement.records import Effect, LoadRequest, text
from services.state.round_trip import Pending, RedisClient, RoundTrip


class Strikes(Protocol):
    def in_window(self, batch: Sequence[LoadRequest], rt: RoundTrip) -> Pending[list[list[str]]]:
        """Per request: its category's strike ids since `strikes_since_ms`, oldest first."""
        ...

    def add(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        """The strikes of the effects that carry one (`Effect.strike`); a case's repeat is the
        same member, so it counts once."""
        ...

    def remove(
        self, account_id: str, category: str, strike_id: str, rt: RoundTrip
    ) -> Pending[bool]:
        """Reverse one strike; True if it was there."""
        ...

    async def per_category(self, account_id: str) -> dict[str, int]:
        """The account's strikes by category (for operators; not on the hot path)."""
        ...


class RedisStrikes:
    """`<p>strikes:{acct}:<category>`: sorted set of strike ids (case ids) scored by when the
    case's span began (event time), trimmed to the decay window on write; TTL = the decay window,
    refreshed on write."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis, self._p = client, prefix

    def _key(self, account: str, category: str) -> str:
        return f"{self._p}strikes:{{{account}}}:{category}"

    def in_window(self, batch: Sequence[LoadRequest], rt: RoundTrip) -> Pending[list[list[str]]]:
        if not batch:
            return Pending.resolved([])
        commands = [
            ("ZRANGEBYSCORE", self._key(r.account_id, r.category), r.strikes_since_ms, "+inf")
            for r in batch
        ]
        return rt.add(
            self._redis, commands, lambda replies: [[text(m) for m in r] for r in replies]
        )

    def add(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        commands = []
        for e in effects:
            if not e.strike:
                continue
            key = self._key(e.account_id, e.category)
            commands += [
                ("ZADD", key, e.strike_score, e.strike_id),
                ("ZREMRANGEBYSCORE", key, "-inf", f"({e.at_ms - e.decay_s * 1000}"),
                ("EXPIRE", key, e.decay_s),
            ]
        if not commands:
            return Pending.resolved(None)
        return rt.add(self._redis, commands, lambda _: None)

    def remove(
        self, account_id: str, category: str, strike_id: str, rt: RoundTrip
    ) -> Pending[bool]:
        command = ("ZREM", self._key(account_id, category), strike_id)
        return rt.add(self._redis, [command], lambda replies: bool(replies[0]))

    async def per_category(self, account_id: str) -> dict[str, int]:
        out = {}
        async for key in self._redis.scan_iter(self._key(account_id, "*")):
            out[text(key).rsplit(":", 1)[1]] = int(await self._redis.zcard(key))
        return out


@dataclass
class MemoryStrikes:
    """In memory (tests, `usewatch backtest`): no expiry, bounded by the input it is fed."""

    held: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(account, category) → strike id → score."""

    def in_window(self, batch: Sequence[LoadRequest], rt: RoundTrip) -> Pending[list[list[str]]]:
        out = []
        for r in batch:
            strikes = self.held.get((r.account_id, r.category), {})
            out.append(
                [
                    m
                    for t, m in sorted(
                        (t, m) for m, t in strikes.items() if t >= r.strikes_since_ms
                    )
                ]
            )
        return Pending.resolved(out)

    def add(self, effects: Sequence[Effect], rt: RoundTrip) -> Pending[None]:
        for e in effects:
            if e.strike:
                self.held.setdefault((e.account_id, e.category), {})[e.strike_id] = e.strike_score
        return Pending.resolved(None)

    def remove(
        self, account_id: str, category: str, strike_id: str, rt: RoundTrip
    ) -> Pending[bool]:
        removed = self.held.get((account_id, category), {}).pop(strike_id, None)
        return Pending.resolved(removed is not None)

    async def per_category(self, account_id: str) -> dict[str, int]:
        return {c: len(s) for (a, c), s in self.held.items() if a == account_id and s}
