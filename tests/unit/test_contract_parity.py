"""Contract parity: the published JSON Schema of GenerationEvent (read as a producer reads it:
its `x-max-message-bytes`, its readOnly fields left out) and what the gateway admits are the
same set. One table of valid and invalid messages goes through both: a real JSON Schema
validator (Draft 2020-12, with format checking) and `admit`, strict at the edge."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from services.gateway.admission import Accepted, Source, admit
from tests.factories import T0, event_fields

pytestmark = pytest.mark.unit

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas/json/generation_event.schema.json").read_text()
)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
READ_ONLY = {k for k, p in SCHEMA["properties"].items() if p.get("readOnly")}
NOW = T0 + timedelta(minutes=1)


def schema_admits(raw: bytes) -> bool:
    if len(raw) > SCHEMA["x-max-message-bytes"]:
        return False
    try:
        doc = json.loads(raw)
    except ValueError:
        return False
    return VALIDATOR.is_valid(doc) and not (isinstance(doc, dict) and READ_ONLY & set(doc))


def gateway_admits(raw: bytes) -> bool:
    source = Source("generations", 0, 0)
    return isinstance(admit(b"acct", raw, source, NOW, SCHEMA["x-max-message-bytes"]), Accepted)


def message(**change: Any) -> bytes:
    fields = event_fields(1)
    for key, value in change.items():
        if value is ...:
            fields.pop(key, None)
        else:
            fields[key] = value
    return json.dumps(fields).encode()


ESCAPED = "\u0000"  # six bytes of JSON for one character
CASES: dict[str, bytes] = {
    "valid": message(),
    "valid, UTC offset": message(occurred_at="2026-11-01T13:00:00+01:00"),
    "valid, NUL and emoji": message(generation="a\u0000b \U0001f600"),
    "valid, at every length bound": message(prompt="p" * 32_000, event_id="e" * 128),
    "valid, 32 attributes": message(attributes={f"k{i}": "v" for i in range(32)}),
    "time as Unix seconds": message(occurred_at=1_761_998_400),
    "time with a space": message(occurred_at="2026-11-01 12:00:00Z"),
    "time without a zone": message(occurred_at="2026-11-01T12:00:00"),
    "time before 2000": message(occurred_at="1999-12-31T23:59:59Z"),
    "time in 2100": message(occurred_at="2100-01-01T00:00:00Z"),
    "red_team as text": message(red_team="yes"),
    "red_team as a number": message(red_team=1),
    "ai_disclosure as text": message(ai_disclosure="true"),
    "recipients as a string": message(recipients="r-1"),
    "1,001 recipients": message(recipients=[f"r{i}" for i in range(1_001)]),
    "33 attributes": message(attributes={f"k{i}": "v" for i in range(33)}),
    "attribute not text": message(attributes={"k": 1}),
    "unknown channel": message(channel="fax"),
    "unknown field": message(colour="red"),
    "normalized from a producer": message(normalized={"prompt": "a", "generation": "b"}),
    "id too long": message(event_id="e" * 129),
    "empty id": message(account_id=""),
    "text too long": message(generation="g" * 32_001),
    "prompt missing": message(prompt=...),
    "schema_version 2": message(schema_version="2"),
    "over the byte bound, schema-valid": message(
        prompt=ESCAPED * 32_000,
        generation=ESCAPED * 32_000,
        attributes={f"k{i}": ESCAPED * 1_024 for i in range(32)},
    ),
    "not an object": b"[1, 2, 3]",
    "not JSON": b'{"event_id": ',
}


@pytest.mark.parametrize("case", CASES)
def test_the_schema_and_the_gateway_accept_the_same_messages(case: str) -> None:
    raw = CASES[case]
    assert schema_admits(raw) == gateway_admits(raw), case


def test_the_table_holds_both_kinds() -> None:
    admitted = [c for c, raw in CASES.items() if gateway_admits(raw)]
    assert admitted == [c for c in CASES if c.startswith("valid")]
