"""Operator commands on the enforcer's state: an account's standing, reversals, open reports.
Called by `usewatch account`, `usewatch reverse` and `usewatch reports`."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from schemas.codec import decode, encode, encode_key
from schemas.events import EnforcementEvent, ViolationReport
from schemas.topics import ENFORCEMENT_ACTIONS
from services.enforcement import reviews
from services.stage_metrics import redis_client
from services.state.enforcement import EnforcementState, RedisEnforcementLog
from services.state.keys import Namespace, key_prefix
from services.state.round_trip import RedisClient
from usewatch.settings import ClientSettings


@dataclass(frozen=True)
class AccountView:
    strikes: dict[str, int]
    recent: list[EnforcementEvent | ViolationReport]


def _stores(s: ClientSettings) -> tuple[RedisClient, EnforcementState, RedisEnforcementLog]:
    client = redis_client(s)
    prefix = key_prefix(s.topic_prefix, Namespace.ENFORCEMENT)
    return client, EnforcementState.redis(client, prefix), RedisEnforcementLog(client, prefix)


def _parse(body: str) -> EnforcementEvent | ViolationReport:
    return (
        decode(ViolationReport, body) if '"report_id"' in body else decode(EnforcementEvent, body)
    )


async def account_view(s: ClientSettings, account_id: str) -> AccountView:
    client, state, log = _stores(s)
    try:
        strikes = await state.strikes.per_category(account_id)
        recent = [_parse(b) for b in await log.recent(account_id)]
        return AccountView(strikes, recent)
    finally:
        await client.aclose()


async def reverse(s: ClientSettings, enforcement_id: str, reason_text: str) -> EnforcementEvent:
    """Publish a reversal on enforcement.actions and remove the strike of its case. Raises
    LookupError for an unknown id and ValueError when it was already reversed."""
    client, state, log = _stores(s)
    try:
        body = await log.enforcement(enforcement_id)
        if body is None:
            raise LookupError(f"no enforcement {enforcement_id} in the last 30 days")
        undo = await reviews.reverse(
            state, log, decode(EnforcementEvent, body), reason_text, "operator", datetime.now(UTC)
        )
        if undo is None:
            raise ValueError(f"{enforcement_id} was already reversed")
        producer = KafkaProducer(**s.kafka_client(), acks="all")
        producer.send(
            ENFORCEMENT_ACTIONS.full_name(s.topic_prefix),
            key=encode_key(undo.account_id),
            value=encode(undo),
        ).get(timeout=30)
        producer.close()
        await log.record(
            [(undo.account_id, undo.enforcement_id, undo.model_dump_json(exclude_none=True))],
            [],
            datetime.now(UTC).timestamp(),
        )
        return undo
    finally:
        await client.aclose()


async def recent_reports(
    s: ClientSettings, open_only: bool = True
) -> tuple[list[ViolationReport], dict[str, Any]]:
    """Reports not yet past their deadline (or, with open_only False, also those due in the
    last 48 h), soonest due first, with report latency figures."""
    client, _, log = _stores(s)
    try:
        now = datetime.now(UTC)
        since = now.timestamp() if open_only else now.timestamp() - 2 * 86400
        reports = [decode(ViolationReport, b) for b in await log.reports_due_after(since)]
    finally:
        await client.aclose()
    reports.sort(key=lambda r: r.report_due_at)
    lags = sorted((r.reported_at - r.occurred_at).total_seconds() for r in reports)
    figures: dict[str, Any] = {"reports": len(reports)}
    if lags:
        figures["report_latency_p50_s"] = statistics.median(lags)
        figures["report_latency_p99_s"] = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
        still_open = [r for r in reports if r.report_due_at > now]
        if still_open:
            oldest = min(r.occurred_at for r in still_open)
            figures["oldest_open_age_s"] = (now - oldest).total_seconds()
    return reports, figures
