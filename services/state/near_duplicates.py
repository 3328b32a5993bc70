"""Near-duplicate index: which recent events carried (nearly) the same text, in this account and
in others. Fed with LSH band keys from `services.similarity`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.state.round_trip import Pending, RedisClient, RoundTrip


@dataclass(frozen=True, slots=True)
class Signature:
    account_id: str
    event_id: str
    at_ms: int
    bands: tuple[str, ...]
    index: bool = True
    """False for events that may be compared but must not be remembered (red-team traffic is
    kept out of every shared state of normal traffic, SPEC §1)."""
    identity: str = ""
    """The declared identity (sender, author, persona) the text went out under, if any."""

    @property
    def member(self) -> str:
        return SEP.join((self.account_id, self.identity, self.event_id))


SEP = "\x1f"  # ASCII unit separator: never part of an id a sane producer sends

SAMPLE = 16
"""Members read per bucket: the newest within the window, at or before the event."""
CAP = 64
"""Members kept per bucket, the newest: four times what a lookup reads, so an event that arrives
behind others (another partition read ahead, a redelivery) still finds the members of its own
time unless its bucket took 48 newer ones since. Every other member is never read. 200 cost
25 MB per 100k accounts of the demo's templated traffic in buckets of hot texts, 64 ~6 MB
(`make bench`'s memory figure)."""


@dataclass(frozen=True, slots=True)
class Matches:
    """Recent near-duplicates of one event within the window (the event itself excluded).
    Counts are lower bounds: each bucket is sampled at `sample` members."""

    same_account: int
    other_accounts: int
    """Distinct other accounts seen with a near-duplicate."""
    other_events: int
    similar_event_ids: tuple[str, ...]
    same_account_identities: int = 0
    """Distinct declared identities among this account's near-duplicates, this event's included:
    the same talking points under several names."""
    linked_accounts: tuple[str, ...] = ()
    """Up to ten of the other accounts, sorted."""
    same_account_identity_names: tuple[str, ...] = ()
    """Up to ten of the declared identities counted in `same_account_identities`, sorted."""


NO_MATCHES = Matches(0, 0, 0, ())


class NearDuplicateIndex(Protocol):
    """Looks up, then records, each signature in order; one script call on the batch's round
    trip."""

    def add_and_match(
        self, batch: Sequence[Signature], rt: RoundTrip
    ) -> Pending[list[Matches]]: ...


def _summarise(own: Signature, members: set[str]) -> Matches:
    same, other_events = 0, 0
    others: set[str] = set()
    identities = {own.identity} if own.identity else set()
    similar: list[str] = []
    for m in sorted(members):  # sorted: the same state gives the same evidence, every run
        account, identity, event_id = m.split(SEP, 2)
        if event_id == own.event_id and account == own.account_id:
            continue
        if account == own.account_id:
            same += 1
            if identity:
                identities.add(identity)
        else:
            others.add(account)
            other_events += 1
        if len(similar) < 5:
            similar.append(event_id)
    return Matches(
        same,
        len(others),
        other_events,
        tuple(similar),
        len(identities),
        tuple(sorted(others)[:10]),
        tuple(sorted(identities)[:10]),
    )


# One call per batch. KEYS: the band buckets of every signature, signature after signature.
# ARGV: window, sample, cap, ttl, then per signature: member, event time, index flag, band
# count. For each signature in order: read the newest members of its buckets in the window
# (the union, without repeats), then, if indexing, add it, keep the newest `cap`, and extend
# the TTL (never shorten it: another detector with a longer window may share the bucket). A
# member already there needs no trim: the second detector of a shared index writes the same
# members, and skipping its trim and first EXPIRE cut its call's server time from ~105 to ~64 µs
# per signature (8 bands).
_MATCH_AND_ADD = """
local window, sample, cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
local out, k, a = {}, 1, 5
while a <= #ARGV do
  local member, at, index, bands = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2],
    tonumber(ARGV[a + 3])
  local seen, found = {}, {}
  for b = k, k + bands - 1 do
    local rows = redis.call('ZREVRANGEBYSCORE', KEYS[b], at, at - window, 'LIMIT', 0, sample)
    for _, m in ipairs(rows) do
      if not seen[m] then seen[m] = true; found[#found + 1] = m end
    end
  end
  if index == '1' then
    for b = k, k + bands - 1 do
      -- Detectors with different windows share the index: a TTL is only ever lengthened.
      if redis.call('ZADD', KEYS[b], at, member) == 1 then
        redis.call('ZREMRANGEBYRANK', KEYS[b], 0, -(cap + 1))
        if redis.call('EXPIRE', KEYS[b], ttl, 'NX') == 0 then
          redis.call('EXPIRE', KEYS[b], ttl, 'GT')
        end
      else
        -- Recorded already (by a detector sharing the index, or before a redelivery): the
        -- bucket was trimmed then, and only its TTL may need lengthening.
        redis.call('EXPIRE', KEYS[b], ttl, 'GT')
      end
    end
  end
  out[#out + 1] = found
  k, a = k + bands, a + 4
end
return out
"""


class RedisNearDuplicateIndex:
    """Buckets `<p>nd:{nd}:<band>:<hash>`: sorted sets of `account␟identity␟event_id` scored by
    event time. A bucket is shared across accounts by design, so the index cannot be split by
    account; instead every bucket carries the one hash tag `{nd}`, which lets a whole batch be
    matched and recorded in a single script call (one round trip, and no per-command client
    overhead: the per-band alternative cost ~70 µs of redis-py time per command). On a Redis
    Cluster the index therefore lives on one node, while the per-account state spreads across
    all of them.

    Each bucket keeps the newest `cap` members and expires `window` + 1 h after its last write,
    so memory is bounded by the distinct texts of one window times BANDS × cap × ~60 bytes.

    Detectors that sign the same text the same way (spam and multi-identity:
    `services.similarity`) share one index on one Redis (same prefix): each records an event
    as the same members, so the second write changes nothing, and each reads it through its
    own window; a bucket's TTL is the longest of theirs. Sharing halved the detectors' Redis
    memory per account."""

    def __init__(
        self, client: RedisClient, prefix: str, window_ms: int, cap: int = CAP, sample: int = SAMPLE
    ) -> None:
        self._redis = client
        self._p = prefix
        self._window_ms = window_ms
        self._cap = cap
        self._sample = sample
        self._ttl_s = window_ms // 1000 + 3600
        self._script = client.register_script(_MATCH_AND_ADD)

    def add_and_match(self, batch: Sequence[Signature], rt: RoundTrip) -> Pending[list[Matches]]:
        if not batch:
            return Pending.resolved([])
        keys: list[str] = []
        args: list[str | int] = [self._window_ms, self._sample, self._cap, self._ttl_s]
        for s in batch:
            keys.extend(f"{self._p}nd:{{nd}}:{band}" for band in s.bands)
            args.extend((s.member, s.at_ms, "1" if s.index else "0", len(s.bands)))
        return rt.add(
            self._redis,
            [("EVALSHA", self._script.sha, len(keys), *keys, *args)],
            lambda replies: [
                _summarise(s, {m.decode() for m in found})
                for s, found in zip(batch, replies[0], strict=True)
            ],
            {self._script.sha: _MATCH_AND_ADD},
        )


class MemoryNearDuplicateIndex:
    """In-memory implementation with the same window, cap and sampling. Buckets are deques in
    arrival order (event time, within a partition), so a lookup walks back from the newest."""

    def __init__(self, window_ms: int, cap: int = CAP, sample: int = SAMPLE) -> None:
        self._window_ms = window_ms
        self._cap = cap
        self._sample = sample
        self._buckets: dict[str, deque[tuple[int, str]]] = {}

    def _recent(self, band: str, at_ms: int) -> Iterator[str]:
        taken = 0
        for t, member in reversed(self._buckets.get(band, ())):
            if t > at_ms:
                continue
            if t < at_ms - self._window_ms or taken >= self._sample:
                break
            taken += 1
            yield member

    def add_and_match(self, batch: Sequence[Signature], rt: RoundTrip) -> Pending[list[Matches]]:
        out = []
        for s in batch:
            members = {m for band in s.bands for m in self._recent(band, s.at_ms)}
            out.append(_summarise(s, members))
            if s.index:
                member = s.member
                for band in s.bands:
                    # A replayed event may sit twice in a bucket; lookups return a set.
                    self._buckets.setdefault(band, deque(maxlen=self._cap)).append(
                        (s.at_ms, member)
                    )
        return Pending.resolved(out)
