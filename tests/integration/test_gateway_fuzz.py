"""Hostile input through the gateway on the real broker (issue 13, step 3): 10,000 messages that
hypothesis generates (raw random bytes, invalid UTF-8, NUL bytes, deep nesting, and structure-
aware mutations of valid events: wrong types, values at and over every bound, unknown fields,
confusables in ids). Each must land exactly once in generations.accepted or generations.dlq, the
worker must never restart, and its memory must stay flat."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kafka import KafkaProducer

from schemas.codec import decode
from schemas.events import (
    MAX_ATTRIBUTES,
    MAX_ID_CHARS,
    MAX_RECIPIENTS,
    MAX_TEXT_CHARS,
    DeadLetter,
    GenerationEvent,
)
from schemas.topics import GENERATIONS, GENERATIONS_ACCEPTED, GENERATIONS_DLQ
from tests.factories import event_fields
from tests.integration.harness import group_lag, read_all, wait_for
from usewatch.localstack import ServiceProcess, Stack

CASES = 10_000
FIELDS = list(event_fields(0))
PLACEHOLDER = "fz-@id@"
"""The event_id of generated events, replaced by the message's own key once drawn (a strategy
must not depend on state outside it)."""

Mutation = Callable[[dict[str, Any]], None]

# Values that stress the schema: at and over its bounds, wrong types, odd characters.
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "C", "M")),
    max_size=200,
)
hostile_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    odd_text,
    st.sampled_from(
        [
            "a" * MAX_ID_CHARS,
            "a" * (MAX_ID_CHARS + 1),
            "x" * MAX_TEXT_CHARS,
            "x" * (MAX_TEXT_CHARS + 1),
            "\U0001f600" * (MAX_TEXT_CHARS // 2),
            "",
            "\x00",
            "аcct-1",  # Cyrillic а
            "9999-12-31T23:59:59Z",
            "1999-12-31T23:59:59Z",
            "2026-11-01T12:00:00",  # naive
        ]
    ),
    st.lists(odd_text, max_size=5),
    st.dictionaries(odd_text, odd_text, max_size=5),
    st.just([f"r{i}" for i in range(MAX_RECIPIENTS + 1)]),
    st.just({f"k{i}": "v" for i in range(MAX_ATTRIBUTES + 1)}),
)


@st.composite
def mutated_event(draw: st.DrawFn) -> bytes:
    """A valid event with one to three fields broken, dropped or added (never event_id, so the
    message can be found again)."""
    fields = event_fields(0, event_id=PLACEHOLDER)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from([*FIELDS[1:], "unknown_field", "client", "attributes"]))
        if draw(st.booleans()) and name in fields:
            del fields[name]
        else:
            fields[name] = draw(hostile_value)
    return json.dumps(fields, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def hostile_message(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=2_000))
    if kind == 1:  # invalid UTF-8 inside otherwise plausible JSON
        good = json.dumps(event_fields(0, event_id=PLACEHOLDER)).encode()
        at = draw(st.integers(0, len(good)))
        return (
            good[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + good[at:]
        )
    if kind == 2:
        depth = draw(st.integers(100, 20_000))
        return b"[" * depth + b"]" * depth
    if kind == 3:
        return json.dumps(event_fields(0, event_id=PLACEHOLDER)).encode() + b"\x00"
    if kind == 4:  # valid: some of the traffic is real
        return json.dumps(event_fields(0, event_id=PLACEHOLDER)).encode()
    return draw(mutated_event())


def _messages() -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []

    @settings(
        max_examples=CASES,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        key = f"fz-{len(out)}".encode()
        out.append((key, data.draw(hostile_message()).replace(PLACEHOLDER.encode(), key)))

    collect()
    return out


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_ten_thousand_hostile_messages_each_land_exactly_once(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    messages = _messages()
    assert len(messages) == CASES
    gateway = service("gateway")
    assert gateway.proc is not None
    pid = gateway.proc.pid
    producer = KafkaProducer(
        bootstrap_servers=stack.bootstrap, acks="all", max_request_size=2_000_000
    )

    group = f"{prefix}usewatch-gateway"

    def send(batch: list[tuple[bytes, bytes]]) -> None:
        for key, value in batch:
            producer.send(GENERATIONS.full_name(prefix), key=key, value=value)
        producer.flush()
        wait_for(
            lambda: group_lag(stack.bootstrap, group, GENERATIONS.full_name(prefix)) == 0,
            300,
            "the gateway to take every message",
        )

    send(messages[:2_000])
    rss_warm = _rss_mb(pid)
    send(messages[2_000:])
    rss_end = _rss_mb(pid)
    producer.close()

    letters = read_all(stack.bootstrap, GENERATIONS_DLQ.full_name(prefix), timeout_s=120)
    dead = [r.key for r in letters]
    accepted = [
        decode(GenerationEvent, r.value).event_id.encode()
        for r in read_all(stack.bootstrap, GENERATIONS_ACCEPTED.full_name(prefix), timeout_s=120)
    ]
    sent = {key for key, _ in messages}
    assert len(dead) == len(set(dead)), "a message was dead-lettered twice"
    assert len(accepted) == len(set(accepted)), "an event was accepted twice"
    assert not set(dead) & set(accepted), "a message landed in both"
    assert set(dead) | set(accepted) == sent, "a message was lost"
    assert all(decode(DeadLetter, r.value).errors for r in letters)

    assert gateway.proc.poll() is None, "the gateway died"
    log = gateway.log_path.read_text(errors="replace")
    assert log.count("[^Worker]: Ready") == 1, "the worker restarted"
    assert "Traceback" not in log
    print(
        f"\nfuzz: {CASES} messages, {len(accepted)} accepted, {len(dead)} dead letters; "
        f"gateway RSS {rss_warm:.0f} MB after 2,000, {rss_end:.0f} MB after {CASES:,}"
    )
    assert rss_end - rss_warm < 64, "gateway memory grows with hostile input"
