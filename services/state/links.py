"""Client fingerprints shared across accounts: which other accounts used the same device, API
key or network address recently. Fingerprints are opaque hashes from the producer (never raw
addresses); this store only learns that two accounts share one."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.state.round_trip import Pending, RedisClient, RoundTrip

STRONG = ("device", "api_key")
"""A shared device or API key ties accounts to one operator; a shared network address (office
NAT, mobile carrier, VPN) does not, and only ever counts together with other evidence."""


@dataclass(frozen=True, slots=True)
class Fingerprints:
    account_id: str
    at_ms: int
    device_hash: str | None = None
    ip_hash: str | None = None
    api_key_id: str | None = None
    index: bool = True

    def kinds(self) -> list[tuple[str, str]]:
        pairs = (("device", self.device_hash), ("ip", self.ip_hash), ("api_key", self.api_key_id))
        return [(k, v) for k, v in pairs if v]


@dataclass(frozen=True, slots=True)
class Linked:
    """Other accounts seen with the same fingerprint since the window's start (self excluded).
    Also those seen at a later event time: a link is a fact once known, whatever the order in
    which partitions were consumed."""

    strong: tuple[str, ...] = ()
    ip_only: tuple[str, ...] = ()
    shared_kinds: tuple[str, ...] = ()
    cluster_root: str | None = None
    """The operator cluster this account belongs to (union-find root, the smallest account id
    ever joined to it by a strong fingerprint), or None when it has no strong link."""
    cluster_flagged: bool = False
    """The cluster was already judged to be one operator within the window."""


class FingerprintLinks(Protocol):
    """Records each event's fingerprints and returns the accounts they link it to, in order;
    one script call on the batch's round trip. A cluster found to be one operator is remembered
    as flagged (`flag`, TTL = window), so every later event of any of its accounts is reported
    as such."""

    def link(self, batch: Sequence[Fingerprints], rt: RoundTrip) -> Pending[list[Linked]]: ...

    def flag(self, roots: Sequence[str], rt: RoundTrip) -> Pending[None]: ...


def _linked(
    own: str, found: dict[str, set[str]], root: str | None, flagged: bool = False
) -> Linked:
    strong = set().union(*(found.get(k, set()) for k in STRONG)) - {own}
    ip = found.get("ip", set()) - {own} - strong
    kinds = tuple(sorted(k for k, accounts in found.items() if accounts - {own}))
    return Linked(
        tuple(sorted(strong)),
        tuple(sorted(ip)),
        kinds,
        root if strong or flagged else None,
        flagged,
    )


# One call per batch; all keys share the hash tag {fp}. KEYS: per fingerprint, its buckets of the
# window before, of the event's window and of the one after. ARGV: window, cap, ttl, root prefix,
# flag prefix, then per event: account, time, index flag, fingerprint count, then per
# fingerprint its field and strong flag. A field's value is msgpack [account, time, ...]: the
# accounts that used the fingerprint, newest first, each at the last time it did. Per event and
# fingerprint: merge the three buckets' records, keep the accounts seen since the window's start
# (later ones too), newest first, at most cap; if indexed, write them (with this account) into
# the event's bucket and drop the record of the bucket before. Then union the accounts tied by
# strong fingerprints: their cluster root becomes the smallest of their current roots and ids,
# and every one of them points at it (roots expire with ttl). Returns, per event, the accounts
# per fingerprint, the root, and whether it is flagged.
_LINK = """
local window, cap, ttl, rootp, flagp = tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4], ARGV[5]
local function newest_first(x, y)
  if x[2] ~= y[2] then return x[2] > y[2] end
  return x[1] < y[1]
