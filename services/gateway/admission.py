"""Admission: decide, for one raw Kafka message, whether it is a valid GenerationEvent.

Pure: bytes and where they came from in, an accepted (normalised) event or a dead letter out.
No input raises: whatever a producer sends, the worker gets a value back and goes on (SPEC §4).
Checks run cheapest first and the first failing kind decides the reason: size, UTF-8, JSON,
schema. The schema check reports every error, not just the first, so a producer fixes all at once.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.codec import decode
from schemas.events import (
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


def admit(
    key: bytes | None,
    value: bytes | None,
    source: Source,
    now: datetime,
    max_bytes: int,
) -> Admission:
    """Validate one message and, if valid, attach the normalised text detectors read."""
    raw = value or b""

    def reject(reason: DeadLetterReason, problems: list[ValidationProblem]) -> Rejected:
        return Rejected(
            DeadLetter(
                reason=reason,
                errors=problems,
                original_key_b64=base64.b64encode(key).decode() if key is not None else None,
                original_value_b64=base64.b64encode(raw).decode(),
                source_topic=source.topic,
                source_partition=source.partition,
                source_offset=source.offset,
                failed_at=now,
            )
        )

    if len(raw) > max_bytes:
        return reject(
            DeadLetterReason.TOO_LARGE,
            [_problem("", f"message is {len(raw)} bytes; at most {max_bytes}", "too_large")],
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return reject(
            DeadLetterReason.NOT_UTF8,
            [_problem("", f"not UTF-8 at byte {exc.start}: {exc.reason}", "not_utf8")],
        )
    try:
        event = decode(GenerationEvent, raw)
    except ValidationError as exc:
        problems = [
            _problem(".".join(str(p) for p in err["loc"]), err["msg"], err["type"])
            for err in exc.errors(include_url=False, include_input=False)
        ]
        if any(p.type == "json_invalid" for p in problems):
            return reject(DeadLetterReason.INVALID_JSON, problems)
        return reject(DeadLetterReason.SCHEMA, problems)
    if event.normalized is not None:
        return reject(
            DeadLetterReason.SCHEMA,
            [
                _problem(
                    "normalized", "set by the gateway; producers must leave it out", "forbidden"
                )
            ],
        )
    return Accepted(with_normalized_text(event))


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


def _problem(loc: str, message: str, kind: str) -> ValidationProblem:
    return ValidationProblem(loc=loc, message=message, type=kind)
