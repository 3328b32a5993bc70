"""The spam and phishing detector: one event plus what is known about its account in, one
verdict (or "cannot say") out. Pure: no I/O, no clock, no faust.

The decision is learnt: the content model (pooled over the SMS, e-mail and comment sets, the
channel known to it) scores every text, and its per-channel-group thresholds, stored with the
model, place the score on the shared scale (`ContentModel.grade`). What the data cannot teach
is added by a few rules, each one typed function in the registry `RULES`, each a measured
contribution: `make eval` reports every figure with each rule switched off, and a rule stays
only where it helps or where no labelled set covers what it does (behaviour over an account's
window, search-engine manipulation, the channels no set was written for).

Patterns and why:
- `spam` (unsolicited bulk messages, search-engine manipulation). Content, then behaviour:
  the same message, slightly varied, sent again and again in one window amplifies content that
  makes an offer; it never convicts plain prose on volume alone, because legitimate bulk
  senders (a newsletter, a support desk with macros) also repeat themselves, and mail that
  names its list counts its repeats half. On web_page, comment and ad channels, text written
  for crawlers is spam in itself. On one's own page, ad or feed, selling is marketing: content
  alone makes it suspect at most.
- `fraud.phishing`: a lure for credentials or payment, as the phishing head learnt it from
  smishing and phishing mail; the lure cues, link shapes (a look-alike of a brand's domain, a
  bare IP host, a shortener) and brand names are its tokens. Known false positives: genuine
  security notices mention the same words ("we will never ask for your password"); the model
  has a token for the negation.
- `security.spearphishing`: phishing aimed at a named person or organisation (few recipients and
  a greeting or prompt that names them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import Category, Channel, GenerationEvent, Verdict
from services.event_view import SUSPECT_AT, VIOLATION_AT, verdict_for
from services.spam.features import Cues, Extracted
from services.spam.seo import SeoSignals
from services.state.near_duplicates import Matches
from services.state.windows import WindowCounts

DETECTOR = "spam"
BURST_FROM = 4
"""Near-duplicates of the same account in one window beyond which repetition starts to count."""
BURST_FULL = 20
SEO_CHANNELS = frozenset({Channel.WEB_PAGE, Channel.COMMENT, Channel.AD})
OWN_CHANNELS = frozenset({Channel.WEB_PAGE, Channel.AD, Channel.SOCIAL_POST})
JUST_BELOW_VIOLATION = VIOLATION_AT - 0.01

GENERIC_GREETING = re.compile(
    r"^(?:dear|hi|hello)\s+(?:valued\s+)?(?:customer|user|member|client|sir|madam|friend|"
    r"account holder|subscriber|all|team|there)\b",
    re.IGNORECASE,
)
NAMED_GREETING = re.compile(r"^(?i:dear|hi|hello)\s+(?:mr\.?|ms\.?|mrs\.?|dr\.?\s+)?[A-Z][a-z]+")
TARGETING_PROMPT = re.compile(
    r"\b(?:named|called)\s+[A-Z][a-z]+|\b(?:ceo|cfo|cto|coo|finance team|payroll|hr department|"
    r"accounts payable|their boss|executive assistant)\b|\bat\s+[A-Z][A-Za-z]+\s+"
    r"(?:Inc|Corp|Ltd|LLC|GmbH|Bank|University|Hospital)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ContentScores:
    """The content model's probabilities and the same on the detectors' scale (graded by the
    thresholds of the event's channel group)."""

    unsolicited: float
    phishing: float
    spam_graded: float
    phishing_graded: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the detector reads about one event: the event, its content signals, and the
    account's state as of this event (window counts, near-duplicates)."""

    event: GenerationEvent
    text: str
    extracted: Extracted
    cues: Cues
    content: ContentScores
    window: WindowCounts
    matches: Matches
    seo: SeoSignals | None


def _either(*probabilities: float) -> float:
    """Probability that at least one of several independent pieces of evidence holds."""
    out = 1.0
    for p in probabilities:
        out *= 1.0 - min(max(p, 0.0), 1.0)
    return 1.0 - out


def promotional(c: Cues) -> float:
    """0..1: how much the text asks the reader to act on an offer."""
    return 0.25 * sum(
        (c["call_to_action"] > 0, c["prize"] > 0, c.links > 0 or c.phones > 0, c.money > 0)
    )


def burst_strength(m: Matches) -> float:
    return min(max(m.same_account - BURST_FROM, 0) / (BURST_FULL - BURST_FROM), 1.0)


# ----------------------------------------------------------------------------------------------
# Rules. Each returns its contribution to one category's score (0 when it does not apply); the
# category's score is the strongest of the model's and the rules'. A rule that caps instead of
# adding says so.


@dataclass(frozen=True)
class Rule:
    name: str
    category: Category
    apply: Callable[[Snapshot, float], float]
    """(snapshot, the score so far) → the new score."""
    why: str


def near_duplicate_burst(s: Snapshot, score: float) -> float:
    """Repetition amplifies content that makes an offer (two or more of: a call to action, a
    prize, a link or number, money); mail that names its list counts its repeats half."""
    promo = promotional(s.cues)
    if promo < 0.5:
        return score
    repeats = 0.5 if s.cues["opt_in"] else 1.0
    burst = burst_strength(s.matches) * repeats
    amplified = burst * max(score, promo) * 0.9
    if s.window.distinct_recipients >= 100 and s.matches.same_account >= 2:
        amplified = max(amplified, 0.5 * promo * repeats)
    return _either(score, amplified) if amplified > 0 else score


def own_channel_marketing(s: Snapshot, score: float) -> float:
    """Caps: selling on one's own page, ad or feed is marketing, not an unsolicited message;
    content alone makes it suspect at most (repetition or SEO, applied later, can make it
    spam)."""
    if s.event.channel in OWN_CHANNELS:
        return min(score, JUST_BELOW_VIOLATION)
    return score


def search_engine_manipulation(s: Snapshot, score: float) -> float:
    """Text written for crawlers (link density, keyword stuffing, repeated anchors, doorway
    shape) on the channels where ranking is the goal."""
    return max(score, s.seo.score) if s.seo is not None else score


JUST_BELOW_SUSPECT = SUSPECT_AT - 0.01


def mail_without_an_offer(s: Snapshot, score: float) -> float:
    """Caps: an e-mail that offers nothing, asks for no action and gives nowhere to go (no call
    to action, prize, link, number or amount) has nothing for a spammer to gain: it is not
    spam (nor does repetition make it so: the burst rule amplifies offers only). The e-mail head
    learnt from 2002 spam that a shop's newsletter to its subscribers ("early access to the
    spring collection") is spam."""
    if s.event.channel is Channel.EMAIL and promotional(s.cues) == 0.0:
        return min(score, JUST_BELOW_SUSPECT)
    return score


def phishing_is_unsolicited(s: Snapshot, score: float) -> float:
    """Caps: phishing is a kind of unsolicited message, so the phishing head alone says nothing
    of a text the unsolicited head reads as legitimate. The e-mail phishing set has no
    legitimate mail of its own era beside it, and its head reads ordinary modern mail about
    payments (an invoice from a freelancer) as phishing. Capped at suspect instead, it sent 14 %
    of our held-out legitimate mail and 1.0 % of SpamAssassin's to review and no phish on any
    held-out set or left-out source (`make eval-sources`: phishing mail, smishing); what it did
    send to review besides was spam of a channel with no spam to learn from, as phishing (all
    SpamAssassin spam left out: 0.373 -> 0.225 to review; the model card says more)."""
    if s.content.spam_graded < SUSPECT_AT:
        return min(score, JUST_BELOW_SUSPECT)
    return score


RULES: tuple[Rule, ...] = (
    Rule(
        "mail_without_an_offer",
        Category.SPAM,
        mail_without_an_offer,
        "legitimate bulk mail of today is missing from the public e-mail ham",
    ),
    Rule(
        "own_channel_marketing",
        Category.SPAM,
        own_channel_marketing,
        "no labelled set of one's own pages, ads or feeds; policy",
    ),
    Rule(
        "near_duplicate_burst",
        Category.SPAM,
        near_duplicate_burst,
        "behaviour over an account's window; no labelled streams",
    ),
    Rule(
        "search_engine_manipulation",
        Category.SPAM,
        search_engine_manipulation,
        "no labelled web pages",
    ),
    Rule(
        "phishing_is_unsolicited",
        Category.FRAUD_PHISHING,
        phishing_is_unsolicited,
        "the label hierarchy; phishing mail has no legitimate mail of its era beside it",
    ),
)
RULE_NAMES = frozenset(r.name for r in RULES)
# Removed because `make eval` showed they did not help (figures with and without, on held-out
# rows): `self_promotion` (a plug for one's channel or shop with somewhere to go, on reply
# channels: YouTube comment spam recall 0.918 with it and without; the model learnt the shape,
# and its cues are model tokens now) and `disguised_link_lure` (a look-alike or IP host in a
# text with a lure was phishing whatever the model said: no recall gained on any set, and
# legitimate marketing mail flagged 0.050 with it, 0.025 without).


def _apply(
    s: Snapshot, category: Category, score: float, rules: frozenset[str]
) -> tuple[float, list[str]]:
    fired = []
    for rule in RULES:
        if rule.category is category and rule.name in rules:
            after = rule.apply(s, score)
            if after != score:
                fired.append(rule.name)
            score = after
    return score, fired


def is_targeted(s: Snapshot) -> bool:
    """Aimed at a named person or organisation rather than a list."""
    few = len(s.event.recipients or ()) <= 3
    opening = s.text.lstrip()[:60]
    named = bool(NAMED_GREETING.match(opening)) and not GENERIC_GREETING.match(opening)
    return few and (named or bool(TARGETING_PROMPT.search(s.event.prompt)))


def judge(
    s: Snapshot, model_version: str, decided_at: datetime, rules: frozenset[str] = RULE_NAMES
) -> Verdict | None:
    """One verdict for the event, or None when there is nothing to judge (no text)."""
    if not s.text.strip():
        return None
    spam, spam_fired = _apply(s, Category.SPAM, s.content.spam_graded, rules)
    phishing, phishing_fired = _apply(s, Category.FRAUD_PHISHING, s.content.phishing_graded, rules)
    # Phishing is the graver reading of an unsolicited message: it wins when it is a violation
    # in itself, or when it is at least as likely as plain spam.
    if phishing >= VIOLATION_AT or (phishing >= SUSPECT_AT and phishing >= spam):
        category = Category.FRAUD_PHISHING
        score, fired = phishing, phishing_fired
        if phishing >= VIOLATION_AT and is_targeted(s):
            category = Category.SECURITY_SPEARPHISHING
            fired = [*fired, "named_target"]
    else:
        category = Category.SPAM
        score, fired = spam, spam_fired
    evidence: dict[str, Any] = {
        "signals": fired,
        "content_unsolicited": round(s.content.unsolicited, 3),
        "content_phishing": round(s.content.phishing, 3),
        "cues": sorted(name for name, n in s.cues.counts.items() if n),
        "near_duplicates_same_account": s.matches.same_account,
        "near_duplicate_accounts": s.matches.other_accounts,
        "similar_event_ids": list(s.matches.similar_event_ids),
        "events_in_window": s.window.events,
        "distinct_recipients_in_window": s.window.distinct_recipients,
        "link_share_in_window": round(s.window.link_share, 3),
    }
    if s.cues.lookalike_brands:
        evidence["lookalike_brands"] = sorted(set(s.cues.lookalike_brands))
    if s.seo is not None and s.seo.score >= SUSPECT_AT:
        evidence["seo"] = {
            "score": round(s.seo.score, 3),
            "links": s.seo.links,
            "top_term": s.seo.top_term,
            "top_term_share": round(s.seo.top_term_share, 3),
            "doorway_shape": s.seo.doorway_shape,
        }
    return verdict_for(s.event, DETECTOR, category, score, evidence, model_version, decided_at)
