from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.codec import decode, encode
from schemas.events import (
    DeadLetter,
    GenerationEvent,
    Verdict,
    ViolationReport,
)
from schemas.generate import stale_files
from schemas.principals import grants
from schemas.topics import ALL_TOPICS, DEFAULT_PARTITIONS, GENERATIONS, REGISTRY, topic_named
from tests.factories import T0, event, event_fields


def _errors(fields: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        GenerationEvent.model_validate(fields)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in info.value.errors()]


def test_a_valid_event_round_trips_through_the_wire_format() -> None:
    original = event(3)
    assert decode(GenerationEvent, encode(original)) == original


def test_optional_fields_left_out_cost_nothing_on_the_wire() -> None:
    minimal = GenerationEvent.model_validate(
        {
            k: v
            for k, v in event_fields().items()
            if k
            in (
                "event_id",
                "occurred_at",
                "account_id",
                "app_id",
                "channel",
                "prompt",
                "generation",
                "model",
            )
        }
    )
    assert b"null" not in encode(minimal)
    assert minimal.red_team is False
    assert minimal.attributes == {}


def test_times_are_stored_as_utc() -> None:
    cet = timezone(timedelta(hours=1))
    e = event(occurred_at=datetime(2026, 11, 1, 13, 0, tzinfo=cet).isoformat())
    assert e.occurred_at == T0
    assert e.occurred_at.tzinfo == UTC


@pytest.mark.parametrize(
    ("overrides", "loc", "kind"),
    [
        ({"channel": "carrier_pigeon"}, "channel", "enum"),
        ({"occurred_at": "2026-11-01T12:00:00"}, "occurred_at", "timezone_aware"),
        ({"generation": "x" * 32_001}, "generation", "string_too_long"),
        ({"prompt": "x" * 32_001}, "prompt", "string_too_long"),
        ({"recipients": [f"r{i}" for i in range(1_001)]}, "recipients", "too_long"),
        ({"event_id": ""}, "event_id", "string_too_short"),
        ({"account_id": "a" * 129}, "account_id", "string_too_long"),
        ({"attributes": {f"k{i}": "v" for i in range(33)}}, "attributes", "too_long"),
        ({"red_team": "yes"}, "red_team", "bool_type"),
        ({"red_team": 1}, "red_team", "bool_type"),
        ({"account_id": 42}, "account_id", "string_type"),
        ({"surprise": True}, "surprise", "extra_forbidden"),
        ({"schema_version": "2"}, "schema_version", "literal_error"),
    ],
)
def test_the_contract_rejects_with_a_precise_error(
    overrides: dict[str, Any], loc: str, kind: str
) -> None:
    assert (loc, kind) in _errors(event_fields(**overrides))


def test_every_problem_is_reported_at_once() -> None:
    fields = event_fields(channel="fax", red_team="no")
    del fields["account_id"]
    locs = {loc for loc, _ in _errors(fields)}
    assert {"channel", "red_team", "account_id"} <= locs


def test_exactly_1000_recipients_is_allowed() -> None:
    assert len(event(recipients=[f"r{i}" for i in range(1_000)]).recipients or []) == 1_000


def test_models_are_frozen() -> None:
    e = event()
    with pytest.raises(ValidationError):
        e.account_id = "someone-else"  # type: ignore[misc]


def test_verdict_score_is_a_probability() -> None:
    base = {
        "event_id": "e",
        "account_id": "a",
        "subject": {"app_id": "app-1", "channel": "email", "occurred_at": T0.isoformat()},
        "detector": "spam",
        "category": "spam",
        "label": "violation",
        "model_version": "m1",
        "decided_at": T0.isoformat(),
    }
    assert Verdict.model_validate({**base, "score": 1.0}).score == 1.0
    with pytest.raises(ValidationError):
        Verdict.model_validate({**base, "score": 1.01})
    with pytest.raises(ValidationError):
        Verdict.model_validate({**base, "score": 0.5, "category": "not.a.category"})
    with pytest.raises(ValidationError):
        Verdict.model_validate({**base, "score": 0.5, "evidence": {str(i): i for i in range(33)}})
    with pytest.raises(ValidationError, match="subject"):  # the enforcer needs it
        Verdict.model_validate({k: v for k, v in base.items() if k != "subject"} | {"score": 0.5})


def test_a_report_is_due_24_hours_after_the_generation() -> None:
    base = {
        "report_id": "r",
        "event_id": "e",
        "account_id": "a",
        "app_id": "p",
        "category": "spam",
        "score": 0.9,
        "occurred_at": T0,
        "reported_at": T0,
    }
    report = ViolationReport.model_validate({**base, "report_due_at": T0 + timedelta(hours=24)})
    assert report.enforcement_id is None
    with pytest.raises(ValidationError, match="24 h"):
        ViolationReport.model_validate({**base, "report_due_at": T0 + timedelta(hours=25)})


def test_dead_letters_keep_at_most_100_errors() -> None:
    letter = DeadLetter.model_validate(
        {
            "reason": "schema",
            "original_key_b64": None,
            "original_value_b64": "",
            "original_value_bytes": 0,
            "original_value_sha256": hashlib.sha256(b"").hexdigest(),
            "source_topic": "generations",
            "source_partition": 0,
            "source_offset": 0,
            "failed_at": T0,
            "errors": [{"loc": str(i), "message": "bad", "type": "x"} for i in range(500)],
        }
    )
    assert len(letter.errors) == 100


