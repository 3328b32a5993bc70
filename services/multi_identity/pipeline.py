"""One micro-batch through the multi-identity detector: signatures, then one round trip to each
state store (windows, near-duplicate index, fingerprint links), then the pure `judge`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import GenerationEvent, Label, Verdict
from services.event_view import EMPTY_WINDOW, at_ms, text_of
from services.multi_identity.detector import PROOF_SIGNALS, judge
from services.multi_identity.detector import Snapshot as IdentitySnapshot
from services.similarity import near_duplicates_of
from services.state.links import FingerprintLinks, Fingerprints, Linked
from services.state.near_duplicates import NearDuplicateIndex
from services.state.round_trip import RoundTrip
from services.state.windows import BehaviourWindows, Observation


@dataclass
class MultiIdentityPipeline:
    windows: BehaviourWindows
    index: NearDuplicateIndex
    links: FingerprintLinks

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
                    events[i].api_key_id,
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
        follow_up = after or RoundTrip()
        self.links.flag(
            [
                linked[i].cluster_root or ""
                for i, v in enumerate(verdicts)
                if v is not None
                and v.label == Label.VIOLATION
                and linked[i].cluster_root
                and PROOF_SIGNALS & set(v.evidence["signals"])
            ],
            follow_up,
        )
        if after is None:
            await follow_up.execute()
        return verdicts
