"""One micro-batch through the misrepresentation detector: cues, one vectorisation of the
prompts for both model heads, one round trip to the account windows, then the pure `judge`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import GenerationEvent, Verdict
from services.event_view import EMPTY_WINDOW, at_ms, text_of
from services.misrepresentation.cues import ask_cues, ask_of, output_cues
from services.misrepresentation.detector import (
    REVIEW_CHANNELS,
    AccountWindow,
    Snapshot,
    asks_to_write_as_other,
    judge,
)
from services.misrepresentation.model import PromptModel
from services.state.round_trip import RoundTrip
from services.state.windows import BehaviourWindows, Counted, Observation, WindowCounts

COUNTED = Counted.EVENTS | Counted.LINKS | Counted.IDENTITIES
"""What the misrepresentation detector reads of an account's windows: its events, the share
that asked to write as someone else, and the reviewer names it used."""


def observation(event: GenerationEvent, impersonating: bool) -> Observation:
    """The windows' generic shape, read for this detector: the declared identity counts only on
    review channels (reviewer names), and the per-event flag (`has_link`, a link for spam) marks
    a prompt that asked to write as someone else, so `link_share` is the impersonation share."""
    return Observation(
        event.account_id,
        event.event_id,
        at_ms(event),
        identity=event.identity if event.channel in REVIEW_CHANNELS else None,
        has_link=impersonating,
    )


def account_window(counts: WindowCounts) -> AccountWindow:
    return AccountWindow(counts.events, counts.distinct_identities, counts.link_share)


@dataclass
class MisrepresentationPipeline:
    model: PromptModel
    windows: BehaviourWindows

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
        prompts = [e.normalized.prompt if e.normalized else e.prompt for e in events]
        asks = [ask_of(p) for p in prompts]
        cue_rows = [ask_cues(a) for a in asks]
        scores = self.model.score([a.form for a in asks], cue_rows)
        # Red-team traffic is judged but never recorded in the shared state of normal traffic.
        normal = [i for i, e in enumerate(events) if not e.red_team]
        counts = self.windows.observe(
            [observation(events[i], asks_to_write_as_other(cue_rows[i])) for i in normal], rt
        )
        await rt.execute()
        window_of = dict(zip(normal, counts.result(), strict=True))
        return [
            judge(
                Snapshot(
                    event,
                    cue_rows[i],
                    output_cues(text_of(event)),
                    float(scores["human_authorship"][i]),
                    float(scores["false_identity"][i]),
                    account_window(window_of.get(i, EMPTY_WINDOW)),
                ),
                self.model.version,
                decided_at(event),
            )
            for i, event in enumerate(events)
        ]
