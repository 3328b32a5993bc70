"""Behaviour in sliding windows of event time: how much an account sends, to how many distinct
recipients, with links, under how many declared identities. Event time (the event's
`occurred_at`), never the wall clock, so replaying the same stream gives the same counts.

Writes are idempotent: events are keyed by a hash of their event_id (a redelivered event does
not count twice) and recipients and identities are sets (adding one again is a no-op), exact in
an account's record while it is small, HyperLogLogs once it is not (`RedisBehaviourWindows`).
"""

from __future__ import annotations

import bisect
import hashlib
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


# One call per observation. KEYS: the account's record buckets of the window before, its own and
# the next; its own events set and link set; then its recipient HLLs and identity HLLs, current
# sub-bucket first, BUCKETS + 1 of each or none (a part the store does not count has none). All
# share one hash tag. ARGV: the account's field, event id hash, event time, window, cap, small,
# record TTL, key TTL, has_link, identity ("" when none), the recipients as one JSON array, which
# parts are counted (letters E, L, R, I), the current sub-bucket.
#
# A record is msgpack [events, links, recipients, identities]; a part is a flat list of pairs
# (event hash, time) or (recipient or identity, sub-bucket), or 0 once the account outgrew the
# record (more than `small` entries) and the part lives in the account's own keys. The three
# buckets' records are merged (a union; the newest time or sub-bucket wins), this observation is
# added, entries out of the window are dropped, and the record is written into its own window's
# bucket and deleted from the bucket before (so a record is always in the bucket of its window or
# the next, and a lookup sees it). A part that outgrows the record moves every entry it has into
# its own keys, and from then on is counted there: a sorted set trimmed to the window and capped,
# HyperLogLogs per sub-bucket. Returns the four counts (0 where not counted).
_OBSERVE = """
local field, id, at, window = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local cap, small, rttl, kttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]),
  tonumber(ARGV[8])
local parts, sub = ARGV[12], tonumber(ARGV[13])
local lo = at - window
local entries, promoted = {{}, {}, {}, {}}, {false, false, false, false}
local stored = {}
for b = 1, 3 do
  local packed = redis.call('HGET', KEYS[b], field)
  stored[b] = packed
  if packed then
    local r = cmsgpack.unpack(packed)
    for p = 1, 4 do
      local e = r[p]
      if e == 0 then promoted[p] = true
      elseif e then
        local m = entries[p]
        for j = 1, #e, 2 do
          if not m[e[j]] or e[j + 1] > m[e[j]] then m[e[j]] = e[j + 1] end
        end
      end
    end
  end
end
local function add(m, k, v) if not m[k] or v > m[k] then m[k] = v end end
local function has(letter) return string.find(parts, letter, 1, true) ~= nil end
local record, counts = {{}, {}, {}, {}}, {0, 0, 0, 0}
-- a part kept in the record: its entries, counted up to this observation (time or sub-bucket)
local function in_record(p, kept, upto)
  record[p] = kept
  local c = 0
  for j = 2, #kept, 2 do if kept[j] <= upto then c = c + 1 end end
  counts[p] = c
end
-- a set part in the account's own HyperLogLogs: the union of the window's sub-buckets
local function in_own_keys(p, first, n_keys)
  local all = {}
  for i = first, first + n_keys - 1 do all[#all + 1] = KEYS[i] end
  record[p] = 0
  counts[p] = redis.call('PFCOUNT', unpack(all))
end
-- events and links: (hash, time) within the window
local function timed(p, key, write)
  local m, n, kept = entries[p], 0, {}
  if write then add(m, id, at) end
  for k, t in pairs(m) do
    if t >= lo then n = n + 1; kept[#kept + 1] = k; kept[#kept + 1] = t end
  end
  if promoted[p] or n > small then
    for j = 1, #kept, 2 do redis.call('ZADD', key, kept[j + 1], kept[j]) end
    if #kept > 0 then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. lo)
      redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
      redis.call('EXPIRE', key, kttl)
    end
    record[p] = 0
    counts[p] = redis.call('ZCOUNT', key, lo, at)
  else
    in_record(p, kept, at)
  end
end
-- recipients and identities: (value, sub-bucket) within the window's sub-buckets
local function distinct(p, first, n_keys, values)
  local m, n, kept = entries[p], 0, {}
  if promoted[p] and next(m) == nil then
    -- a busy account with nothing left in a record: straight into the current sub-bucket
    if #values > 0 then
      redis.call('PFADD', KEYS[first], unpack(values))
      redis.call('EXPIRE', KEYS[first], kttl)
    end
    in_own_keys(p, first, n_keys)
    return
  end
  for _, v in ipairs(values) do add(m, v, sub) end
  for k, s in pairs(m) do
    if s > sub - n_keys then n = n + 1; kept[#kept + 1] = k; kept[#kept + 1] = s end
  end
  if promoted[p] or n > small then
    local by_age = {}
    for j = 1, #kept, 2 do
      -- a value seen at a later event time (consumed late) goes into the current sub-bucket
      local age = math.max(sub - kept[j + 1], 0)
      by_age[age] = by_age[age] or {}
      table.insert(by_age[age], kept[j])
    end
    for age, values in pairs(by_age) do
      redis.call('PFADD', KEYS[first + age], unpack(values))
      redis.call('EXPIRE', KEYS[first + age], kttl)
    end
    in_own_keys(p, first, n_keys)
  else
    in_record(p, kept, sub)
  end
end
if has('E') then timed(1, KEYS[4], true) end
if has('L') then timed(2, KEYS[5], ARGV[9] == '1') end
local n_keys, first = tonumber(ARGV[14]), 6
if has('R') then
  distinct(3, first, n_keys, cjson.decode(ARGV[11]))
  first = first + n_keys
end
if has('I') then distinct(4, first, n_keys, ARGV[10] ~= '' and {ARGV[10]} or {}) end
local packed = cmsgpack.pack(record)
-- a busy account's record (every counted part 0) stays the same: not rewritten in its own bucket
if packed ~= stored[2] then
  redis.call('HSET', KEYS[2], field, packed)
  redis.call('EXPIRE', KEYS[2], rttl)
end
if stored[1] then redis.call('HDEL', KEYS[1], field) end
return counts
"""

