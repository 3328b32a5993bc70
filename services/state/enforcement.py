"""State of the enforcer: strikes, applied effects and hourly action counts (verdicts carry what
is needed of their events; the application registry is a topic: services/registry.py). Two
round trips per batch of verdicts: `load` before deciding, `commit` after the outputs are
acknowledged by the broker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterPipeline

from schemas.events import Action
from services.state.round_trip import RedisClient

APPLIED_TTL_S = 30 * 24 * 3600
QUOTA_TTL_S = 2 * 3600
IN_FORCE_TTL_S = 30 * 24 * 3600
WHOLE_TTL_S = 30 * 24 * 3600


class StoreCondition(Enum):
    """What a load found the store to be, besides its answers."""

    WHOLE = "whole"
    LOST = "lost"
    """No `whole` mark: the store came back empty (or was never filled); rebuild it."""
    RESTARTED = "restarted"
    """Whole, but Redis restarted since the last load: a crash may have lost the writes of its
    last second (the append-only file is fsynced once a second), so reconcile the marks."""


@dataclass(frozen=True, slots=True)
class LoadRequest:
    account_id: str
    category: str
    effect_id: str
    strikes_since_ms: int
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class Loaded:
    already_applied: bool
    strikes: int
    """Strikes (cases) of the category in the window, the request's own case included."""
    case_open: bool = False
    """The request's case already has its strike."""
    case_strikes: int = 0
    """When the case is open: the strikes up to and including it (its rung on the ladder)."""
    in_force: frozenset[str] = frozenset()
    """The account's actions in force, as decide.in_force_key strings."""


def _loaded(applied: bool, strikes: list[str], case: str, in_force: frozenset[str]) -> Loaded:
    """`strikes`: the category's strike ids in the window, oldest first."""
    rank = strikes.index(case) + 1 if case in strikes else 0
    return Loaded(applied, len(strikes), rank > 0, rank, in_force)


@dataclass(frozen=True, slots=True)
class Effect:
    account_id: str
    category: str
    effect_id: str
    at_ms: int
    strike: bool
    decay_s: int
    action: Action | None
    case_id: str | None = None
    """The strike's member: one strike per case, however many of its violations commit."""
    in_force: str | None = None
    """The action and subject this effect puts in force (decide.in_force_key)."""
    strike_at_ms: int | None = None
    """The strike's score: when its case's span began (decide.case_span); else `at_ms`."""

    @property
    def strike_id(self) -> str:
        return self.case_id or self.effect_id

    @property
    def strike_score(self) -> int:
        return self.at_ms if self.strike_at_ms is None else self.strike_at_ms


class EnforcementState(Protocol):
    """Keys, all but the quota counters tagged with the account:

    - `<p>applied:{acct}:<effect id>`: "1" once an effect was published; TTL 30 days, beyond
      any replay we accept.
    - `<p>strikes:{acct}:<category>`: sorted set of case ids (one strike per case) scored by
      when the case's span began (event time), trimmed to the decay window; TTL = decay window,
      refreshed on write. Removing a member reverses it.
    - `<p>inforce:{acct}`: hash of the actions in force on the account's subjects (field
      `<action>@<subject>`, value the effect id), so a sanction in force is not applied again;
      TTL 30 days, refreshed on write. A reversal deletes its field.
    - `<p>quota:<action>:<hour>`: actions applied in that hour, all accounts; TTL 2 h.
    - `<p>whole`: "1" once the store holds everything the enforcement topics prove (set by a
      rebuild, services/enforcement/rebuild.py); TTL 30 days, refreshed by every load. A store
      without it was lost (or never filled) and is rebuilt before anything is decided.
    """

    async def load(
        self, batch: Sequence[LoadRequest], hour: int
    ) -> tuple[list[Loaded], dict[Action, int], StoreCondition]:
        """Per request: applied, strikes, its case, what is in force; this hour's quota use;
        and the store's condition."""
        ...

    async def mark_whole(self) -> None: ...

    async def unapplied(self, effects: Sequence[Effect]) -> list[Effect]:
        """The effects whose applied mark is missing."""
        ...

    async def commit(self, effects: Sequence[Effect], hour: int) -> None: ...

    async def reverse(
        self, account_id: str, category: str, strike_id: str, in_force: str | None = None
    ) -> bool:
        """Remove one strike (a case) and the action it put in force; True if the strike was
        there."""
        ...


