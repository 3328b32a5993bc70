"""The enforcer's state: five stores behind one object, two Redis round trips per batch of
verdicts (`load` before deciding, `commit` after the outputs are acknowledged by the broker).
Each store is its own module with a Protocol and a Redis and an in-memory implementation; this
class only puts their commands on a shared round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import Action
from services.state.enforcement.applied import (
    AppliedMarks,
    MemoryAppliedMarks,
    RedisAppliedMarks,
)
from services.state.enforcement.in_force import (
    ActionsInForce,
    MemoryActionsInForce,
    RedisActionsInForce,
)
from services.state.enforcement.quotas import (
    ActionQuotas,
    MemoryActionQuotas,
    RedisActionQuotas,
)
from services.state.enforcement.records import Effect, Loaded, LoadRequest, StoreCondition
from services.state.enforcement.strikes import MemoryStrikes, RedisStrikes, Strikes
from services.state.enforcement.whole import MemoryWholeMark, RedisWholeMark, WholeMark
from services.state.round_trip import RedisClient, RoundTrip


@dataclass(frozen=True)
class EnforcementState:
    applied: AppliedMarks
    strikes: Strikes
    in_force: ActionsInForce
    quotas: ActionQuotas
    whole: WholeMark

    @classmethod
    def redis(cls, client: RedisClient, prefix: str) -> EnforcementState:
        """On Redis, every key under `prefix` (services/state/keys.py: Namespace.ENFORCEMENT);
        all but the quota counters and the whole mark are tagged with their account."""
        return cls(
            RedisAppliedMarks(client, prefix),
            RedisStrikes(client, prefix),
            RedisActionsInForce(client, prefix),
            RedisActionQuotas(client, prefix),
            RedisWholeMark(client, prefix),
        )

    @classmethod
    def memory(cls, whole: bool = True) -> EnforcementState:
        """In memory (tests, `usewatch backtest --policy`): no expiry, bounded by its input."""
        return cls(
            MemoryAppliedMarks(),
            MemoryStrikes(),
            MemoryActionsInForce(),
            MemoryActionQuotas(),
            MemoryWholeMark(whole),
        )

    async def load(
        self, batch: Sequence[LoadRequest], hour: int
    ) -> tuple[list[Loaded], dict[Action, int], StoreCondition]:
        """Per request: applied, strikes, its case, what is in force; this hour's quota use;
        and the store's condition. One round trip."""
        rt = RoundTrip()
        applied = self.applied.applied([(r.account_id, r.effect_id) for r in batch], rt)
        strikes = self.strikes.in_window(batch, rt)
        in_force = self.in_force.of(list(dict.fromkeys(r.account_id for r in batch)), rt)
        quotas = self.quotas.used(hour, rt)
        condition = self.whole.condition(rt)
        await rt.execute()
        held = in_force.result()
        loaded = [
            Loaded.of(a, s, r.strike_id, held[r.account_id])
            for r, a, s in zip(batch, applied.result(), strikes.result(), strict=True)
        ]
        return loaded, quotas.result(), condition.result()

    async def mark_whole(self) -> None:
        rt = RoundTrip()
        self.whole.mark(rt)
        await rt.execute()

    async def unapplied(self, effects: Sequence[Effect]) -> list[Effect]:
        """The effects whose applied mark is missing."""
        rt = RoundTrip()
        found = self.applied.applied([(e.account_id, e.effect_id) for e in effects], rt)
        await rt.execute()
        return [e for e, applied in zip(effects, found.result(), strict=True) if not applied]

    async def commit(self, effects: Sequence[Effect], hour: int) -> None:
        """Mark, strike, put in force and count the effects: one round trip. Marks, strikes and
        actions in force are idempotent per effect id; the quotas count every commit (the
        enforcer commits only what it applied)."""
        rt = RoundTrip()
        self.applied.mark(effects, rt)
        self.strikes.add(effects, rt)
        self.in_force.put(effects, rt)
        self.quotas.count(effects, hour, rt)
        await rt.execute()

    async def reverse(
        self, account_id: str, category: str, strike_id: str, in_force: str | None = None
    ) -> bool:
        """Remove one strike (a case) and the action it put in force; True if the strike was
        there."""
        rt = RoundTrip()
        removed = self.strikes.remove(account_id, category, strike_id, rt)
        if in_force is not None:
            self.in_force.lift(account_id, in_force, rt)
        await rt.execute()
        return removed.result()
