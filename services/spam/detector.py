"""The spam and phishing detector: one event plus what is known about its account in, one
verdict (or "cannot say") out. Pure: no I/O, no clock, no faust.

Patterns and why:
- `spam` (unsolicited bulk messages, search-engine manipulation). Rarely visible in one text:
  the content model's score is raised by the account's behaviour, chiefly the same message,
  slightly varied, sent again and again in one window. Behaviour only amplifies content that
  makes an offer; it never convicts plain prose on volume alone, because legitimate bulk
  senders (a newsletter, a support desk with macros) also repeat themselves, and mail that
  names its list counts its repeats half. On web_page, comment and ad channels, text
  written for crawlers (link density, keyword stuffing, repeated anchors, doorway shape) is
  spam in itself. In comments and reviews, under someone else's post, self-promotion is
  (`self_promotion`); on one's own page, ad or feed, selling is marketing, suspect at most on
  content alone.
- `fraud.phishing`: a lure for credentials or payment (including the "you have won, call or
  text to claim" prize scam, which the SMS sets label smishing), with urgency, a disguised link
  (look-alike brand domain, bare IP host, shortener) or an impersonated brand, plus the model's
  phishing score. Known false positives: genuine security notices ("we will never ask for your
  password") mention the same words; negated lures are not counted.
- `security.spearphishing`: phishing aimed at a named person or organisation (few recipients and
  a greeting or prompt that names them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import Category, Channel, GenerationEvent, Verdict
from services.event_view import SUSPECT_AT, VIOLATION_AT, verdict_for
from services.spam.features import BRANDS, Cues
from services.spam.seo import SeoSignals
from services.state.near_duplicates import Matches
from services.state.windows import WindowCounts

DETECTOR = "spam"
BURST_FROM = 4
"""Near-duplicates of the same account in one window beyond which repetition starts to count."""
BURST_FULL = 20
SEO_CHANNELS = frozenset({Channel.WEB_PAGE, Channel.COMMENT, Channel.AD})

NEGATED_LURE = re.compile(
    r"\b(?:never|will not|won't|do not|don't)\s+(?:\w+\s+){0,3}?(?:ask|share|send|give|"
    r"disclose|request)\b",
    re.IGNORECASE,
)
ASKS_TO_SEND = re.compile(
    r"\b(?:send|provide|share|forward|give)\b(?:\s+(?:me|us))?\s+(?:your|the)\b.{0,40}?\b(?:bank|"
    r"account|card|password|pin|details|ssn|date of birth|full name|address|wallet)\b"
    r"|\b(?:account|wallet)(?: details| number)?\s+(?:below|attached)\b",
    re.IGNORECASE,
)
"""The lure's way back: the message asks the reader to send what it is after, or gives the
account to pay into."""
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
    unsolicited: float
    phishing: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the detector reads about one event: the event, its content signals, and the
    account's state as of this event (window counts, near-duplicates)."""

    event: GenerationEvent
    text: str
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
        (
            c.calls_to_action > 0,
            c.prize > 0,
            c.links > 0 or c.phones > 0,
            c.money > 0,
        )
    )


OPT_IN = re.compile(
    r"\b(?:unsubscribe|manage (?:your )?(?:email )?preferences|"
    r"you(?:'re| are) receiving this because|you signed up|you subscribed|subscribers?\b)",
    re.IGNORECASE,
)
"""The list notice of legitimate bulk mail. Spammers copy it too, so it only halves what
repetition adds and never clears the content ("reply STOP to opt out" is not one: every
marketing text, wanted or not, carries it)."""


def burst_strength(m: Matches) -> float:
    return min(max(m.same_account - BURST_FROM, 0) / (BURST_FULL - BURST_FROM), 1.0)


TRUSTED_CHANNELS = frozenset({Channel.SMS})
"""The content model learnt from SMS, and on SMS its score is trusted as it is. Mail, posts,
reviews and pages are other domains, where ordinary business prose about orders, deliveries
and early access reads like SMS spam to it; there its score counts only as far as the text
also pushes an offer (calls to action, prizes, links or numbers, money)."""


TRANSACTIONAL = re.compile(
    r"\b(?:your|a|the)(?: [\w-]+){0,2} (?:order|payment|purchase|charge|transaction|card|"
    r"account|appointment|booking|reservation|table|code|package|parcel|delivery|subscription|"
    r"password|statement|invoice|bill|prescription|flight)\b"
    r"(?:[^.!?]|\.\d){0,60}"
    r"\b(?:was|were|is|has been|have been|will be|approved|declined|shipped|confirmed|delivered|"
    r"changed|due|ready|expires?|scheduled|cancell?ed|delayed)\b"
    r"|\bis your (?:[\w-]+ ){0,2}(?:code|pin|password)\b",
    re.IGNORECASE,
)
"""A notice to the owner of an account about their own business with the sender (a payment
approved, an order shipped, a code): transactional, not unsolicited, unless it also sells."""


