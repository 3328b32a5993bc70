from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest

from schemas.codec import decode, encode
from schemas.events import MAX_DEAD_LETTER_ORIGINAL_BYTES, DeadLetterReason, GenerationEvent
from services.gateway.admission import Accepted, Rejected, Source, admit
from tests.factories import T0, event_fields, invalid_payloads

SOURCE = Source("generations", 3, 42)


def _admit(value: bytes | None, key: bytes | None = b"acct-1") -> Accepted | Rejected:
    return admit(key, value, SOURCE, T0, max_bytes=512 * 1024)


def test_a_valid_event_is_accepted_with_normalised_text_beside_the_original() -> None:
    result = _admit(json.dumps(event_fields(1)).encode())
    assert isinstance(result, Accepted)
    assert result.event.normalized is not None
    assert "\u200b" in result.event.generation
    assert result.event.normalized.generation == (
        "Hi, thanks for your message about ticket 1. we will reply."
    )


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    invalid_payloads(count_per_kind=1),
    ids=lambda v: v.decode()[:-2] if isinstance(v, bytes) and v.endswith(b"-0") else "",
)
def test_each_kind_of_bad_input_gets_its_reason_and_keeps_its_bytes(
    key: bytes, value: bytes, reason: DeadLetterReason
) -> None:
    result = _admit(value, key)
    assert isinstance(result, Rejected)
    letter = result.dead_letter
    assert letter.reason == reason
    kept = base64.b64decode(letter.original_value_b64)
    # The whole original, or (over the dead letter's bound) its prefix, length and digest.
    assert kept == value if not letter.original_truncated else value.startswith(kept)
    assert (letter.original_value_bytes, letter.original_value_sha256) == (
        len(value),
        hashlib.sha256(value).hexdigest(),
    )
    assert letter.original_key_b64 == base64.b64encode(key).decode()
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        "generations",
        3,
        42,
    )
    assert letter.failed_at == T0
    assert all(p.message for p in letter.errors)


def test_schema_errors_name_every_field_at_fault() -> None:
    result = _admit(json.dumps(event_fields(channel="fax", red_team="yes")).encode())
    assert isinstance(result, Rejected)
    assert {p.loc for p in result.dead_letter.errors} == {"channel", "red_team"}


def test_producers_may_not_supply_the_normalised_text() -> None:
    forged = event_fields(normalized={"prompt": "", "generation": ""})
    result = _admit(json.dumps(forged).encode())
    assert isinstance(result, Rejected)
    assert result.dead_letter.errors[0].loc == "normalized"


@pytest.mark.parametrize("value", [None, b"", b"null", b"\x00" * 10, b"{}" * 1000])
def test_degenerate_messages_are_rejected_not_raised(value: bytes | None) -> None:
    assert isinstance(_admit(value, key=None), Rejected)


def test_the_size_bound_is_checked_before_parsing() -> None:
    result = admit(None, b"x" * 2048, SOURCE, T0, max_bytes=1024)
    assert isinstance(result, Rejected)
    assert result.dead_letter.reason == DeadLetterReason.TOO_LARGE
    assert result.dead_letter.original_key_b64 is None


def test_normalised_text_that_grows_under_nfkc_still_fits_the_contract() -> None:
    # U+FDFA is one character that NFKC expands to eighteen.
    result = _admit(json.dumps(event_fields(generation="\ufdfa" * 2_000)).encode())
    assert isinstance(result, Accepted)
    assert result.event.normalized is not None
    assert len(result.event.normalized.generation) == 32_000
    assert decode(GenerationEvent, encode(result.event)) == result.event


def _over_bound(size: int) -> bytes:
    fields = event_fields(1)
    fields["generation"] = "x" * size
    return json.dumps(fields).encode()


@pytest.mark.parametrize("size", [600 * 1024, 900 * 1024, 5 * 1024 * 1024])
def test_a_dead_letter_always_fits_under_the_producer_limit(size: int) -> None:
    """An original between the gateway's bound and the broker's (or beyond) once made a dead
    letter too large to publish, and the batch behind it was lost."""
    value = _over_bound(size)
    result = _admit(value)
    assert isinstance(result, Rejected)
    letter = result.dead_letter
    assert len(encode(letter)) < 400 * 1024
    assert letter.original_truncated is True
    assert letter.original_value_bytes == len(value)
    assert letter.original_value_sha256 == hashlib.sha256(value).hexdigest()
    kept = base64.b64decode(letter.original_value_b64)
    assert kept == value[: len(kept)]
    assert len(kept) == MAX_DEAD_LETTER_ORIGINAL_BYTES


def test_a_small_dead_letter_keeps_its_whole_original() -> None:
    result = _admit(b"{not json")
    assert isinstance(result, Rejected)
    assert result.dead_letter.original_truncated is False
    assert base64.b64decode(result.dead_letter.original_value_b64) == b"{not json"


def test_a_huge_key_is_cut_and_said_so() -> None:
    result = _admit(json.dumps(event_fields(1)).encode(), key=b"k" * 100_000)
    assert isinstance(result, Rejected)
    assert result.dead_letter.reason == DeadLetterReason.TOO_LARGE
    assert result.dead_letter.original_key_b64 is not None
    assert len(base64.b64decode(result.dead_letter.original_key_b64)) == 1024
    assert any(p.loc == "key" for p in result.dead_letter.errors)


@pytest.mark.parametrize(
    ("occurred_at", "reason"),
    [
        ("9999-12-31T23:59:59+00:00", DeadLetterReason.SCHEMA),  # once crashed the enforcer
        ("1970-01-01T00:00:00+00:00", DeadLetterReason.SCHEMA),
        ((T0 + timedelta(hours=1)).isoformat(), DeadLetterReason.IN_THE_FUTURE),
    ],
)
def test_an_implausible_time_is_a_dead_letter(occurred_at: str, reason: DeadLetterReason) -> None:
    fields = event_fields(1)
    fields["occurred_at"] = occurred_at
    result = _admit(json.dumps(fields).encode())
    assert isinstance(result, Rejected)
    assert result.dead_letter.reason == reason
    assert result.dead_letter.errors[0].loc == "occurred_at"


def test_a_time_a_little_ahead_of_the_gateway_clock_is_accepted() -> None:
    fields = event_fields(1)
    fields["occurred_at"] = (T0 + timedelta(minutes=2)).isoformat()
    assert isinstance(_admit(json.dumps(fields).encode()), Accepted)


def test_every_problem_is_bounded() -> None:
    deep: object = "x"
    for _ in range(300):
        deep = {"attributes": deep}
    fields = event_fields(1)
    fields["attributes"] = deep
    result = _admit(json.dumps(fields).encode())
    assert isinstance(result, Rejected)
    assert all(len(p.loc) <= 500 and len(p.message) <= 500 for p in result.dead_letter.errors)
