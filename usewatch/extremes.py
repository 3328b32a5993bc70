"""Events at the bounds the schema allows (SPEC §3): texts of 32,000 characters (emoji, dense
lures, one unbroken word, repeated lines), 1,000 recipients, 32 attributes at their longest.
The detectors' extremes test feeds them to every detector, and `make bench` prints what they
cost per event next to ordinary traffic."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from schemas.events import (
    MAX_ATTRIBUTE_VALUE_CHARS,
    MAX_ATTRIBUTES,
    MAX_RECIPIENTS,
    MAX_TEXT_CHARS,
    GenerationEvent,
)

_rnd = random.Random(7)
EMOJI = "".join(chr(_rnd.randrange(0x1F300, 0x1F64F)) for _ in range(MAX_TEXT_CHARS))
_LURE_WORDS = ("FREE", "click", "https://x.example.com/a", "win", "$100", "07700900123", "!!!")
LURES = " ".join(_rnd.choice(_LURE_WORDS) for _ in range(MAX_TEXT_CHARS // 4))[:MAX_TEXT_CHARS]
ONE_WORD = "a" * MAX_TEXT_CHARS
LINES = ("Buy now https://a.example/b\n" * 2_000)[:MAX_TEXT_CHARS]

EXTREMES: dict[str, dict[str, Any]] = {
    "emoji": {"prompt": EMOJI, "generation": EMOJI},
    "lures": {"prompt": LURES, "generation": LURES},
    "one word": {"generation": ONE_WORD},
    "lines": {"generation": LINES},
    "recipients": {"recipients": [f"r-{i}" for i in range(MAX_RECIPIENTS)]},
    "attributes": {
        "attributes": {f"k{i}": "v" * MAX_ATTRIBUTE_VALUE_CHARS for i in range(MAX_ATTRIBUTES)}
    },
}
"""Field overrides, by name; each stays within the schema's bounds."""


def at_the_bound(events: Sequence[GenerationEvent], extreme: str) -> list[GenerationEvent]:
    """`events` with one extreme's fields, validated again (so they are events the gateway
    would accept), `normalized` dropped for the caller to recompute."""
    return [
        GenerationEvent.model_validate(
            {**e.model_dump(mode="json", exclude={"normalized"}), **EXTREMES[extreme]}
        )
        for e in events
    ]
