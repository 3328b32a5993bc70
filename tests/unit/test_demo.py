from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

from usewatch import demo

START = datetime(2026, 11, 1, tzinfo=UTC)


def test_the_demo_stream_is_deterministic_and_valid() -> None:
    first = list(demo.generate(500, seed=3, start=START, run="r1"))
    assert first == list(demo.generate(500, seed=3, start=START, run="r1"))
    assert len({e.event_id for e in first}) == 500
    assert all(a.occurred_at <= b.occurred_at for a, b in itertools.pairwise(first))


def test_the_demo_stream_is_mostly_legitimate_with_a_long_tail_of_accounts() -> None:
    events = list(demo.generate(5_000, seed=1, start=START))
    kinds = Counter(e.account_id.rsplit("-", 1)[0] for e in events)
    violative = sum(
        kinds[k] for k in ("sms-spam", "phishing", "ghostwritten", "fake-reviews", "persona-farm")
    )
    assert 0.05 < violative / len(events) < 0.15
    per_account = Counter(e.account_id for e in events).most_common()
    assert per_account[0][1] > 20 * per_account[-1][1]  # a few busy accounts, many quiet ones


def test_each_run_has_fresh_event_ids_for_the_same_content() -> None:
    a, b = (list(demo.generate(3, seed=3, start=START)) for _ in range(2))
    assert {e.event_id for e in a}.isdisjoint(e.event_id for e in b)
    assert [e.generation for e in a] == [e.generation for e in b]


def test_a_live_stream_never_runs_ahead_of_the_clock() -> None:
    """`usewatch emit --demo` at any rate: each event occurs when it is made, so a long demo run
    is never refused by the gateway as being in the future; the content is the same."""
    before = datetime.now(UTC)
    live = list(demo.generate(2_000, seed=3, run="r1", live=True))
    after = datetime.now(UTC)
    assert all(before <= e.occurred_at <= after for e in live)
    timed = list(demo.generate(2_000, seed=3, start=START, run="r1"))
    assert [e.generation for e in live] == [e.generation for e in timed]
