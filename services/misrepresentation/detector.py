"""The misrepresentation decision for one event. Pure: everything it needs is in the Snapshot.

Two readings, the graver one becomes the verdict:

- `misrepresentation.human_authorship`: the prompt asks to pass the output off as human-written
  (hide the AI origin, beat a detector, sound like the user wrote it, add human typos, make
  readers believe a person wrote it) and the output goes to people who are not told it is AI
  (a human-facing channel without `ai_disclosure`); or the prompt tells the model to claim to be a
  person, or the output itself claims to be a human (that deceives whoever reads it, chat
  included).
- `misrepresentation.false_identity`: the prompt asks to write as someone else (a named person,
  an official, a brand, a handle), as an invented customer or guest, or as many invented
  reviewers; the account's recent review-channel traffic under many names adds to it.

The trained prompt model carries phrasings the cues miss, but on its own (no cue) it can only
make an event suspect: it learned from a small self-made set. Counter-cues (disclosure, edit
only, soliciting honest reviews, a brand speaking as itself) pull the score down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import Category, Channel, GenerationEvent, Verdict
from services.event_view import SUSPECT_AT, verdict_for
from services.misrepresentation.cues import OutputCues, PromptCues

DETECTOR = "misrepresentation"

HUMAN_FACING = frozenset(
    {
        Channel.EMAIL,
        Channel.SMS,
        Channel.SOCIAL_POST,
        Channel.COMMENT,
        Channel.REVIEW,
        Channel.WEB_PAGE,
        Channel.AD,
    }
)
"""Published or sent: read by people who did not ask an AI. Chat output goes to the asker."""
REVIEW_CHANNELS = frozenset({Channel.REVIEW, Channel.COMMENT})

MODEL_ONLY_CAP_HUMAN = 0.7
MODEL_ONLY_CAP_IDENTITY = 0.65
"""Without a cue the prompt model alone may make an event suspect, never a violation."""
CUE_FLOOR = 0.9
"""An explicit ask (a cue) is evidence a person can read: it scores at least this."""
OFF_CHANNEL = 0.65
"""Chat and other channels: the asker may pass the text on, but nobody is deceived yet."""
DISCLOSED = 0.3
"""The app tells its audience the text is AI-generated: passing off is hardly possible."""
MANY_REVIEWERS = 5
"""Distinct declared identities on review channels in the window from which names count."""


@dataclass(frozen=True, slots=True)
class AccountWindow:
    """The account's recent traffic (event time): events, distinct names it declared on review
    channels, and the share of its prompts that asked to write as someone else."""

    events: int
    review_identities: int
    impersonation_share: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    event: GenerationEvent
    prompt: PromptCues
    output: OutputCues
    human_model: float
    identity_model: float
    window: AccountWindow


def asks_to_write_as_other(c: PromptCues) -> bool:
    return c.write_as_other or c.review_as_customer or c.invented_people


def human_authorship_score(s: Snapshot) -> tuple[float, list[str]]:
    c, e = s.prompt, s.event
    fired: list[str] = []
    intent = [
        name
        for name, on in (
            ("conceal_ai", c.conceal_ai),
            ("evade_detection", c.evade_detection),
            ("pass_as_own", c.pass_as_own),
            ("human_touch", c.human_touch),
            ("believe_human", c.believe_human),
        )
        if on
    ]
    passing_off = s.human_model
    if intent:
        passing_off = max(passing_off, CUE_FLOOR)
        fired += intent
    elif passing_off >= SUSPECT_AT:
        passing_off = min(passing_off, MODEL_ONLY_CAP_HUMAN)
        fired.append("prompt_model")
    if c.discloses_ai:
        passing_off *= DISCLOSED
    if c.edit_only and not intent:
        passing_off *= 0.5
    # Passing off needs an audience that is not told: a published or sent channel.
    if e.channel not in HUMAN_FACING:
        passing_off *= OFF_CHANNEL
    # Claiming to be a person deceives whoever reads it, the chat user included.
    claim = 0.0
    if c.pretend_human and not c.discloses_ai:
        claim = 0.92
        fired.append("pretend_human")
    if s.output.claims_human:
        claim = max(claim, 0.85 if e.channel in HUMAN_FACING else 0.75)
        fired.append("output_claims_human")
    score = max(passing_off, claim)
    if e.ai_disclosure is True:
        score *= DISCLOSED
        fired.append("ai_disclosed")
    elif e.channel in HUMAN_FACING and score >= SUSPECT_AT:
        fired.append("no_ai_disclosure")
    return score, fired


def false_identity_score(s: Snapshot) -> tuple[float, list[str]]:
    c, e, w = s.prompt, s.event, s.window
    fired: list[str] = []
    cues = [
        name
        for name, on in (
            ("write_as_other", c.write_as_other),
            ("review_as_customer", c.review_as_customer),
            ("invented_people", c.invented_people),
        )
        if on
    ]
    score = s.identity_model
    if cues:
        score = max(score, CUE_FLOOR - 0.02)
        fired += cues
    elif score >= SUSPECT_AT:
        score = min(score, MODEL_ONLY_CAP_IDENTITY)
        fired.append("prompt_model")
    own_words = not cues and (c.solicits_reviews or c.edit_only or c.own_voice or c.own_experience)
    if own_words:
        score *= 0.4  # real customers asked, editing, a brand as itself, the author's own stay
    if c.discloses_ai:
        score *= 0.7
    if e.channel not in HUMAN_FACING:
        # In chat, writing as someone else is mostly play with the asker (who knows); asking for
        # customer reviews or invented reviewers there still prepares publishing them.
        role_play_only = cues == ["write_as_other"]
        score *= 0.45 if role_play_only else 0.75
    if e.identity and len(e.identity) >= 3 and cues and e.identity.lower() in e.prompt.lower():
        fired.append("identity_is_the_impersonated")
        score = min(1.0, score + 0.05)
    # Many reviewer names from one account count, unless each generation is for a distinct end
    # user of the app (a review-writing assistant serving its users) or tells the author's own
    # experience.
    if (
        e.channel in REVIEW_CHANNELS
        and w.review_identities >= MANY_REVIEWERS
        and e.end_user_id is None
        and not own_words
    ):
        fired.append("many_reviewer_names")
        from_names = min(0.75, 0.55 + 0.02 * (w.review_identities - MANY_REVIEWERS))
        if score >= SUSPECT_AT or s.output.first_hand:
            score = min(1.0, max(score, from_names) + 0.1)
        else:
            score = max(score, from_names)
    if e.channel in REVIEW_CHANNELS and s.output.first_hand and score >= SUSPECT_AT:
        fired.append("first_hand_claims")
    if w.events >= MANY_REVIEWERS and w.impersonation_share >= 0.5 and score >= SUSPECT_AT:
        fired.append("habitual_impersonation")
        score = min(1.0, score + 0.05)
    return score, fired


def judge(s: Snapshot, model_version: str, decided_at: datetime) -> Verdict:
    human, human_fired = human_authorship_score(s)
    identity, identity_fired = false_identity_score(s)
    if identity > human:
        category, score, fired = Category.FALSE_IDENTITY, identity, identity_fired
    else:
        category, score, fired = Category.HUMAN_AUTHORSHIP, human, human_fired
    evidence: dict[str, Any] = {
        "signals": fired,
        "prompt_model_human_authorship": round(s.human_model, 3),
        "prompt_model_false_identity": round(s.identity_model, 3),
        "channel": s.event.channel.value,
        "ai_disclosure": s.event.ai_disclosure,
        "events_in_window": s.window.events,
        "review_identities_in_window": s.window.review_identities,
        "impersonation_share_in_window": round(s.window.impersonation_share, 3),
    }
    if s.event.identity:
        evidence["identity"] = s.event.identity
    return verdict_for(s.event, DETECTOR, category, score, evidence, model_version, decided_at)