class RedisEnforcementState:
    """The server's `run_id` rides on every load (one Redis; a cluster's nodes are not
    watched: run them with replicas), so a restart is noticed on the first batch after it."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis = client
        self._p = prefix
        self._run_id: str | None = None
        self._watch_restarts = isinstance(client, aioredis.Redis)
        self.round_trips = 0

    def _applied(self, account: str, effect_id: str) -> str:
        return f"{self._p}applied:{{{account}}}:{effect_id}"

    def _strikes(self, account: str, category: str) -> str:
        return f"{self._p}strikes:{{{account}}}:{category}"

    def _in_force(self, account: str) -> str:
        return f"{self._p}inforce:{{{account}}}"

    def _quota(self, action: Action, hour: int) -> str:
        return f"{self._p}quota:{action.value}:{hour}"

    @property
    def _whole(self) -> str:
        return f"{self._p}whole"

    async def load(
        self, batch: Sequence[LoadRequest], hour: int
    ) -> tuple[list[Loaded], dict[Action, int], StoreCondition]:
        pipe = self._redis.pipeline(transaction=False)
        for r in batch:
            strikes = self._strikes(r.account_id, r.category)
            pipe.exists(self._applied(r.account_id, r.effect_id))
            pipe.zrangebyscore(strikes, r.strikes_since_ms, "+inf")
        accounts = list(dict.fromkeys(r.account_id for r in batch))
        for account in accounts:
            pipe.hkeys(self._in_force(account))
        actions = list(Action)
        for a in actions:
            pipe.get(self._quota(a, hour))
        pipe.getex(self._whole, ex=WHOLE_TTL_S)
        if self._watch_restarts:
            pipe.execute_command("INFO", "server")
        replies = list(await pipe.execute())
        restarted = self._restarted(replies.pop()) if self._watch_restarts else False
        whole = replies.pop()
        self.round_trips += 1
        n = 2 * len(batch)
        in_force = {
            account: frozenset(_text(f) for f in fields)
            for account, fields in zip(accounts, replies[n : n + len(accounts)], strict=True)
        }
        loaded = [
            _loaded(
                bool(replies[2 * i]),
                [_text(m) for m in replies[2 * i + 1]],
                r.case_id or r.effect_id,
                in_force[r.account_id],
            )
            for i, r in enumerate(batch)
        ]
        quota_replies = replies[n + len(accounts) :]
        quotas = {a: int(v or 0) for a, v in zip(actions, quota_replies, strict=True)}
        if whole is None:
            return loaded, quotas, StoreCondition.LOST
        return loaded, quotas, StoreCondition.RESTARTED if restarted else StoreCondition.WHOLE

    def _restarted(self, info: dict[str, Any]) -> bool:
        run_id = str(info.get("run_id", ""))
        before, self._run_id = self._run_id, run_id
        return before is not None and before != run_id

    async def mark_whole(self) -> None:
        await self._redis.set(self._whole, b"1", ex=WHOLE_TTL_S)

    async def unapplied(self, effects: Sequence[Effect]) -> list[Effect]:
        if not effects:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for e in effects:
            pipe.exists(self._applied(e.account_id, e.effect_id))
        found = await pipe.execute()
        return [e for e, applied in zip(effects, found, strict=True) if not applied]

    async def commit(self, effects: Sequence[Effect], hour: int) -> None:
        if not effects:
            return
        pipe = self._redis.pipeline(transaction=False)
        for e in effects:
            pipe.set(self._applied(e.account_id, e.effect_id), b"1", ex=APPLIED_TTL_S, nx=True)
            if e.strike:
                key = self._strikes(e.account_id, e.category)
                pipe.zadd(key, {e.strike_id: e.strike_score})
                pipe.zremrangebyscore(key, "-inf", f"({e.at_ms - e.decay_s * 1000}")
                pipe.expire(key, e.decay_s)
            if e.in_force is not None:
                pipe.hset(self._in_force(e.account_id), e.in_force, e.effect_id)
                pipe.expire(self._in_force(e.account_id), IN_FORCE_TTL_S)
            if e.action is not None:
                pipe.incr(self._quota(e.action, hour))
                pipe.expire(self._quota(e.action, hour), QUOTA_TTL_S)
        await pipe.execute()
        self.round_trips += 1

    async def reverse(
        self, account_id: str, category: str, strike_id: str, in_force: str | None = None
    ) -> bool:
        pipe = self._redis.pipeline(transaction=False)
        pipe.zrem(self._strikes(account_id, category), strike_id)
        if in_force is not None:
            pipe.hdel(self._in_force(account_id), in_force)
        removed, *_ = await pipe.execute()
        return bool(removed)


@dataclass
class MemoryEnforcementState:
    """In-memory implementation (tests, `usewatch backtest --policy`). No expiry: bounded by
    the input it is fed."""

    applied: set[tuple[str, str]] = field(default_factory=set)
    strikes: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    in_force: dict[str, dict[str, str]] = field(default_factory=dict)
    quotas: dict[tuple[Action, int], int] = field(default_factory=dict)
    whole: bool = True

    async def load(
        self, batch: Sequence[LoadRequest], hour: int
    ) -> tuple[list[Loaded], dict[Action, int], StoreCondition]:
        loaded = []
        for r in batch:
            strikes = self.strikes.get((r.account_id, r.category), {})
            in_window = sorted((t, m) for m, t in strikes.items() if t >= r.strikes_since_ms)
            loaded.append(
                _loaded(
                    (r.account_id, r.effect_id) in self.applied,
                    [m for _, m in in_window],
                    r.case_id or r.effect_id,
                    frozenset(self.in_force.get(r.account_id, {})),
                )
            )
        condition = StoreCondition.WHOLE if self.whole else StoreCondition.LOST
        return loaded, {a: self.quotas.get((a, hour), 0) for a in Action}, condition

    async def mark_whole(self) -> None:
        self.whole = True

    async def unapplied(self, effects: Sequence[Effect]) -> list[Effect]:
        return [e for e in effects if (e.account_id, e.effect_id) not in self.applied]

    async def commit(self, effects: Sequence[Effect], hour: int) -> None:
        for e in effects:
            self.applied.add((e.account_id, e.effect_id))
            if e.strike:
                strikes = self.strikes.setdefault((e.account_id, e.category), {})
                strikes[e.strike_id] = e.strike_score
            if e.in_force is not None:
                self.in_force.setdefault(e.account_id, {})[e.in_force] = e.effect_id
            if e.action is not None:
                self.quotas[(e.action, hour)] = self.quotas.get((e.action, hour), 0) + 1

    async def reverse(
        self, account_id: str, category: str, strike_id: str, in_force: str | None = None
    ) -> bool:
        if in_force is not None:
            self.in_force.get(account_id, {}).pop(in_force, None)
        return self.strikes.get((account_id, category), {}).pop(strike_id, None) is not None


# ----------------------------------------------------------------------------------------------
# Operator's log: what was decided, for `usewatch account`, `reverse` and `reports`

LOG_TTL_S = 30 * 24 * 3600
RECENT_PER_ACCOUNT = 50


class RedisEnforcementLog:
    """What the enforcer published, kept for operators (the topics stay the record):

    - `<p>log:id:<enforcement id>`: the EnforcementEvent JSON, for reversals; TTL 30 days.
    - `<p>log:review:<enforcement id>`: what went to a person (enforcement.review), for the
      decisions the review console sends back; TTL 30 days.
    - `<p>log:recent:{acct}`: list of the newest 50 actions and reports (JSON); TTL 30 days.
    - `<p>log:reports`: reports scored by their deadline, trimmed to the last 48 h of
      deadlines; TTL 48 h, refreshed on write. "Open" means not yet past its deadline.
    """

    def __init__(self, client: RedisClient, prefix: str) -> None:
        self._redis = client
        self._p = prefix

    async def record(
        self,
        actions: Sequence[tuple[str, str, str]],
        reports: Sequence[tuple[str, float, str]],
        now_s: float,
        reviews: Sequence[tuple[str, str]] = (),
    ) -> None:
        """actions: (account, enforcement id, JSON); reports: (account, deadline s, JSON);
        reviews: (enforcement id, JSON)."""
        if not actions and not reports and not reviews:
            return
        pipe = self._redis.pipeline(transaction=False)
        for account, enforcement_id, body in actions:
            pipe.set(f"{self._p}log:id:{enforcement_id}", body, ex=LOG_TTL_S)
            self._push_recent(pipe, account, body)
        for enforcement_id, body in reviews:
            pipe.set(f"{self._p}log:review:{enforcement_id}", body, ex=LOG_TTL_S)
        for account, due_s, body in reports:
            pipe.zadd(f"{self._p}log:reports", {body: due_s})
            self._push_recent(pipe, account, body)
        if reports:
            pipe.zremrangebyscore(f"{self._p}log:reports", "-inf", now_s - 2 * 86400)
            pipe.expire(f"{self._p}log:reports", 2 * 86400)
        await pipe.execute()

    def _push_recent(
        self, pipe: aioredis.client.Pipeline | ClusterPipeline, account: str, body: str
    ) -> None:
        key = f"{self._p}log:recent:{{{account}}}"
        pipe.lpush(key, body)
        pipe.ltrim(key, 0, RECENT_PER_ACCOUNT - 1)
        pipe.expire(key, LOG_TTL_S)

    async def enforcement(self, enforcement_id: str) -> str | None:
        raw = await self._redis.get(f"{self._p}log:id:{enforcement_id}")
        return _text(raw) if raw else None

    async def review(self, enforcement_id: str) -> str | None:
        raw = await self._redis.get(f"{self._p}log:review:{enforcement_id}")
        return _text(raw) if raw else None

    async def recent(self, account: str) -> list[str]:
        return [
            _text(r) for r in await self._redis.lrange(f"{self._p}log:recent:{{{account}}}", 0, -1)
        ]

    async def reports_due_after(self, since_s: float) -> list[str]:
        """Reports whose deadline is after `since_s` (now: the open ones)."""
        return [
            _text(r)
            for r in await self._redis.zrangebyscore(f"{self._p}log:reports", since_s, "+inf")
        ]

    async def strikes(self, state_prefix: str, account: str) -> dict[str, int]:
        out = {}
        async for key in self._redis.scan_iter(f"{state_prefix}strikes:{{{account}}}:*"):
            out[key.decode().rsplit(":", 1)[1]] = int(await self._redis.zcard(key))
        return out


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
