"""Behaviour windows, the near-duplicate index, fingerprint links and held verdicts: the
in-memory stores must answer like Redis."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import redis
import redis.asyncio as aioredis

from services.misrepresentation import pipeline as misrepresentation_pipeline
from services.multi_identity import pipeline as multi_identity_pipeline
from services.spam import pipeline as spam_pipeline
from services.stage_metrics import CountingConnection
from services.state.held_verdicts import Held, MemoryHeldVerdicts, RedisHeldVerdicts
from services.state.links import (
    Fingerprints,
    Linked,
    MemoryFingerprintLinks,
    RedisFingerprintLinks,
)
from services.state.near_duplicates import (
    MemoryNearDuplicateIndex,
    RedisNearDuplicateIndex,
    Signature,
)
from services.state.round_trip import RoundTrip, once
from services.state.seen import EventKey, RedisSeenEvents
from services.state.windows import (
    Counted,
    MemoryBehaviourWindows,
    Observation,
    RedisBehaviourWindows,
)
from tests.integration.conftest import REDIS_KINDS, redis_of
from usewatch.localstack import Stack

WINDOW_MS = 60_000


@pytest_asyncio.fixture(params=["memory", *REDIS_KINDS])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryBehaviourWindows(WINDOW_MS, cap=50), MemoryNearDuplicateIndex(WINDOW_MS, cap=5)
        return
    client = redis_of(request.param, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    yield (
        RedisBehaviourWindows(client, prefix, WINDOW_MS, cap=50),
        RedisNearDuplicateIndex(client, prefix, WINDOW_MS, cap=5),
    )
    await client.aclose()


def obs(i: int, at: int, **kw: Any) -> Observation:
    return Observation(account_id=kw.pop("account", "a1"), event_id=f"e{i}", at_ms=at, **kw)


@pytest.mark.asyncio
async def test_windows_count_events_links_and_distinct_recipients(stores: Any) -> None:
    windows, _ = stores
    counts = await once(
        windows.observe,
        [
            obs(1, 1_000, recipients=("r1", "r2"), has_link=True),
            obs(2, 2_000, recipients=("r2", "r3")),
            obs(3, 3_000, recipients=("r3",), has_link=True),
            obs(4, 3_500, account="a2", recipients=("r1",)),
        ],
    )
    assert [(c.events, c.link_events, c.distinct_recipients) for c in counts] == [
        (1, 1, 2),
        (2, 1, 3),
        (3, 2, 3),
        (1, 0, 1),
    ]


@pytest.mark.asyncio
async def test_recipients_are_counted_as_sent_whatever_characters_they_hold(
    stores: Any,
) -> None:
    """They travel to Redis as one JSON argument: quotes, separators, non-ASCII and control
    characters are each one recipient, and a thousand of them is still one call."""
    windows, _ = stores
    odd = ('a"b', "c\\d", "e\x1ff", "ümlaut@例え.jp", "[1, 2]", "", " ")
    many = tuple(f"sub-{i}" for i in range(1000))
    counts = await once(
        windows.observe,
        [
            obs(1, 1_000, recipients=odd),
            obs(2, 2_000, recipients=odd[:2]),
            obs(3, 3_000, recipients=many),
        ],
    )
    assert [c.distinct_recipients for c in counts][:2] == [len(odd), len(odd)]
    # HyperLogLog on Redis (0.81 % standard error), exact in memory.
    assert abs(counts[2].distinct_recipients - 1007) <= 30


@pytest.mark.asyncio
async def test_windows_slide_on_event_time_and_ignore_redelivery(stores: Any) -> None:
    windows, _ = stores
    await once(windows.observe, [obs(1, 0), obs(2, 10_000)])
    (again,) = await once(windows.observe, [obs(2, 10_000)])  # a redelivered event
    assert again.events == 2
    (later,) = await once(windows.observe, [obs(3, WINDOW_MS + 5_000)])
    assert later.events == 2  # e1 slid out of the window, e2 and e3 remain


@pytest.mark.asyncio
async def test_windows_count_the_same_as_an_account_outgrows_its_record(stores: Any) -> None:
    """An account's first events are a small record; past `windows.SMALL` entries each part
    moves to keys of its own. Counts run on across the move, a redelivered event still counts
    once, and events slide out of the window on either side of it."""
    windows, _ = stores
    batch = [
        obs(i, 1_000 * i, recipients=(f"r{i % 6}",), has_link=i % 2 == 0, identity=f"n{i % 5}")
        for i in range(12)
    ]
    counts = await once(windows.observe, batch)
    assert [c.events for c in counts] == list(range(1, 13))
    assert [c.link_events for c in counts] == [(i + 2) // 2 for i in range(12)]
    assert [c.distinct_recipients for c in counts] == [min(i + 1, 6) for i in range(12)]
    assert [c.distinct_identities for c in counts] == [min(i + 1, 5) for i in range(12)]
    (again,) = await once(windows.observe, [batch[-1]])
    assert (again.events, again.link_events) == (12, 6)
    (later,) = await once(windows.observe, [obs(99, WINDOW_MS + 5_500)])
    assert later.events == 7  # e0-e5 slid out; e6-e11 and e99 remain


@pytest.mark.asyncio
async def test_windows_see_across_window_boundaries_and_events_consumed_late(
    stores: Any,
) -> None:
    """An account's record sits in the bucket of its window number; the window's start may fall
    in the number before, and an event consumed after one that happened later must not lose it."""
    windows, _ = stores
    await once(windows.observe, [obs(1, WINDOW_MS - 1_000, recipients=("r1",))])
    (next_window,) = await once(windows.observe, [obs(2, WINDOW_MS + 1_000, recipients=("r2",))])
    assert (next_window.events, next_window.distinct_recipients) == (2, 2)
    (late,) = await once(windows.observe, [obs(3, WINDOW_MS - 500)])
    assert late.events == 2  # e1 and itself; e2 happened later
    (last,) = await once(windows.observe, [obs(4, 2 * WINDOW_MS - 500)])
    assert last.events == 3  # e2, e3 (late, kept) and itself; e1 slid out


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_quiet_accounts_share_bucket_keys(kind: str, request: pytest.FixtureRequest) -> None:
    """An account with a few events is a field of a bucket, not keys of its own: the keys are
    bounded by the slots, whatever the number of accounts."""
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    windows = RedisBehaviourWindows(client, prefix, WINDOW_MS, slots=4)
    batch = [
        obs(i, 1_000 + i, account=f"a{i % 99}", recipients=(f"r{i}",), identity="x")
        for i in range(198)
    ]
    counts = await once(windows.observe, batch)
    assert [c.events for c in counts[99:]] == [2] * 99
    keys = [k async for k in client.scan_iter(f"{prefix}*")]
    assert 0 < len(keys) <= 4
    await client.aclose()


@pytest.mark.asyncio
async def test_windows_are_capped(stores: Any) -> None:
    windows, _ = stores
    counts = await once(windows.observe, [obs(i, i) for i in range(80)])
    assert counts[-1].events == 50


def sig(i: int, at: int, bands: tuple[str, ...], account: str = "a1", **kw: Any) -> Signature:
    return Signature(account, f"e{i}", at, bands, **kw)


@pytest.mark.asyncio
async def test_index_matches_within_and_across_accounts(stores: Any) -> None:
    _, index = stores
    matches = await once(
        index.add_and_match,
        [
            sig(1, 1_000, ("0:aa", "1:bb")),
            sig(2, 2_000, ("0:aa", "1:cc")),
            sig(3, 3_000, ("0:zz", "1:bb"), account="a2"),
            sig(4, 4_000, ("0:qq", "1:rr")),
        ],
    )
    assert [(m.same_account, m.other_accounts) for m in matches] == [
        (0, 0),
        (1, 0),
        (0, 1),
        (0, 0),
    ]
    assert matches[1].similar_event_ids == ("e1",)


@pytest.mark.asyncio
async def test_index_forgets_outside_the_window_and_skips_unindexed(stores: Any) -> None:
    _, index = stores
    await once(index.add_and_match, [sig(1, 0, ("0:aa",)), sig(2, 500, ("0:aa",), index=False)])
    (m,) = await once(index.add_and_match, [sig(3, 1_000, ("0:aa",))])
    assert m.similar_event_ids == ("e1",)  # e2 was compared, never stored
    (late,) = await once(index.add_and_match, [sig(4, WINDOW_MS + 500, ("0:aa",))])
    assert late.similar_event_ids == ("e3",)  # e1, at 0, slid out of the window


@pytest.mark.asyncio
async def test_index_buckets_are_capped(stores: Any) -> None:
    _, index = stores
    await once(index.add_and_match, [sig(i, i, ("0:hot",)) for i in range(20)])
    (m,) = await once(index.add_and_match, [sig(99, 100, ("0:hot",))])
    assert m.same_account == 5


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_every_redis_key_has_a_ttl(kind: str, request: pytest.FixtureRequest) -> None:
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    windows = RedisBehaviourWindows(client, prefix, WINDOW_MS)
    index = RedisNearDuplicateIndex(client, prefix, WINDOW_MS)
    await once(windows.observe, [obs(1, 1_000, recipients=("r",), has_link=True)])
    busy = [
        obs(i, 1_000 + i, account="busy", recipients=(f"r{i}",), has_link=True) for i in range(9)
    ]
    await once(windows.observe, busy)
    await once(index.add_and_match, [sig(1, 1_000, ("0:aa", "1:bb"))])
    keys = [k async for k in client.scan_iter(f"{prefix}*")]
    # the records' bucket (or two, by the accounts' slots), the busy account's events, links
    # and one recipient HyperLogLog, two index buckets
    assert 6 <= len(keys) <= 7
    ttls = [await client.ttl(k) for k in keys]
    assert all(t > 0 for t in ttls)
    await client.aclose()


class _WritesCounted(CountingConnection):
    """Counts the requests written to Redis (the handshake excluded), as the services do."""

    writes = 0

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self._in_handshake:
            _WritesCounted.writes += 1
        await super().send_packed_command(command, check_health)


@pytest.mark.asyncio
async def test_every_store_of_a_batch_shares_one_round_trip(stack: Stack) -> None:
    """Windows, near-duplicates, fingerprint links and judged-event lookups of one batch go to
    Redis as one request, also when Redis has just lost its script cache."""
    client = aioredis.from_url(stack.redis_url, connection_class=_WritesCounted)
    prefix = f"uw:{uuid.uuid4().hex}:"
    windows = RedisBehaviourWindows(client, prefix, WINDOW_MS)
    index = RedisNearDuplicateIndex(client, prefix, WINDOW_MS)
    links = RedisFingerprintLinks(client, prefix, WINDOW_MS)
    seen = RedisSeenEvents(client, prefix, ttl_s=3600)
    await client.script_flush()
    # First: NOSCRIPT, one SCRIPT LOAD per store's script, then sent again; then: once.
    for attempt, sent, writes in ((1, 2, 2 + 3), (2, 1, 1)):
        _WritesCounted.writes = 0
        rt = RoundTrip()
        counts = windows.observe([obs(attempt, 1_000), obs(attempt + 10, 2_000)], rt)
        found = index.add_and_match([sig(attempt, 1_000, ("0:aa",))], rt)
        linked = links.link([Fingerprints(f"a{attempt}", 1_000, device_hash="d1")], rt)
        new = seen.unseen([EventKey("acct", f"e{attempt}")], rt)
        await rt.execute()
        assert rt.sent == sent
        assert _WritesCounted.writes == writes  # what really went over the connection
        assert [c.events for c in counts.result()] == [attempt, 2 * attempt]
        assert len(found.result()) == 1
        assert linked.result()[0].strong == (() if attempt == 1 else ("a1",))
        assert new.result() == [True]
    await client.aclose()


@pytest_asyncio.fixture(params=["memory", *REDIS_KINDS])
async def links(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryFingerprintLinks(WINDOW_MS, cap=3)
        return
    client = redis_of(request.param, request)
    yield RedisFingerprintLinks(client, f"uw:{uuid.uuid4().hex}:", WINDOW_MS, cap=3)
    await client.aclose()


@pytest.mark.asyncio
async def test_links_separate_strong_fingerprints_from_shared_addresses(links: Any) -> None:
    out = await once(
        links.link,
        [
            Fingerprints("a", 1_000, device_hash="d1", ip_hash="office"),
            Fingerprints("b", 2_000, device_hash="d1", ip_hash="office"),
            Fingerprints("c", 3_000, device_hash="d9", ip_hash="office"),
            Fingerprints("d", 4_000, api_key_id="k-shared"),
            Fingerprints("e", 5_000, api_key_id="k-shared", device_hash="d1"),
        ],
    )
    assert out[0] == Linked()
    assert (out[1].strong, out[1].ip_only, out[1].shared_kinds) == (("a",), (), ("device", "ip"))
    assert (out[2].strong, out[2].ip_only) == ((), ("a", "b"))
    assert out[2].cluster_root is None
    assert out[4].strong == ("a", "b", "d")
    assert {o.cluster_root for o in (out[1], out[4])} == {"a"}  # one cluster, one root


@pytest.mark.asyncio
async def test_links_forget_outside_the_window_and_skip_unindexed(links: Any) -> None:
    await once(
        links.link,
        [
            Fingerprints("a", 0, device_hash="d1"),
            Fingerprints("r", 10, device_hash="d1", index=False),
        ],
    )
    (late,) = await once(links.link, [Fingerprints("b", 20, device_hash="d1")])
    assert late.strong == ("a",)  # the unindexed (red-team) account left no trace
    (later,) = await once(links.link, [Fingerprints("c", WINDOW_MS + 15, device_hash="d1")])
    assert later.strong == ("b",)


@pytest.mark.asyncio
async def test_links_see_across_window_boundaries_and_events_consumed_late(links: Any) -> None:
    """Links hold whatever order partitions are consumed in: an event judged after one that
    happened later sees it, and the window's start may fall in the window number before."""
    await once(links.link, [Fingerprints("later", WINDOW_MS + WINDOW_MS // 2, device_hash="d1")])
    (early,) = await once(links.link, [Fingerprints("early", WINDOW_MS - 5, device_hash="d1")])
    assert early.strong == ("later",)
    (last,) = await once(links.link, [Fingerprints("last", 2 * WINDOW_MS - 10, device_hash="d1")])
    assert last.strong == ("early", "later")


@pytest.mark.asyncio
async def test_links_keep_the_newest_accounts_of_a_fingerprint(links: Any) -> None:
    await once(links.link, [Fingerprints(f"a{i}", 100 * i, device_hash="nat") for i in range(5)])
    (probe,) = await once(links.link, [Fingerprints("z", 1_000, ip_hash="x", device_hash="nat")])
    assert probe.strong == ("a3", "a4")  # cap 3: the probe itself and the two newest


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_fingerprints_share_bucket_keys(kind: str, request: pytest.FixtureRequest) -> None:
    """One account's fingerprint is a field of a bucket, not a key of its own: the keys are
    bounded by the slots, whatever the number of fingerprints."""
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    links = RedisFingerprintLinks(client, prefix, WINDOW_MS, slots=4)
    batch = [Fingerprints(f"a{i}", 1_000, device_hash=f"d{i}", ip_hash=f"i{i}") for i in range(99)]
    out = await once(links.link, batch)
    assert all(o == Linked() for o in out)
    keys = [k async for k in client.scan_iter(f"{prefix}*")]
    assert 0 < len(keys) <= 2 * 4
    ttls = [await client.ttl(k) for k in keys]
    assert all(t > 0 for t in ttls)
    await client.aclose()


@pytest.mark.asyncio
async def test_windows_count_distinct_identities(stores: Any) -> None:
    windows, _ = stores
    counts = await once(windows.observe, [obs(i, i * 10, identity=f"@h{i % 3}") for i in range(7)])
    assert [c.distinct_identities for c in counts] == [1, 2, 3, 3, 3, 3, 3]


@pytest.mark.asyncio
async def test_a_flagged_cluster_stays_flagged_for_its_accounts(links: Any) -> None:
    (_, second) = await once(
        links.link,
        [Fingerprints("a", 0, device_hash="d1"), Fingerprints("b", 10, device_hash="d1")],
    )
    assert second.cluster_root == "a"
    assert not second.cluster_flagged
    await once(links.flag, ["a"])
    (alone,) = await once(links.link, [Fingerprints("b", 20, device_hash="d-new")])
    assert alone.cluster_flagged  # its root is remembered, and the root is flagged
    (stranger,) = await once(links.link, [Fingerprints("z", 30, device_hash="d-z")])
    assert not stranger.cluster_flagged


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["memory", *REDIS_KINDS])
@pytest.mark.parametrize(
    "counted",
    [spam_pipeline.COUNTED, misrepresentation_pipeline.COUNTED, multi_identity_pipeline.COUNTED],
    ids=["spam", "misrepresentation", "multi_identity"],
)
async def test_a_store_that_counts_less_counts_the_rest_the_same(
    kind: str, counted: Counted, request: pytest.FixtureRequest
) -> None:
    """Each detector's windows count only what it reads (fewer keys per account, less work per
    event); what they count is what a store counting everything says, the rest is 0."""
    prefix = f"uw:{uuid.uuid4().hex}:"
    if kind == "memory":
        full: Any = MemoryBehaviourWindows(WINDOW_MS)
        lean: Any = MemoryBehaviourWindows(WINDOW_MS, counted=counted)
    else:
        client = redis_of(kind, request)
        full = RedisBehaviourWindows(client, prefix + "a:", WINDOW_MS)
        lean = RedisBehaviourWindows(client, prefix + "b:", WINDOW_MS, counted=counted)
    batch = [
        obs(
            i,
            i * 10,
            recipients=(f"r{i % 3}",),
            has_link=i % 2 == 0,
            identity=f"name-{i % 4}",
        )
        for i in range(8)
    ]
    everything = await once(full.observe, batch)
    some = await once(lean.observe, batch)
    parts = {
        Counted.EVENTS: "events",
        Counted.LINKS: "link_events",
        Counted.RECIPIENTS: "distinct_recipients",
        Counted.IDENTITIES: "distinct_identities",
    }
    for part, field_name in parts.items():
        expected = [getattr(c, field_name) if part in counted else 0 for c in everything]
        assert [getattr(c, field_name) for c in some] == expected, field_name
    assert everything[-1].distinct_identities == 4  # the full store did count them
    if kind != "memory":
        await client.aclose()


ROOT = Path(__file__).resolve().parents[2]


def test_redis_comes_back_from_a_kill_9_with_what_must_last(tmp_path: Path) -> None:
    """The dev and test stacks' Redis persists every write (append-only file, fsync every
    second) and evicts nothing: strikes and effect marks survive a crash."""
    port = 16579
    env = {**os.environ, "REDIS_PORT": str(port), "REDIS_STATE_DIR": str(tmp_path)}
    ctl = ROOT / "infra" / "redis" / "redisctl"
    subprocess.run([ctl, "start"], env=env, check=True)
    try:
        client = redis.Redis(port=port)
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        client.set("uw:{acct-1}:strikes", "40", ex=3600)
        client.hset("uw:enf:applied:{acct-1}:enf-1", "at", "1")
        time.sleep(1.5)  # one fsync
        subprocess.run([ctl, "kill"], env=env, check=True)
        subprocess.run([ctl, "start"], env=env, check=True)
        client = redis.Redis(port=port)
        assert client.get("uw:{acct-1}:strikes") == b"40"
        assert client.ttl("uw:{acct-1}:strikes") > 3000  # TTLs survive too
        assert client.hget("uw:enf:applied:{acct-1}:enf-1", "at") == b"1"
    finally:
        subprocess.run([ctl, "stop"], env=env, check=True)


@pytest_asyncio.fixture(params=["memory", *REDIS_KINDS])
async def held(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryHeldVerdicts(WINDOW_MS, cap=3)
        return
    client = redis_of(request.param, request)
    yield RedisHeldVerdicts(client, f"uw:{uuid.uuid4().hex}:", WINDOW_MS, cap=3)
    await client.aclose()


@pytest.mark.asyncio
async def test_held_verdicts_are_kept_per_account_for_the_window_and_capped(held: Any) -> None:
    await once(held.hold, [Held("a", 1_000 * i, f"a{i}".encode()) for i in range(5)])
    await once(held.hold, [Held("b", 2_500, b"b0")])
    both = await once(held.read, ["a", "b", "nobody"], 4_000)
    # The newest three of a's (cap 3), then b's, oldest first.
    assert [(h.account_id, h.payload) for h in both] == [
        ("a", b"a2"),
        ("b", b"b0"),
        ("a", b"a3"),
        ("a", b"a4"),
    ]
    # Outside the window, forgotten; dropped, gone.
    assert [h.payload for h in await once(held.read, ["a"], WINDOW_MS + 3_500)] == [b"a4"]
    await once(held.drop, ["a"])
    assert await once(held.read, ["a", "b"], 4_000) == [Held("b", 2_500, b"b0")]
    await once(held.hold, [Held("c", 3_000, b"c0")])
    await once(held.drop, ["b", "c"])  # several accounts at once (several cluster slots)
    assert await once(held.read, ["a", "b", "c"], 4_000) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", REDIS_KINDS)
async def test_detectors_share_one_index_and_its_longest_ttl(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """Spam (1 h) and multi-identity (6 h) record the same members in one index: the second
    write adds nothing, each reads through its own window, and a bucket's TTL is the longer
    one whichever wrote last."""
    client = redis_of(kind, request)
    prefix = f"uw:{uuid.uuid4().hex}:"
    short = RedisNearDuplicateIndex(client, prefix, WINDOW_MS)
    long = RedisNearDuplicateIndex(client, prefix, 6 * WINDOW_MS)
    await once(long.add_and_match, [sig(1, 1_000, ("0:aa",))])
    await once(short.add_and_match, [sig(1, 1_000, ("0:aa",))])
    (key,) = [k async for k in client.scan_iter(f"{prefix}*")]
    assert await client.zcard(key) == 1
    assert await client.ttl(key) > WINDOW_MS // 1000 + 3600  # the long window's TTL stays
    # The other order: the short window records first, the long one's write of the same
    # member (which adds nothing) still lengthens the TTL.
    await once(short.add_and_match, [sig(4, 1_000, ("0:bb",))])
    await once(long.add_and_match, [sig(4, 1_000, ("0:bb",))])
    (other,) = [k async for k in client.scan_iter(f"{prefix}*0:bb*")]
    assert await client.zcard(other) == 1
    assert await client.ttl(other) > WINDOW_MS // 1000 + 3600
    late = 1_000 + 2 * WINDOW_MS
    (for_short,) = await once(short.add_and_match, [sig(2, late, ("0:aa",), "b", index=False)])
    (for_long,) = await once(long.add_and_match, [sig(3, late, ("0:aa",), "b", index=False)])
    assert (for_short.other_events, for_long.other_events) == (0, 1)
    await client.aclose()