OWN_CHANNELS = frozenset({Channel.WEB_PAGE, Channel.AD, Channel.SOCIAL_POST})
OWN_CHANNEL_WEIGHT = 0.6
REPLY_CHANNELS = frozenset({Channel.COMMENT, Channel.REVIEW})
"""Where a message answers someone else's post or product: a plug for one's own business is
off-topic there (on one's own posts and pages it is ordinary marketing)."""
PLUG = re.compile(
    r"\b(?:check(?: out)?|visit|see|watch|listen to|give|follow|join|support)\b[^.!?]{0,12}?"
    r"\b(?:my|our)\b[^.!?]{0,20}?\b(?:channel|page|site|website|profile|store|shop|blog|group|"
    r"video|videos|song|songs|music|cover|covers|mixtape|album|track|playlist|stream|podcast|art|"
    r"account|telegram|instagram|insta|youtube|tiktok|twitch|link|bio)\b"
    r"|\bsubscribe to (?:me|my|our)\b|\b(?:sub4sub|sub 4 sub|f4f|l4l)\b"
    r"|\b(?:subscribe|follow|sub) (?:me )?(?:back|for (?:a )?(?:sub|follow))\b"
    r"|\b(?:like|share)(?: and (?:like|share|subscribe))? (?:my|our) "
    r"(?:video|post|page|channel|song)"
    r"|\blink in (?:my )?(?:bio|profile|channel)\b"
    r"|\buse (?:my )?(?:promo )?code\s+\w+"
    r"|\b(?:promo|coupon|discount|referral) code\s+[A-Z0-9]{3,}",
    re.IGNORECASE,
)
"""Comment spam's shape: the reader is sent to the writer's channel, music, shop or code."""
CONTACT = re.compile(r"\b(?:dm|message|text|contact|whatsapp|inbox|hit) (?:me|us)\b", re.IGNORECASE)
"""An invitation to talk elsewhere: helpful as often as not ("DM me for my notes"), so it counts
only with money in it or a handle or number to go to."""
EARNINGS = re.compile(
    r"\b(?:earn\w*|make|making|made|(?:pull|bring)(?:ing)? in|pulled in|brought in|profit\w*)"
    r"\s+\$?\d[\d,.]*k?\s*(?:(?:/|a|per|last|this|every)\s*)?"
    r"(?:day|daily|week|weekly|hour|month|monthly)\b|\bwork(?:ing)? from home\b",
    re.IGNORECASE,
)
SELLING = re.compile(
    r"\b(?:i|we) (?:sell|offer|ship)\b|\bhalf (?:the )?price\b|\bwholesale\b",
    re.IGNORECASE,
)
HANDLE = re.compile(
    r"(?<![\w.])@\w{3,}|\b(?:on|via) (?:instagram|insta|whatsapp|telegram|snapchat|tiktok|kik)\b"
    r"|\blink in (?:my )?(?:bio|profile)\b",
    re.IGNORECASE,
)


def self_promotion(s: Snapshot) -> float:
    """0..1 on reply channels, where a message answers someone else's post or product: a plug
    for one's own channel, music, shop or code, a money-making pitch, or an offer with a link.
    With somewhere to go (a link, a number, a handle) or something to gain it is spam; a bare
    plug is worth a look."""
    if s.event.channel not in REPLY_CHANNELS:
        return 0.0
    c = s.cues
    somewhere = c.links > 0 or c.phones > 0 or bool(HANDLE.search(s.text))
    offer = c.money > 0 or c.prize > 0 or bool(SELLING.search(s.text))
    earnings = bool(EARNINGS.search(s.text))
    if PLUG.search(s.text) or earnings:
        return 0.85 if somewhere or (offer and not earnings) else 0.65
    if CONTACT.search(s.text) and (offer or earnings or somewhere):
        return 0.85 if somewhere and (offer or earnings) else 0.65
    if c.links and offer:
        # "free gift cards here --> <link>": an offer to follow, under a stranger's post.
        return 0.85 if c.calls_to_action else 0.65
    if "shortener" in c.link_shapes and c.calls_to_action:
        return 0.65
    return 0.0


def content_evidence(s: Snapshot) -> float:
    if s.event.channel in TRUSTED_CHANNELS:
        # The SMS model learnt that money and "call now" mean spam; an account notice has both.
        # It sells nothing: no prize, no link to follow.
        if TRANSACTIONAL.search(s.text) and not s.cues.prize and not s.cues.links:
            return s.content.unsolicited * 0.6
        return s.content.unsolicited
    offer = s.content.unsolicited * (0.15 + 0.85 * promotional(s.cues))
    # On one's own page, ad or feed, selling is ordinary marketing, not an unsolicited message:
    # there content alone can make it suspect at most; repetition or search-engine manipulation
    # is what makes it spam.
    return offer * OWN_CHANNEL_WEIGHT if s.event.channel in OWN_CHANNELS else offer