SLOTS = 1024
"""Record buckets per window. A bucket stays a compact listpack while it holds at most Redis's
`hash-max-listpack-entries` (128) fields of at most `hash-max-listpack-value` (64) bytes."""

SMALL = 4
"""Entries a part keeps in the account's record before it moves to keys of its own. Nearly every
account sends a few events per window to a few recipients, and their record (~40-60 bytes for
one event) costs a fraction of a key of its own (~100 bytes for a one-member sorted set, ~140 for
a recipient HyperLogLog); a busy account's part is a sorted set or HyperLogLogs, whose cost per
event does not grow with the account's volume, as a record's would."""


def _account_field(account_id: str, slots: int) -> tuple[int, bytes]:
    """An account's slot and field: 12 bytes of its BLAKE2b digest."""
    digest = hashlib.blake2b(account_id.encode(), digest_size=12).digest()
    return int.from_bytes(digest[:4], "big") % slots, digest


def _event_hash(event_id: str) -> bytes:
    """8 bytes of the event id's BLAKE2b digest: a redelivered event is the same member (two
    events of one account read as one needs ~2^32 of them in its window)."""
    return hashlib.blake2b(event_id.encode(), digest_size=8).digest()


class RedisBehaviourWindows:
    """Keys (all of one account under the hash tag of its slot, so one call is one cluster slot):

    - `<p>w:{<slot>}:<w>`: a hash per slot and window number w (event time // window); its
      field for an account (12 bytes of the account id's digest) is the account's record: its
      events and link events (8-byte hash of the event id, event time), recipients and declared
      identities (as sent, with their sub-bucket of window/6) in the window, while each part has
      at most `small` entries. TTL = two windows + 1 h, refreshed on write.
    - `<p>w:{<slot>}:ev:<acct>`, `<p>w:{<slot>}:link:<acct>`: a part that outgrew the record, as
      a sorted set of event hashes scored by event time, trimmed to the window on write and
      capped at `cap` members (the newest kept), so a busy account costs at most ~cap×50 bytes
      per set. TTL = window + one sub-bucket + 1 h, refreshed on write.
    - `<p>w:{<slot>}:rcpt:<acct>:<sub>`, `<p>w:{<slot>}:idn:<acct>:<sub>`: likewise,
      HyperLogLogs of recipients and of identities per sub-bucket of window/6 (12 KB at most
      each, 0.81 % standard error); the window is the union of the last 6 sub-buckets and the
      current one.

    Counts are exact while a part is in the record. Only what the store counts (`counted`) is
    written. Each observation is one server-side script call, queued on the batch's round trip.
    """

    BUCKETS = 6

    def __init__(
        self,
        client: RedisClient,
        prefix: str,
        window_ms: int,
        cap: int = 5_000,
        counted: Counted = Counted.ALL,
        small: int = SMALL,
        slots: int = SLOTS,
    ) -> None:
        self._redis = client
        self._parts = "".join(
            letter
            for letter, part in (
                ("E", Counted.EVENTS),
                ("L", Counted.LINKS),
                ("R", Counted.RECIPIENTS),
                ("I", Counted.IDENTITIES),
            )
            if part in counted
        )
        self._recipients = Counted.RECIPIENTS in counted
        self._identities = Counted.IDENTITIES in counted
        self._p = prefix
        self.window_ms = window_ms
        self._cap = cap
        self._small = small
        self._slots = slots
        self._bucket_ms = max(window_ms // self.BUCKETS, 1)
        self._record_ttl_s = 2 * window_ms // 1000 + 3600
        self._ttl_s = window_ms // 1000 + 3600 + self._bucket_ms // 1000
        self._script = client.register_script(_OBSERVE)

    def observe(self, batch: Sequence[Observation], rt: RoundTrip) -> Pending[list[WindowCounts]]:
        if not batch:
            return Pending.resolved([])
        calls: list[tuple[Any, ...]] = []
        n_keys = self.BUCKETS + 1
        for o in batch:
            slot, name = _account_field(o.account_id, self._slots)
            tag = f"{self._p}w:{{{slot}}}"
            window = o.at_ms // self.window_ms
            sub = o.at_ms // self._bucket_ms
            subs = range(sub, sub - n_keys, -1)
            keys = [
                f"{tag}:{window - 1}",
                f"{tag}:{window}",
                f"{tag}:{window + 1}",
                f"{tag}:ev:{o.account_id}",
                f"{tag}:link:{o.account_id}",
                *(f"{tag}:rcpt:{o.account_id}:{b}" for b in (subs if self._recipients else ())),
                *(f"{tag}:idn:{o.account_id}:{b}" for b in (subs if self._identities else ())),
            ]
            args: list[str | int | bytes] = [
                name,
                _event_hash(o.event_id),
                o.at_ms,
                self.window_ms,
                self._cap,
                self._small,
                self._record_ttl_s,
                self._ttl_s,
                "1" if o.has_link else "0",
                o.identity or "",
                # One argument, not one per recipient: a newsletter names hundreds (when
                # redis-py still packed each argument in Python, spam stage on demo traffic:
                # 50 -> 23 arguments per event, ~760 -> ~720 µs per event at batch 64).
                orjson.dumps(o.recipients) if self._recipients else b"[]",
                self._parts,
                sub,
                n_keys,
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
