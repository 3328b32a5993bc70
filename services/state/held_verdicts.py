"""Verdicts held for a second look: a detector's suspect verdicts on an account, kept for its
window in case later evidence proves them violations (a persona farm's first posts are only
suspect until a second account tied to the same device posts the same text). Payloads are
opaque bytes (encoded Verdicts) to this store.

Reading and dropping are separate calls so that a stage drops what it read only after it has
published the revised verdicts: a worker killed in between reads them again and its revisions
are replays the enforcer recognises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.state.round_trip import Pending, RedisClient, RoundTrip


@dataclass(frozen=True, slots=True)
class Held:
    account_id: str
    at_ms: int
    """Event time of the verdict's event: the window is measured on it."""
    payload: bytes


class HeldVerdicts(Protocol):
    def hold(self, items: Sequence[Held], rt: RoundTrip) -> Pending[None]: ...

    def read(self, accounts: Sequence[str], now_ms: int, rt: RoundTrip) -> Pending[list[Held]]:
        """What is held for these accounts within the window ending at `now_ms`, oldest first."""
        ...

    def drop(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[None]: ...


class RedisHeldVerdicts:
    """Key `<p>held:<account>`: a sorted set of payloads scored by event time, trimmed to the
    window on each read and capped at `cap` members per account (the newest kept); TTL =
    window + 1 h, refreshed on each hold. Only suspects are held, so memory is a few kB per
    suspect account for one window."""

    def __init__(self, client: RedisClient, prefix: str, window_ms: int, cap: int = 32) -> None:
        self._redis = client
        self._p = prefix
        self._window_ms = window_ms
        self._cap = cap
        self._ttl_ms = window_ms + 3_600_000

    def _key(self, account: str) -> str:
        return f"{self._p}held:{account}"

    def hold(self, items: Sequence[Held], rt: RoundTrip) -> Pending[None]:
        if not items:
            return Pending.resolved(None)
        commands: list[tuple[Any, ...]] = []
        for account in dict.fromkeys(i.account_id for i in items):
            mine = [i for i in items if i.account_id == account]
            key = self._key(account)
            commands.append(("ZADD", key, *[x for i in mine for x in (i.at_ms, i.payload)]))
            commands.append(("ZREMRANGEBYRANK", key, 0, -(self._cap + 1)))
            commands.append(("PEXPIRE", key, self._ttl_ms))
        return rt.add(self._redis, commands, lambda _: None)

    def read(self, accounts: Sequence[str], now_ms: int, rt: RoundTrip) -> Pending[list[Held]]:
        accounts = list(dict.fromkeys(accounts))
        if not accounts:
            return Pending.resolved([])
        since = now_ms - self._window_ms
        commands: list[tuple[Any, ...]] = []
        for account in accounts:
            commands.append(("ZREMRANGEBYSCORE", self._key(account), "-inf", f"({since}"))
            commands.append(("ZRANGE", self._key(account), 0, -1, "WITHSCORES"))

        def decode(replies: list[Any]) -> list[Held]:
            out = []
            for account, members in zip(accounts, replies[1::2], strict=True):
                out += [Held(account, int(score), payload) for payload, score in members]
            return sorted(out, key=lambda h: (h.at_ms, h.payload))

        return rt.add(self._redis, commands, decode)

    def drop(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[None]:
        keys = [self._key(a) for a in dict.fromkeys(accounts)]
        if not keys:
            return Pending.resolved(None)
        # One DEL per account: one account's key per command, so it stays in one cluster slot.
        return rt.add(self._redis, [("DEL", k) for k in keys], lambda _: None)


@dataclass
class MemoryHeldVerdicts:
    """In-memory implementation with the same window and cap."""

    window_ms: int
    cap: int = 32
    _held: dict[str, dict[bytes, int]] = field(default_factory=dict)

    def hold(self, items: Sequence[Held], rt: RoundTrip) -> Pending[None]:
        for i in items:
            mine = self._held.setdefault(i.account_id, {})
            mine[i.payload] = i.at_ms
            if len(mine) > self.cap:
                newest = sorted(mine.items(), key=lambda kv: (kv[1], kv[0]))[-self.cap :]
                self._held[i.account_id] = dict(newest)
        return Pending.resolved(None)

    def read(self, accounts: Sequence[str], now_ms: int, rt: RoundTrip) -> Pending[list[Held]]:
        since = now_ms - self.window_ms
        out = []
        for account in dict.fromkeys(accounts):
            mine = self._held.get(account, {})
            for payload, at in list(mine.items()):
                if at < since:
                    del mine[payload]
                else:
                    out.append(Held(account, at, payload))
        return Pending.resolved(sorted(out, key=lambda h: (h.at_ms, h.payload)))

    def drop(self, accounts: Sequence[str], rt: RoundTrip) -> Pending[None]:
        for account in accounts:
            self._held.pop(account, None)
        return Pending.resolved(None)
