"""One micro-batch through the spam detector: vectorise once, score every model head on the same
matrix, one round trip for every state store, then the pure `judge` per event. Shared by the faust
agent (Redis stores) and `usewatch backtest` (in-memory stores), so both decide identically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import Channel, GenerationEvent, Verdict
from services.event_view import EMPTY_WINDOW, at_ms, text_of
from services.similarity import near_duplicates_of
from services.spam.detector import RULE_NAMES, SEO_CHANNELS, ContentScores, Snapshot, judge
from services.spam.features import CHANNEL_GROUPS, Cues, Extracted, cues, extract
from services.spam.model import ContentModel
from services.spam.seo import seo_signals
from services.state.near_duplicates import NearDuplicateIndex
from services.state.round_trip import RoundTrip
from services.state.windows import BehaviourWindows, Counted, Observation

COUNTED = Counted.EVENTS | Counted.LINKS | Counted.RECIPIENTS
"""What the spam detector reads of an account's windows (no identities: it judges content and
its spread, not who signs it)."""


@dataclass(frozen=True, slots=True)
class Content:
    """What content alone says of one text: extracted once, scored once."""

    extracted: Extracted
    cues: Cues
    scores: ContentScores


def read_content(
    model: ContentModel, texts: Sequence[str], channels: Sequence[Channel]
) -> list[Content]:
    """Extract, cue and score a batch of texts: one hashing and one matrix product per head."""
    extracted = [extract(t) for t in texts]
    text_cues = [cues(x) for x in extracted]
    groups = [CHANNEL_GROUPS[c] for c in channels]
    p = model.score(extracted, text_cues, groups)
    out = []
    for i, group in enumerate(groups):
        unsolicited, phishing = float(p["unsolicited"][i]), float(p["phishing"][i])
        scores = ContentScores(
            unsolicited,
            phishing,
            model.grade("unsolicited", group, unsolicited),
            model.grade("phishing", group, phishing),
        )
        out.append(Content(extracted[i], text_cues[i], scores))
    return out


@dataclass
class SpamPipeline:
    model: ContentModel
    windows: BehaviourWindows
    index: NearDuplicateIndex
    rules: frozenset[str] = RULE_NAMES
    """The detector's rules in force (all of them; `make eval` switches each off in turn)."""

    def take_revisions(self) -> list[Verdict]:
        return []  # each event is judged on what precedes it; nothing later revises a verdict

    async def judge_batch(
        self,
        events: Sequence[GenerationEvent],
        decided_at: Callable[[GenerationEvent], datetime],
        rt: RoundTrip | None = None,
        after: RoundTrip | None = None,
    ) -> list[Verdict | None]:
        rt = rt or RoundTrip()
        texts = [text_of(e) for e in events]
        content = read_content(self.model, texts, [e.channel for e in events])
        # Red-team traffic is judged like any other but kept out of the shared state of normal
        # traffic: it neither counts in an account's windows nor enters the near-duplicate index.
        normal = [i for i, e in enumerate(events) if not e.red_team]
        counts = self.windows.observe(
            [
                Observation(
                    account_id=events[i].account_id,
                    event_id=events[i].event_id,
                    at_ms=at_ms(events[i]),
                    recipients=tuple(events[i].recipients or ()),
                    has_link=content[i].cues.links > 0,
                )
                for i in normal
            ],
            rt,
        )
        found = near_duplicates_of(self.index, events, texts, rt)
        await rt.execute()
        window_of = dict(zip(normal, counts.result(), strict=True))
        matches = found.result()
        verdicts = []
        for i, event in enumerate(events):
            c = content[i]
            snapshot = Snapshot(
                event=event,
                text=texts[i],
                extracted=c.extracted,
                cues=c.cues,
                content=c.scores,
                window=window_of.get(i, EMPTY_WINDOW),
                matches=matches[i],
                seo=seo_signals(c.extracted) if event.channel in SEO_CHANNELS else None,
            )
            verdicts.append(judge(snapshot, self.model.version, decided_at(event), self.rules))
        return verdicts
