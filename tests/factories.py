"""Factories for test events and hostile payloads, shared by every tier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import DeadLetterReason, GenerationEvent

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def event_fields(n: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid GenerationEvent's fields; `n` varies ids, account and time."""
    fields: dict[str, Any] = {
        "event_id": f"evt-{n:06d}",
        "occurred_at": (T0 + timedelta(seconds=n)).isoformat(),
        "account_id": f"acct-{n % 37:03d}",
        "app_id": "app-1",
        "api_key_id": f"key-{n % 37:03d}",
        "identity": "Support Team",
        "channel": "email",
        "recipients": [f"r-{n}"],
        "prompt": f"Draft a short reply to ticket {n} that I will review.",
        "generation": f"Hi,\u200b thanks   for\tyour message about ticket {n}. ｗｅ will reply.",
        "model": "gen-1",
        "ai_disclosure": True,
        "client": {"ip_hash": "ip-1", "device_hash": "dev-1"},
        "attributes": {"locale": "en"},
    }
    fields.update(overrides)
    return fields


def event(n: int = 0, **overrides: Any) -> GenerationEvent:
    return GenerationEvent.model_validate(event_fields(n, **overrides))


def _json(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()


def invalid_payloads(count_per_kind: int = 20) -> list[tuple[bytes, bytes, DeadLetterReason]]:
    """(key, value, expected reason) for ten kinds of bad input; the key names the case."""
    cases: list[tuple[str, DeadLetterReason, Any]] = [
        ("bad-json", DeadLetterReason.INVALID_JSON, lambda i: b'{"event_id": "x", ' + bytes(i)),
        ("not-json-object", DeadLetterReason.SCHEMA, lambda i: b"[1, 2, 3]"),
        (
            "wrong-types",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, recipients="everyone", red_team="yes", channel=5)),
        ),
        (
            "missing-fields",
            DeadLetterReason.SCHEMA,
            lambda i: _json(
                {k: v for k, v in event_fields(i).items() if k not in ("account_id", "prompt")}
            ),
        ),
        (
            "unknown-channel",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, channel="carrier_pigeon")),
        ),
        (
            "naive-datetime",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, occurred_at="2026-11-01T12:00:00")),
        ),
        (
            "oversize-text",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, generation="x" * 32_001)),
        ),
        (
            "too-many-recipients",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, recipients=[f"r{j}" for j in range(1_001)])),
        ),
        ("too-large", DeadLetterReason.TOO_LARGE, lambda i: b"{" + b" " * 600_000 + b"}"),
        ("not-utf8", DeadLetterReason.NOT_UTF8, lambda i: b'{"event_id": "\xff\xfe' + bytes([i])),
    ]
    out = []
    for name, reason, build in cases:
        for i in range(count_per_kind):
            out.append((f"{name}-{i}".encode(), build(i), reason))
    return out