end
local out, k, a = {}, 1, 6
while a <= #ARGV do
  local account, at, index, n = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3])
  local found, strong = {}, {[account] = true}
  local linked = false
  for i = 0, n - 1 do
    local field, is_strong = ARGV[a + 4 + 2 * i], ARGV[a + 5 + 2 * i]
    local last = {}
    for b = 0, 2 do
      local packed = redis.call('HGET', KEYS[k + b], field)
      if packed then
        local e = cmsgpack.unpack(packed)
        for j = 1, #e, 2 do
          if not last[e[j]] or e[j + 1] > last[e[j]] then last[e[j]] = e[j + 1] end
        end
      end
    end
    if index == '1' and (not last[account] or at > last[account]) then last[account] = at end
    local recent = {}
    for m, t in pairs(last) do
      if t >= at - window then recent[#recent + 1] = {m, t} end
    end
    table.sort(recent, newest_first)
    local members, record = {}, {}
    for j = 1, math.min(cap, #recent) do
      members[j] = recent[j][1]
      record[2 * j - 1], record[2 * j] = recent[j][1], recent[j][2]
    end
    if index == '1' then
      redis.call('HSET', KEYS[k + 1], field, cmsgpack.pack(record))
      redis.call('EXPIRE', KEYS[k + 1], ttl)
      redis.call('HDEL', KEYS[k], field)
    end
    found[#found + 1] = members
    if is_strong == '1' then
      for _, m in ipairs(members) do
        if m ~= account then linked = true end
        strong[m] = true
      end
    end
    k = k + 3
  end
  local root = redis.call('GET', rootp .. account) or false
  if linked then
    for m, _ in pairs(strong) do
      local r = redis.call('GET', rootp .. m) or m
      if not root or r < root then root = r end
      if m < root then root = m end
    end
    if index == '1' then
      for m, _ in pairs(strong) do redis.call('SET', rootp .. m, root, 'EX', ttl) end
    end
  end
  found[#found + 1] = root or ''
  found[#found + 1] = (root and redis.call('EXISTS', flagp .. root) == 1) and '1' or '0'
  out[#out + 1] = found
  a = a + 4 + 2 * n
end
return out
"""

SLOTS = 1024
"""Buckets per fingerprint kind and window. A bucket stays a compact listpack while it holds at
most Redis's `hash-max-listpack-entries` (128) fields of at most `hash-max-listpack-value` (64)
bytes, so 1,024 keep that encoding up to ~130k fingerprints of a kind per window; beyond, or
once one of its fingerprints is shared by a few accounts (~64 bytes of ids and times), a bucket
becomes a hash table and a fingerprint in it costs ~64 bytes (MEMORY USAGE of one bucket of
2,000; ~31 in a listpack bucket of 100), still half of a key of its own."""


def _field(value: str, slots: int) -> tuple[int, bytes]:
    """A fingerprint's slot and field: 12 bytes of its BLAKE2b digest (the producer's hash may
    be any length up to the schema's bound; two fingerprints read as one needs ~2^48 of them)."""
    digest = hashlib.blake2b(value.encode(), digest_size=12).digest()
    return int.from_bytes(digest[:4], "big") % slots, digest


class RedisFingerprintLinks:
    """Fingerprints in buckets: `<p>fp:{fp}:<kind>:<w>:<slot>` is a hash, one per kind, window
    number w (event time // window) and slot; its field for a fingerprint holds the accounts that
    used it, each at the last time it did, trimmed to the window and capped at `cap` accounts (a
    fingerprint shared by more is a carrier NAT, not an operator). A lookup reads the buckets of
    the window before, its own and the next, so it sees every account of its window and those
    seen up to one window later in event time; a write moves the record into its own window's
    bucket. TTL = two windows + 1 h, refreshed on each write. Nearly every fingerprint is one
    account's: as a field it costs ~43 bytes with its share of the bucket (`make bench`'s 20,000
    accounts), as a key of its own (a sorted set per fingerprint, as before) it cost ~136, nearly
    all Redis's per-key overhead. `<p>fp:{fp}:root:<account>`:
    the account's cluster root (union-find without path compression: every account seen in a
    union is pointed at the root directly); TTL the same, refreshed on each union.
    `<p>fp:{fp}:flagged:<root>`: the cluster was judged one operator; TTL the same. All keys
    carry the hash tag `{fp}` so a batch is one script call (on a Redis Cluster the links live on
    one node)."""

    def __init__(
        self, client: RedisClient, prefix: str, window_ms: int, cap: int = 64, slots: int = SLOTS
    ) -> None:
        self._p = prefix
        self._window_ms = window_ms
        self._cap = cap
        self._slots = slots
        self._ttl_s = 2 * window_ms // 1000 + 3600
        self._redis = client
        self._script = client.register_script(_LINK)

    def flag(self, roots: Sequence[str], rt: RoundTrip) -> Pending[None]:
        if not roots:
            return Pending.resolved(None)
        return rt.add(
            self._redis,
            [
                ("SET", f"{self._p}fp:{{fp}}:flagged:{root}", b"1", "EX", self._ttl_s)
                for root in dict.fromkeys(roots)
            ],
            lambda _: None,
        )

    def link(self, batch: Sequence[Fingerprints], rt: RoundTrip) -> Pending[list[Linked]]:
        if not batch:
            return Pending.resolved([])
        keys: list[str] = []
        args: list[str | int | bytes] = [
            self._window_ms,
            self._cap,
            self._ttl_s,
            f"{self._p}fp:{{fp}}:root:",
            f"{self._p}fp:{{fp}}:flagged:",
        ]
        kinds_of: list[list[str]] = []
        for f in batch:
            pairs = f.kinds()
            window = f.at_ms // self._window_ms
            args.extend((f.account_id, f.at_ms, "1" if f.index else "0", len(pairs)))
            for kind, value in pairs:
                slot, name = _field(value, self._slots)
                bucket = f"{self._p}fp:{{fp}}:{kind}"
                keys.extend(f"{bucket}:{w}:{slot}" for w in (window - 1, window, window + 1))
                args.extend((name, "1" if kind in STRONG else "0"))
            kinds_of.append([kind for kind, _ in pairs])

        def decode(replies: list[Any]) -> list[Linked]:
            out = []
            for f, kinds, found in zip(batch, kinds_of, replies[0], strict=True):
                by_kind: dict[str, set[str]] = {}
                for kind, members in zip(kinds, found[:-2], strict=True):
                    by_kind.setdefault(kind, set()).update(m.decode() for m in members)
                root = found[-2].decode() if found[-2] else None
                out.append(_linked(f.account_id, by_kind, root, found[-1] == b"1"))
            return out

        return rt.add(
            self._redis,
            [("EVALSHA", self._script.sha, len(keys), *keys, *args)],
            decode,
            {self._script.sha: _LINK},
        )


@dataclass
class MemoryFingerprintLinks:
    """In-memory implementation with the same window and cap."""

    window_ms: int
    cap: int = 64
    _seen: dict[tuple[str, str], deque[tuple[int, str]]] = field(default_factory=dict)
    _roots: dict[str, str] = field(default_factory=dict)
    _flagged: set[str] = field(default_factory=set)

    def flag(self, roots: Sequence[str], rt: RoundTrip) -> Pending[None]:
        self._flagged.update(roots)
        return Pending.resolved(None)

    def link(self, batch: Sequence[Fingerprints], rt: RoundTrip) -> Pending[list[Linked]]:
        out = []
        for f in batch:
            by_kind: dict[str, set[str]] = {}
            for kind, value in f.kinds():
                seen = self._seen.setdefault((kind, value), deque())
                while seen and seen[0][0] < f.at_ms - self.window_ms:
                    seen.popleft()
                if f.index:
                    seen.append((f.at_ms, f.account_id))
                recent: dict[str, int] = {}
                for t, account in seen:
                    if f.at_ms - self.window_ms <= t:
                        recent[account] = max(t, recent.get(account, t))
                newest = sorted(recent, key=lambda a: recent[a], reverse=True)[: self.cap]
                by_kind.setdefault(kind, set()).update(newest)
            strong = {f.account_id}.union(*(by_kind.get(k, set()) for k in STRONG))
            root = self._roots.get(f.account_id)
            if len(strong) > 1:
                root = min(min(self._roots.get(m, m) for m in strong), min(strong))
                if f.index:
                    for m in strong:
                        self._roots[m] = root
            out.append(_linked(f.account_id, by_kind, root, root in self._flagged))
        return Pending.resolved(out)