def spam_score(s: Snapshot) -> tuple[float, list[str]]:
    fired = []
    content = content_evidence(s)
    if content >= SUSPECT_AT:
        fired.append("spam_content")
    promo = promotional(s.cues)
    # Repetition amplifies content that makes an offer (two or more of: a call to action, a
    # prize, a link or number, money); it does not make plain prose spam. Mail that names the
    # list its reader joined is a mailing list doing what mailing lists do: its repeats count
    # half.
    repeats = (0.5 if OPT_IN.search(s.text) else 1.0) if promo >= 0.5 else 0.0
    burst = burst_strength(s.matches) * repeats
    if burst > 0:
        fired.append("near_duplicate_burst")
    amplified = burst * max(content, promo) * 0.9
    if repeats and s.window.distinct_recipients >= 100 and s.matches.same_account >= 2:
        fired.append("bulk_recipients")
        amplified = max(amplified, 0.5 * promo * repeats)
    score = _either(content, amplified)
    plug = self_promotion(s)
    if plug:
        fired.append("self_promotion")
        score = max(score, plug)
    if s.seo is not None:
        seo = s.seo.score
        if seo >= SUSPECT_AT:
            fired.append("search_engine_manipulation")
        score = max(score, seo)
    return score, fired


def phishing_score(s: Snapshot) -> tuple[float, list[str]]:
    c = s.cues
    fired = []
    negated = bool(NEGATED_LURE.search(s.text))
    lure = (c.credential_lure > 0 or c.payment_lure > 0) and not negated
    if lure:
        fired.append("credential_or_payment_lure")
    prize_claim = c.prize_claim > 0 and (c.phones > 0 or c.links > 0 or c.calls_to_action > 0)
    if prize_claim:
        fired.append("prize_claim")
        lure = True
    shapes = set(c.link_shapes)
    url_risk = (
        1.0
        if c.lookalike_brands
        else 0.8
        if "ip" in shapes
        else 0.4
        if ("shortener" in shapes)
        else 0.0
    )
    if url_risk:
        fired.append("disguised_link")
    lowered = s.text.lower()
    brand = any(b in lowered for b in BRANDS)
    impersonation = brand and (lure or url_risk > 0)
    if impersonation:
        fired.append("brand_impersonation")
    urgency = c.urgency > 0
    if urgency and (lure or url_risk):
        fired.append("urgency")
    cues = 0.4 * lure + 0.35 * url_risk + 0.15 * impersonation + 0.1 * (urgency and lure)
    # The phishing head learnt the SMS sets' labels, where premium-rate prize draws ("call
    # 0906… from a landline to collect") count as smishing: a lure for money. On SMS, its
    # domain, it counts in full for a message that gives somewhere to go. Elsewhere (mail, pages)
    # the model alone, without a lure or a disguised link, cannot make a message more than
    # suspect.
    reachable = (
        c.links > 0 or c.phones > 0 or "reply" in lowered or bool(ASKS_TO_SEND.search(s.text))
    )
    trusted = s.event.channel in TRUSTED_CHANNELS and reachable
    has_cue = lure or url_risk > 0 or trusted
    model = s.content.phishing * (1.0 if has_cue else 0.5) * (0.5 if negated else 1.0)
    if model >= SUSPECT_AT:
        fired.append("phishing_content")
    # A lure with nowhere to go (no link, no number, no "reply with", no "send us your …") is
    # rarely phishing.
    score = _either(model, cues if reachable else cues * 0.5)
    return score, fired


def is_targeted(s: Snapshot) -> bool:
    """Aimed at a named person or organisation rather than a list."""
    few = len(s.event.recipients or ()) <= 3
    opening = s.text.lstrip()[:60]
    named = bool(NAMED_GREETING.match(opening)) and not GENERIC_GREETING.match(opening)
    return few and (named or bool(TARGETING_PROMPT.search(s.event.prompt)))


def judge(s: Snapshot, model_version: str, decided_at: datetime) -> Verdict | None:
    """One verdict for the event, or None when there is nothing to judge (no text)."""
    if not s.text.strip():
        return None
    spam, spam_fired = spam_score(s)
    phishing, phishing_fired = phishing_score(s)
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
        "near_duplicates_same_account": s.matches.same_account,
        "near_duplicate_accounts": s.matches.other_accounts,
        "similar_event_ids": list(s.matches.similar_event_ids),
        "events_in_window": s.window.events,
        "events_in_window_api_key": s.window.key_events,
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
