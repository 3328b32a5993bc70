"""One micro-batch through the multi-identity detector: signatures, then one round trip to each
state store (windows, near-duplicate index, fingerprint links), then the pure `judge`.

Suspect verdicts are held per account for the window (`services/state/held_verdicts.py`). When
an event proves a cluster one operator, or shows an account to be in a proven cluster, what is
held on those accounts is revised into violations (`revise`) and comes out of
`take_revisions`. That costs one more round trip, only in a batch that carries such an event
(abuse traffic). What was read is dropped, and this batch's other suspects held, on `after`,
once the verdicts and revisions are published."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.codec import decode, encode
from schemas.events import GenerationEvent, Label, Verdict
from services.event_view import EMPTY_WINDOW, at_ms, text_of
from services.multi_identity.detector import PROOF_SIGNALS, judge, revise
from services.multi_identity.detector import Snapshot as IdentitySnapshot
from services.similarity import near_duplicates_of
from services.state.held_verdicts import Held, HeldVerdicts
from services.state.links import FingerprintLinks, Fingerprints, Linked
from services.state.near_duplicates import NearDuplicateIndex
from services.state.round_trip import RoundTrip, once
from services.state.windows import BehaviourWindows, Counted, Observation

COUNTED = Counted.IDENTITIES
"""What the multi-identity detector reads of an account's windows: the identities it declared
(its decision reads the near-duplicate index and the fingerprint links)."""


@dataclass
class MultiIdentityPipeline:
    windows: BehaviourWindows
    index: NearDuplicateIndex
    links: FingerprintLinks
    held: HeldVerdicts
    _revisions: list[Verdict] = field(default_factory=list)

    def take_revisions(self) -> list[Verdict]:
        out, self._revisions = self._revisions, []
        return out

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]:
        rt = rt or RoundTrip()
        # Red-team traffic is compared but never recorded in the shared state of normal traffic.
        normal = [i for i, e in enumerate(events) if not e.red_team]
        counts = self.windows.observe(
            [
                Observation(
                    events[i].account_id,
                    events[i].event_id,
                    at_ms(events[i]),
                    identity=events[i].identity,
                )
                for i in normal
            ],
            rt,
        )
        texts = [text_of(e) for e in events]
        found = near_duplicates_of(self.index, events, texts, rt)
        links = self.links.link(
            [
                Fingerprints(
                    e.account_id,
                    at_ms(e),
                    device_hash=e.client.device_hash if e.client else None,
                    ip_hash=e.client.ip_hash if e.client else None,
                    api_key_id=e.api_key_id,
                    index=not e.red_team,
                )
                for e in events
            ],
            rt,
        )
        await rt.execute()
        window_of = dict(zip(normal, counts.result(), strict=True))
        matches, linked = found.result(), links.result()
        verdicts = [
            judge(
                IdentitySnapshot(
                    e,
                    texts[i],
                    window_of.get(i, EMPTY_WINDOW),
                    matches[i],
                    linked[i] or Linked(),
                ),
                decided_at(e),
            )
            for i, e in enumerate(events)
        ]
        # Remember the clusters judged one operator on cross-account evidence (linked accounts
        # publishing the same text): later posts of their accounts are reported too. A single
        # account's sockpuppetry does not flag the accounts that merely share its device.
        # Written with the batch's marks, after its verdicts are published.
        proofs = {
            i
            for i, v in enumerate(verdicts)
            if v is not None
            and v.label == Label.VIOLATION
            and linked[i].cluster_root
            and PROOF_SIGNALS & set(v.evidence["signals"])
        }
        follow_up = after or RoundTrip()
        self.links.flag([linked[i].cluster_root or "" for i in sorted(proofs)], follow_up)
        await self._revise_and_hold(events, verdicts, linked, proofs, decided_at, follow_up)
        if after is None:
            await follow_up.execute()
        return verdicts

    async def _revise_and_hold(
        self,
        events: Sequence[GenerationEvent],
        verdicts: list[Verdict | None],
        linked: Sequence[Linked | None],
        proofs: set[int],
        decided_at: Callable[[GenerationEvent], datetime],
        follow_up: RoundTrip,
    ) -> None:
        # The accounts now known to be in a proven cluster, each with the event that showed it:
        # every account of a cluster this batch proved, and any account whose post was judged
        # a member of a cluster proven earlier (it may have joined the cluster since).
        proven_by: dict[str, int] = {}
        for i, v in enumerate(verdicts):
            links = linked[i] or Linked()
            if i in proofs and not links.cluster_flagged:
                accounts: tuple[str, ...] = (events[i].account_id, *links.strong)
            elif v is not None and v.label == Label.VIOLATION and links.cluster_flagged:
                accounts = (events[i].account_id,)
            else:
                continue
            for account in accounts:
                proven_by.setdefault(account, i)
        earlier: list[Held] = []
        if proven_by:
            now_ms = max(at_ms(e) for e in events)
            earlier = await once(self.held.read, list(proven_by), now_ms)
            self.held.drop(list(proven_by), follow_up)
        # This batch's suspects: revised if the batch proved their cluster, held otherwise
        # (red-team verdicts are never held: they stay out of the shared state).
        to_hold: list[Held] = []
        for v, e in zip(verdicts, events, strict=True):
            if v is None or v.label != Label.SUSPECT or e.red_team:
                continue
            held = Held(e.account_id, at_ms(e), encode(v))
            (earlier if e.account_id in proven_by else to_hold).append(held)
        self.held.hold(to_hold, follow_up)
        for h in earlier:
            proof_at = proven_by[h.account_id]
            proof = verdicts[proof_at]
            assert proof is not None
            self._revisions.append(
                revise(decode(Verdict, h.payload), proof, decided_at(events[proof_at]))
            )
