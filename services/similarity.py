"""Near-duplicate signatures: MinHash over character 5-grams of the matching form of a text,
banded for LSH.

Character shingles, not word shingles: spam templates vary a slot or two ("a free iPhone" / "a
$500 gift card") and in a 20-word SMS that alone drops word-3-shingle similarity to ~0.5, while
character 5-grams stay near 0.7. Two texts with shingle Jaccard similarity s share at least one
of `BANDS` band hashes with probability 1 − (1 − s^ROWS)^BANDS: with 8 bands of 4 rows that is
0.99 at s = 0.8, 0.89 at s = 0.7, 0.40 at s = 0.5, 0.06 at s = 0.3 and ~0.001 at the s ≈ 0.1 of
unrelated texts. A burst or a farm is many such pairs, so a pair missed at 0.7 is made up by the
next one; 16 bands (0.99 at 0.7) found the same events of every stream scenario of `make eval`
and cost twice the index's memory and script work (multi-identity 414 → 283 µs per event,
spam 664 → 548, in process at batch 64). Templated but legitimate mail (support macros) also
matches: near-duplicates are a signal, never a verdict on their own.
MinHash is rensa's (Rust; ~3 µs per short text here, against ~70 µs for datasketch's bulk API,
measured on the same 500 texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rensa import RMinHash

from schemas.events import GenerationEvent
from services.event_view import at_ms
from services.skeleton import skeleton
from services.state.near_duplicates import NO_MATCHES, Matches, NearDuplicateIndex, Signature
from services.state.round_trip import Pending, RoundTrip

NUM_PERM = 32
BANDS = 8
ROWS = NUM_PERM // BANDS
SHINGLE = 5
MAX_CHARS = 600
SEED = 1_729
MIN_WORDS = 5
"""Texts shorter than this have too few shingles for a meaningful signature ("cannot say")."""


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Distinct character n-grams of the (already normalised) text's opening, lower-cased.
    The opening carries a campaign's template; shingling all of a long page costs ~100 µs."""
    flat = text[:MAX_CHARS].lower()
    if len(flat) <= size:
        return [flat] if flat else []
    return list({flat[i : i + size] for i in range(len(flat) - size + 1)})


@lru_cache(maxsize=2048)
def band_hashes(text: str) -> tuple[str, ...] | None:
    """The LSH band keys of a text (short hex strings), or None when it is too short.
    The text's opening is signed in its matching form (`services/skeleton.py`): a farm that
    posts each copy in other look-alike letters or leetspeak ("Gr3at pr0duct", "Grеat prоduct")
    changes most of its character 5-grams, and as written the copies were strangers to each
    other. Remembered for the last few thousand texts: detectors hosted in one worker sign each
    event once between them."""
    form = skeleton(text[:MAX_CHARS])
    if len(form.split(None, MIN_WORDS)) < MIN_WORDS:
        return None
    m = RMinHash(num_perm=NUM_PERM, seed=SEED)
    m.update(shingles(form))
    rows = np.asarray(m.digest(), dtype=np.uint32).reshape(BANDS, ROWS)
    return tuple(f"{b}:{row.tobytes().hex()}" for b, row in enumerate(rows))


def batch_band_hashes(texts: Sequence[str]) -> list[tuple[str, ...] | None]:
    return [band_hashes(t) for t in texts]


def near_duplicates_of(
    index: NearDuplicateIndex,
    events: Sequence[GenerationEvent],
    texts: Sequence[str],
    rt: RoundTrip,
) -> Pending[list[Matches]]:
    """One lookup-and-record in `index` for a batch, on its round trip: each event's recent
    near-duplicates (in its account and others). Red-team events are compared but never
    recorded; texts too short to sign get no matches ("cannot say")."""
    bands = batch_band_hashes(texts)
    signed = [i for i, b in enumerate(bands) if b is not None]
    found = index.add_and_match(
        [
            Signature(
                events[i].account_id,
                events[i].event_id,
                at_ms(events[i]),
                bands[i] or (),
                index=not events[i].red_team,
                identity=events[i].identity or "",
            )
            for i in signed
        ],
        rt,
    )

    def by_event(matches: list[Matches]) -> list[Matches]:
        by_position = dict(zip(signed, matches, strict=True))
        return [by_position.get(i, NO_MATCHES) for i in range(len(events))]

    return found.then(by_event)
