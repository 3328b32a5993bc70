"""Behaviour in sliding windows of event time: how much an account sends, to how many distinct
recipients, with links, under how many declared identities. Event time (the event's
`occurred_at`), never the wall clock, so replaying the same stream gives the same counts.

Writes are idempotent: events are set members keyed by event_id (a redelivered event does not
count twice) and recipients go into HyperLogLogs (adding the same recipient again is a no-op).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import Any, Protocol

import orjson

from services.state.round_trip import Pending, RedisClient, RoundTrip


@dataclass(frozen=True, slots=True)
class Observation:
    account_id: str
    event_id: str
    at_ms: int
    recipients: tuple[str, ...] = ()
    has_link: bool = False
    identity: str | None = None


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Counts over the window ending at the observation, the observation included."""

    events: int
    link_events: int
    distinct_recipients: int
    distinct_identities: int = 0

    @property
    def link_share(self) -> float:
        return self.link_events / self.events if self.events else 0.0


class BehaviourWindows(Protocol):
    """Records observations and returns the window counts as of each one, in order (a later
    observation in the same batch sees the earlier ones), queued on the batch's round trip."""

    window_ms: int

    def observe(
        self, batch: Sequence[Observation], rt: RoundTrip
    ) -> Pending[list[WindowCounts]]: ...


class Counted(Flag):
    """What a store counts. A detector counts only what it reads: each part costs keys per
    account and work in the script per event (multi-identity reads distinct identities alone,
    and counting the rest was half its Redis memory)."""

    EVENTS = auto()
    LINKS = auto()
    """Link events and, with EVENTS, their share."""
    RECIPIENTS = auto()
    IDENTITIES = auto()
    ALL = EVENTS | LINKS | RECIPIENTS | IDENTITIES


# One call per observation, all keys of one account (one cluster slot). KEYS: events set, link
# set, then the recipient HLL buckets and the identity HLL buckets, current bucket first,
# BUCKETS + 1 of each or none (a part the store does not count has no buckets).
# ARGV: event id, event time, window, cap, ttl, has_link, identity ("" when none), number of
# recipient buckets, number of identity buckets, the recipients as one JSON array, and which of
# events and links are counted (letters E, L). Returns the four counts (0 where not counted).
_OBSERVE = """
local id, at, window, cap, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5])
local function touch(key)
  redis.call('ZADD', key, at, id)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (at - window))
  redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
  redis.call('EXPIRE', key, ttl)
  return redis.call('ZCOUNT', key, at - window, at)
end
local events, links = 0, 0
local parts = ARGV[11]
if string.find(parts, 'E', 1, true) then events = touch(KEYS[1]) end
if string.find(parts, 'L', 1, true) then
  if ARGV[6] == '1' then links = touch(KEYS[2])
  else links = redis.call('ZCOUNT', KEYS[2], at - window, at) end
end
local n_rcpt, n_idn = tonumber(ARGV[8]), tonumber(ARGV[9])
local first_rcpt, first_idn = 3, 3 + n_rcpt
local distinct = 0
if n_rcpt > 0 then
  local recipients = cjson.decode(ARGV[10])
  if #recipients > 0 then
    redis.call('PFADD', KEYS[first_rcpt], unpack(recipients))
    redis.call('EXPIRE', KEYS[first_rcpt], ttl)
  end
  local rcpt = {}
  for i = first_rcpt, first_idn - 1 do rcpt[#rcpt + 1] = KEYS[i] end
  distinct = redis.call('PFCOUNT', unpack(rcpt))
end
local identities = 0
if n_idn > 0 then
  if ARGV[7] ~= '' then
    redis.call('PFADD', KEYS[first_idn], ARGV[7])
    redis.call('EXPIRE', KEYS[first_idn], ttl)
  end
  local idn = {}
  for i = first_idn, #KEYS do idn[#idn + 1] = KEYS[i] end
  identities = redis.call('PFCOUNT', unpack(idn))
end
return {events, links, distinct, identities}
"""


