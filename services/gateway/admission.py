"""Admission: decide, for one raw Kafka message, whether it is a valid GenerationEvent.

Pure: bytes and where they came from in, an accepted (normalised) event or a dead letter out.
No input raises: whatever a producer sends, the worker gets a value back and goes on (SPEC §4).
Checks run cheapest first and the first failing kind decides the reason: size, UTF-8, JSON,
schema, a time ahead of the gateway's clock. The schema check reports every error, not just the
first, so a producer fixes all at once.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from schemas.codec import decode
from schemas.events import (
    MAX_DEAD_LETTER_ORIGINAL_BYTES,
    MAX_TEXT_CHARS,
    DeadLetter,
    DeadLetterReason,
    GenerationEvent,
    NormalizedText,
    ValidationProblem,
)
from services.gateway.normalize import normalize_text


@dataclass(frozen=True, slots=True)
class Source:
    """Where a message was read: kept on its dead letter so it can be found and replayed."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Accepted:
    event: GenerationEvent


@dataclass(frozen=True, slots=True)
class Rejected:
    dead_letter: DeadLetter


Admission = Accepted | Rejected


MAX_KEY_BYTES = 1024
"""A key is an account id (at most 128 characters); a dead letter keeps at most this much of
one."""
MAX_PROBLEM_CHARS = 500


def admit(
    key: bytes | None,
    value: bytes | None,
    source: Source,
    now: datetime,
    max_bytes: int,
    max_future: timedelta = timedelta(minutes=5),
) -> Admission:
    """Validate one message and, if valid, attach the normalised text detectors read.

    Every bound is checked on the bytes before anything is decoded or copied, and a dead letter
    carries at most `MAX_DEAD_LETTER_ORIGINAL_BYTES` of the original, so that whatever arrives,
    what the gateway publishes for it fits under the producer's request limit."""
    raw = value or b""

    def reject(reason: DeadLetterReason, problems: list[ValidationProblem]) -> Rejected:
        return Rejected(dead_letter_for(key, value, source, now, reason, problems))

    if len(raw) > max_bytes or (key is not None and len(key) > MAX_KEY_BYTES):
        return reject(
            DeadLetterReason.TOO_LARGE,
            [
                problem(
                    "",
                    f"message is {len(raw)} bytes with a {len(key or b'')}-byte key; at most "
                    f"{max_bytes} and {MAX_KEY_BYTES}",
                    "too_large",
                )
            ],
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return reject(
            DeadLetterReason.NOT_UTF8,
            [problem("", f"not UTF-8 at byte {exc.start}: {exc.reason}", "not_utf8")],
        )
    try:
        event = decode(GenerationEvent, raw, strict=True)
    except ValidationError as exc:
        problems = [
            problem(".".join(str(p) for p in err["loc"]), err["msg"], err["type"])
            for err in exc.errors(include_url=False, include_input=False)
        ]
        if any(p.type == "json_invalid" for p in problems):
            return reject(DeadLetterReason.INVALID_JSON, problems)
        return reject(DeadLetterReason.SCHEMA, problems)
    if event.occurred_at > now + max_future:
        return reject(
            DeadLetterReason.IN_THE_FUTURE,
            [
                problem(
                    "occurred_at",
                    f"{event.occurred_at.isoformat()} is more than {max_future} after the "
                    f"gateway's clock ({now.isoformat()})",
                    "in_the_future",
                )
            ],
        )
    if event.normalized is not None:
        return reject(
            DeadLetterReason.SCHEMA,
            [problem("normalized", "set by the gateway; producers must leave it out", "forbidden")],
        )
    return Accepted(with_normalized_text(event))


def dead_letter_for(
    key: bytes | None,
    value: bytes | None,
    source: Source,
    now: datetime,
    reason: DeadLetterReason,
    problems: list[ValidationProblem],
) -> DeadLetter:
    """A dead letter that always fits: at most MAX_DEAD_LETTER_ORIGINAL_BYTES of the original
    value (with its whole length and digest) and MAX_KEY_BYTES of its key."""
    raw = value or b""
    kept = raw[:MAX_DEAD_LETTER_ORIGINAL_BYTES]
    kept_key = key[:MAX_KEY_BYTES] if key is not None else None
    if key is not None and len(key) > MAX_KEY_BYTES:
        problems = [
            *problems,
            problem("key", f"key is {len(key)} bytes; kept the first {MAX_KEY_BYTES}", "cut"),
        ]
    return DeadLetter(
        reason=reason,
        errors=problems,
        original_key_b64=base64.b64encode(kept_key).decode() if kept_key is not None else None,
        original_value_b64=base64.b64encode(kept).decode(),
        original_value_bytes=len(raw),
        original_value_sha256=hashlib.sha256(raw).hexdigest(),
        original_truncated=len(kept) < len(raw),
        source_topic=source.topic,
        source_partition=source.partition,
        source_offset=source.offset,
        failed_at=now,
    )


def with_normalized_text(event: GenerationEvent) -> GenerationEvent:
    """The event with the normalised copy of its text that detectors read."""
    # NFKC can lengthen text (one U+FDFA becomes 18 characters), so the normalised copy is cut
    # to the same bound as the original: it must decode downstream.
    return event.model_copy(
        update={
            "normalized": NormalizedText(
                prompt=normalize_text(event.prompt)[:MAX_TEXT_CHARS],
                generation=normalize_text(event.generation)[:MAX_TEXT_CHARS],
            )
        }
    )


def problem(loc: str, message: str, kind: str) -> ValidationProblem:
    """One error, each part cut to a bound: a hostile payload's paths can be very deep."""
    return ValidationProblem(
        loc=loc[:MAX_PROBLEM_CHARS], message=message[:MAX_PROBLEM_CHARS], type=kind[:64]
    )