def test_json_schema_files_match_the_models() -> None:
    assert stale_files() == [], "run `make schemas` and commit the result"


def test_stream_topics_are_keyed_by_account_and_the_registry_is_compacted() -> None:
    streams = [t for t in ALL_TOPICS if t is not REGISTRY]
    assert {t.key for t in streams} == {"account_id", "original key"}
    assert all(t.partitions == DEFAULT_PARTITIONS == 6 for t in streams)
    # The enforcement topics are the record the enforcer's state is rebuilt from, and people's
    # decisions are kept as long.
    kept = {t.name for t in streams if t.configs().get("retention.ms") == str(90 * 86400_000)}
    assert kept == {
        "enforcement.actions",
        "enforcement.reports",
        "enforcement.review",
        "review.decisions",
    }
    assert REGISTRY.key == "app_id"
    assert REGISTRY.configs() == {"cleanup.policy": "compact"}
    assert GENERATIONS.full_name("staging.") == "staging.generations"
    assert topic_named("staging.verdicts", "staging.").name == "verdicts"
    with pytest.raises(KeyError, match="known"):
        topic_named("nope")


def test_the_asyncapi_document_names_every_topic_and_its_schema_file() -> None:
    import yaml

    from schemas.asyncapi import document
    from schemas.generate import ASYNCAPI, SCHEMA_DIR
    from schemas.topics import ALL_TOPICS

    doc = yaml.safe_load(ASYNCAPI.read_text())
    assert doc == document(grants())
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {t.name for t in ALL_TOPICS}
    for message in doc["components"]["messages"].values():
        ref = message["payload"]["schema"]["$ref"]
        assert (SCHEMA_DIR.parent / ref).exists()
        assert "traceparent" in message["headers"]["properties"]


def test_the_asyncapi_operations_are_the_grants_the_broker_enforces() -> None:
    """Each service's operations in the document are exactly what its ACLs allow, so a
    subscriber reading it sees who really writes and reads each topic."""
    from schemas.asyncapi import document

    doc = document(grants())
    said = {
        (op["tags"][0]["name"], op["action"], op["channel"]["$ref"].rsplit("/", 1)[1])
        for op in doc["operations"].values()
    }
    granted = {
        (g.principal, action, t.name.replace(".", "_"))
        for g in grants()
        for action, ts in (("receive", g.reads), ("send", g.writes))
        for t in ts
    }
    assert said == granted
    assert ("console", "send", "review_decisions") in said
    assert ("enforcement", "receive", "review_decisions") in said
    assert not any(who == "app" and action == "receive" for who, action, _ in said)
    # Every channel has someone who writes it and someone who reads it.
    for channel in doc["channels"]:
        assert {a for _, a, c in said if c == channel} == {"send", "receive"}, channel


def test_messages_name_their_kafka_key() -> None:
    from schemas.asyncapi import document

    messages = document(grants())["components"]["messages"]
    assert "account_id" in messages["Verdict"]["bindings"]["kafka"]["key"]["description"]
    assert "app_id" in messages["AppApproval"]["bindings"]["kafka"]["key"]["description"]
    assert "unchanged" in messages["DeadLetter"]["bindings"]["kafka"]["key"]["description"]


def test_the_schema_files_use_only_keywords_draft_07_reads_alike() -> None:
    """The AsyncAPI document declares its payloads draft-07 so that its tooling checks them
    (schemas/asyncapi.py: JSON_SCHEMA); that is true only while the files stay in the subset."""
    from schemas.asyncapi import SHARED_KEYWORDS
    from schemas.generate import SCHEMA_DIR

    def keywords(node: object, under_properties: bool = False) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            # Draft-07 ignores every keyword beside a $ref.
            assert under_properties or "$ref" not in node or len(node) == 1, node
            for key, value in node.items():
                if not under_properties:
                    found.add(key)
                # Under `properties` and `$defs` the keys are names, not keywords.
                found |= keywords(value, key in ("properties", "$defs") and not under_properties)
        elif isinstance(node, list):
            for item in node:
                found |= keywords(item)
        return found

    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        used = {k for k in keywords(json.loads(path.read_text())) if not k.startswith("x-")}
        assert used <= SHARED_KEYWORDS, (path.name, sorted(used - SHARED_KEYWORDS))


def _validate_asyncapi(path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(__file__).resolve().parents[2] / "infra" / "asyncapi" / "validate.mjs"
    return subprocess.run(
        ["node", str(script), str(path)], capture_output=True, text=True, timeout=120
    )


def test_the_asyncapi_parser_accepts_the_document_payloads_included() -> None:
    from schemas.generate import ASYNCAPI

    result = _validate_asyncapi(ASYNCAPI)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 messages" in result.stdout


def test_the_asyncapi_parser_checks_the_payload_schemas(tmp_path: Path) -> None:
    """The check reaches into the JSON Schema files: a broken one fails it."""
    from schemas.generate import ASYNCAPI, SCHEMA_DIR

    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, copy / "json")
    shutil.copy(ASYNCAPI, copy / "asyncapi.yaml")
    broken = copy / "json" / "verdict.schema.json"
    schema = json.loads(broken.read_text())
    schema["properties"]["score"]["type"] = "probability"
    broken.write_text(json.dumps(schema))
    result = _validate_asyncapi(copy / "asyncapi.yaml")
    assert result.returncode == 1
    assert "components.messages.Verdict.payload" in result.stdout
