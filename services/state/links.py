"""Client fingerprints shared across accounts: which other accounts used the same device, API
key or network address recently. Fingerprints are opaque hashes from the producer (never raw
addresses); this store only learns that two accounts share one."""

from __future__ import annotations

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


# One call per batch; all keys share the hash tag {fp}. KEYS: per event, its fingerprint keys.
# ARGV: window, cap, ttl, root prefix, flag prefix, then per event: account, time, index flag,
# key count, then one strong flag per key. Per event: record and read each fingerprint's recent
# accounts, then union the accounts tied by strong fingerprints: their cluster root becomes the
# smallest of their current roots and ids, and every one of them points at it (roots expire
# with ttl). Returns, per event, the accounts per key, the root, and whether it is flagged.
_LINK = """
local window, cap, ttl, rootp, flagp = tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4], ARGV[5]
local out, k, a = {}, 1, 6
while a <= #ARGV do
  local account, at, index, n = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3])
  local found, strong = {}, {[account] = true}
  local linked = false
  for i = 0, n - 1 do
    local key = KEYS[k + i]
    if index == '1' then
      redis.call('ZADD', key, at, account)
      redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (at - window))
      redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
      redis.call('EXPIRE', key, ttl)
    end
    local members = redis.call('ZREVRANGEBYSCORE', key, '+inf', at - window, 'LIMIT', 0, cap)
    found[#found + 1] = members
    if ARGV[a + 4 + i] == '1' then
      for _, m in ipairs(members) do
        if m ~= account then linked = true end
        strong[m] = true
      end
    end
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
  k, a = k + n, a + 4 + n
end
return out
"""


class RedisFingerprintLinks:
    """Keys `<p>fp:{fp}:<kind>:<hash>`: sorted sets of account ids scored by the last time they
    used that fingerprint, trimmed to the window and capped at `cap` accounts (a fingerprint
    shared by more is a carrier NAT, not an operator); TTL = window + 1 h. `<p>fp:{fp}:root:
    <account>`: the account's cluster root (union-find without path compression: every account
    seen in a union is pointed at the root directly); TTL the same, refreshed on each union.
    Memory is bounded by the distinct fingerprints of one window × cap, plus one root per
    linked account. `<p>fp:{fp}:flagged:<root>`: the cluster was judged one operator; TTL the
    same. All keys carry the hash tag `{fp}` so a batch is one script call (on a Redis Cluster
    the links live on one node)."""

    def __init__(self, client: RedisClient, prefix: str, window_ms: int, cap: int = 64) -> None:
        self._p = prefix
        self._window_ms = window_ms
        self._cap = cap
        self._ttl_s = window_ms // 1000 + 3600
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
        args: list[str | int] = [
            self._window_ms,
            self._cap,
            self._ttl_s,
            f"{self._p}fp:{{fp}}:root:",
            f"{self._p}fp:{{fp}}:flagged:",
        ]
        kinds_of: list[list[str]] = []
        for f in batch:
            pairs = f.kinds()
            keys.extend(f"{self._p}fp:{{fp}}:{kind}:{value}" for kind, value in pairs)
            args.extend((f.account_id, f.at_ms, "1" if f.index else "0", len(pairs)))
            args.extend("1" if kind in STRONG else "0" for kind, _ in pairs)
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