class RedisBehaviourWindows:
    """Keys (all tagged with the account, so one account's keys live in one cluster slot):

    - `<p>w:ev:{acct}`, `<p>w:link:{acct}`: sorted sets of event ids
      scored by event time; entries older than the window are trimmed on write and each set is
      capped at `cap` members (the newest kept), so a busy account costs at most ~cap×50 bytes
      per set. TTL = window + 1 h, refreshed on write.
    - `<p>w:rcpt:{acct}:<bucket>`, `<p>w:idn:{acct}:<bucket>`: HyperLogLogs of recipients and
      of declared identities per bucket of window/6 (12 KB at most each, 0.81 % standard
      error); the window is the union of the last 6 buckets (+ the current one).
      TTL = window + one bucket + 1 h.

    Only the keys of what the store counts (`counted`) are written. Memory per active account
    is bounded by the caps; idle accounts expire after the TTL. Each observation is one
    server-side script call, queued on the batch's round trip.
    """

    BUCKETS = 6

    def __init__(
        self,
        client: RedisClient,
        prefix: str,
        window_ms: int,
        cap: int = 5_000,
        counted: Counted = Counted.ALL,
    ) -> None:
        self._redis = client
        self._parts = "".join(
            letter
            for letter, part in (("E", Counted.EVENTS), ("L", Counted.LINKS))
            if part in counted
        )
        self._recipient_buckets = self.BUCKETS + 1 if Counted.RECIPIENTS in counted else 0
        self._identity_buckets = self.BUCKETS + 1 if Counted.IDENTITIES in counted else 0
        self._p = prefix
        self.window_ms = window_ms
        self._cap = cap
        self._bucket_ms = max(window_ms // self.BUCKETS, 1)
        self._ttl_s = window_ms // 1000 + 3600 + self._bucket_ms // 1000
        self._script = client.register_script(_OBSERVE)

    def observe(self, batch: Sequence[Observation], rt: RoundTrip) -> Pending[list[WindowCounts]]:
        if not batch:
            return Pending.resolved([])
        calls: list[tuple[Any, ...]] = []
        for o in batch:
            tag = f"{{{o.account_id}}}"
            bucket = o.at_ms // self._bucket_ms
            keys = [
                f"{self._p}w:ev:{tag}",
                f"{self._p}w:link:{tag}",
                *(
                    f"{self._p}w:rcpt:{tag}:{b}"
                    for b in range(bucket, bucket - self._recipient_buckets, -1)
                ),
                *(
                    f"{self._p}w:idn:{tag}:{b}"
                    for b in range(bucket, bucket - self._identity_buckets, -1)
                ),
            ]
            args: list[str | int | bytes] = [
                o.event_id,
                o.at_ms,
                self.window_ms,
                self._cap,
                self._ttl_s,
                "1" if o.has_link else "0",
                o.identity or "",
                self._recipient_buckets,
                self._identity_buckets,
                # One argument, not one per recipient: a newsletter names hundreds (when
                # redis-py still packed each argument in Python, spam stage on demo traffic:
                # 50 -> 23 arguments per event, ~760 -> ~720 µs per event at batch 64).
                orjson.dumps(o.recipients) if self._recipient_buckets else b"[]",
                self._parts,
            ]
            calls.append(("EVALSHA", self._script.sha, len(keys), *keys, *args))
        return rt.add(
            self._redis,
            calls,
            lambda replies: [
                WindowCounts(int(e), int(li), int(r), int(i)) for e, li, r, i in replies
            ],
            {self._script.sha: _OBSERVE},
        )


@dataclass
class _TimedSet:
    times: list[int] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, event_id: str, at_ms: int, window_ms: int, cap: int) -> None:
        if event_id not in self.ids:
            bisect.insort(self.times, at_ms)
            self.ids[event_id] = at_ms
        cutoff = at_ms - window_ms
        if self.times and (self.times[0] < cutoff or len(self.times) > cap):
            keep = sorted(((t, i) for i, t in self.ids.items() if t >= cutoff), reverse=True)[:cap]
            self.ids = {i: t for t, i in keep}
            self.times = sorted(self.ids.values())

    def count(self, lo: int, hi: int) -> int:
        return bisect.bisect_right(self.times, hi) - bisect.bisect_left(self.times, lo)


class MemoryBehaviourWindows:
    """In-memory implementation (tests, `usewatch backtest`): exact distinct recipients instead
    of HyperLogLog, same windows and caps. Nothing expires by clock: a backtest is bounded by its
    input file."""

    def __init__(self, window_ms: int, cap: int = 5_000, counted: Counted = Counted.ALL) -> None:
        self.window_ms = window_ms
        self._cap = cap
        self._counted = counted
        self._bucket_ms = max(window_ms // RedisBehaviourWindows.BUCKETS, 1)
        self._sets: dict[str, _TimedSet] = {}
        self._recipients: dict[tuple[str, int], set[str]] = {}
        self._identities: dict[tuple[str, int], set[str]] = {}

    def _touch(self, key: str, o: Observation) -> int:
        s = self._sets.setdefault(key, _TimedSet())
        s.add(o.event_id, o.at_ms, self.window_ms, self._cap)
        return s.count(o.at_ms - self.window_ms, o.at_ms)

    def observe(self, batch: Sequence[Observation], rt: RoundTrip) -> Pending[list[WindowCounts]]:
        out = []
        for o in batch:
            events = self._touch(f"ev:{o.account_id}", o)
            link_set = self._sets.setdefault(f"link:{o.account_id}", _TimedSet())
            if o.has_link:
                link_set.add(o.event_id, o.at_ms, self.window_ms, self._cap)
            links = link_set.count(o.at_ms - self.window_ms, o.at_ms)
            bucket = o.at_ms // self._bucket_ms
            self._recipients.setdefault((o.account_id, bucket), set()).update(o.recipients)
            if o.identity:
                self._identities.setdefault((o.account_id, bucket), set()).add(o.identity)
            span = range(bucket - RedisBehaviourWindows.BUCKETS, bucket + 1)
            recipients = set().union(
                *(self._recipients.get((o.account_id, b), set()) for b in span)
            )
            identities = set().union(
                *(self._identities.get((o.account_id, b), set()) for b in span)
            )
            c = self._counted
            out.append(
                WindowCounts(
                    events if Counted.EVENTS in c else 0,
                    links if Counted.LINKS in c else 0,
                    len(recipients) if Counted.RECIPIENTS in c else 0,
                    len(identities) if Counted.IDENTITIES in c else 0,
                )
            )
        return Pending.resolved(out)
