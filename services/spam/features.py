"""Content features for spam and phishing: pure functions of one text, shared by training and
serving so the model sees exactly what it was trained on.

Two kinds:
- `tokens`: word and character n-grams of a *canonicalised* text, hashed into one feature space.
  Canonicalisation replaces what varies between campaigns by what they share: every URL becomes
  `URL` plus its shape (shortener, IP host, look-alike), every phone number `PHONE`, amounts
  `MONEY`, long digit runs `NUM`. A model then learns "a prize, a number to call, a deadline"
  rather than one operator's wording, which is what carries to other domains.
- `cue_counts`: a few dense, interpretable signals (links, calls to action, urgency, credential
  and payment lures, shouting, obfuscation) that the detector also reports as evidence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

URL_RE = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|info|biz|co|io|"
    r"ly|me|uk|xyz|top|click|link|site|online|ru|cn|tk|ml|ga|cf|gq|in)\b(?:/[^\s<>\"']*)?)",
    re.IGNORECASE,
)
PHONE_RE = re.compile(r"(?<!\w)(?:\+?\d[\d\s().-]{7,}\d)(?!\w)")
MONEY_RE = re.compile(
    r"(?:[£$€₹]\s?\d[\d,.]*|\d[\d,.]*\s?(?:usd|gbp|eur|dollars|pounds|euros|rs|inr|p/min|ppm)\b)",
    re.IGNORECASE,
)
NUM_RE = re.compile(r"\d{3,}")
WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|[A-Z]+|[£$€₹!?%]")

SHORTENERS = frozenset(
    {
        "bit.ly",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "cutt.ly",
        "rb.gy",
        "shorturl.at",
        "tiny.cc",
        "rebrand.ly",
        "t.ly",
        "s.id",
        "v.gd",
    }
)

CALL_TO_ACTION = re.compile(
    r"\b(?:click|tap|call|text|txt|reply|visit|claim|redeem|subscribe|order now|buy now|sign up|"
    r"register|download|apply now|act now|send (?:stop|yes)|follow the link|check out|dm me)\b",
    re.IGNORECASE,
)
URGENCY = re.compile(
    r"\b(?:urgent|immediately|now|today only|within \d+ ?(?:hours?|hrs?|minutes?|mins?|days?)|"
    r"expires?|expiring|last chance|final (?:notice|warning|reminder)|before midnight|"
    r"limited time|act fast|asap|suspend(?:ed)?|locked|blocked|deactivat\w+)\b",
    re.IGNORECASE,
)
PRIZE = re.compile(
    r"\b(?:won|winner|win|prize|reward|free|bonus|gift ?card|cash|lottery|jackpot|selected|"
    r"congratulations|congrats|guaranteed|voucher|offer|discount|deal|% off)\b",
    re.IGNORECASE,
)
CREDENTIAL_LURE = re.compile(
    r"\b(?:verify|confirm|update|validate|unlock|restore|re-?activate)\b.{0,40}?\b(?:account|"
    r"identity|details|password|login|log in|sign[- ]in|card|bank|kyc|pin|otp|ssn|credentials)\b"
    r"|\b(?:password|passcode|pin|otp|one[- ]time code|cvv|card number|bank details|"
    r"login details|security question|social security|kyc|k\.y\.c)\b"
    r"|\b(?:card|account|wallet|sim|number)\b.{0,30}?\b(?:blocked|bl0cked|de-?activated|"
    r"suspended|locked|on hold|limited|expired|compromised)\b",
    re.IGNORECASE,
)
PRIZE_CLAIM = re.compile(
    r"\b(?:won|winner|awarded|selected|chosen|entitled)\b.{0,80}?\b(?:call|txt|text|reply|"
    r"claim|collect|redeem|click)\b"
    r"|\b(?:claim|collect|redeem)\b.{0,40}?\b(?:prize|reward|cash|award|voucher|bonus|"
    r"cashback|payment|refund)\b",
    re.IGNORECASE,
)
PAYMENT_LURE = re.compile(
    r"\b(?:payment (?:failed|declined|pending)|unpaid|outstanding (?:balance|invoice)|refund|"
    r"tax rebate|customs fee|delivery fee|parcel|package (?:is )?(?:on hold|held)|"
    r"redelivery|overdue|billing|invoice|wire transfer|gift cards?|crypto|bitcoin)\b",
    re.IGNORECASE,
)
OBFUSCATION = re.compile(r"\b[a-z]+[0-9@$][a-z]+\b|\b(?:[a-z]\.){3,}|\b(?:[a-z] ){4,}", re.I)


def canonical_url(url: str) -> tuple[str, str]:
    """(host, shape) of a URL: shape is one of ip, shortener, lookalike, plain."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return "", "plain"
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host):
        return host, "ip"
    bare = host.removeprefix("www.")
    if bare in SHORTENERS:
        return host, "shortener"
    if lookalike_brand(bare):
        return host, "lookalike"
    return host, "plain"


BRANDS = (
    "paypal",
    "apple",
    "icloud",
    "amazon",
    "netflix",
    "microsoft",
    "office365",
    "outlook",
    "google",
    "gmail",
    "facebook",
    "instagram",
    "whatsapp",
    "dhl",
    "fedex",
    "ups",
    "usps",
    "royalmail",
    "hmrc",
    "irs",
    "chase",
    "wellsfargo",
    "bankofamerica",
    "citibank",
    "hsbc",
    "barclays",
    "santander",
    "lloyds",
    "natwest",
    "paytm",
    "sbi",
    "hdfc",
    "icici",
    "coinbase",
    "binance",
    "metamask",
    "steam",
    "ebay",
    "walmart",
    "costco",
    "linkedin",
    "dropbox",
    "docusign",
)
# Digits that stand in for letters; "1" is read both as "i" and as "l" (paypa1, 1nstagram).
_DIGIT_SWAPS = (str.maketrans("013457", "oieast"), str.maketrans("013457", "oleast"))


@lru_cache(maxsize=65_536)
def lookalike_brand(host: str) -> str | None:
    """The brand a host imitates, if it carries a brand name (or a digit-swapped spelling of one)
    without being that brand's own domain: paypa1-secure.com → paypal; paypal.com → None."""
    labels = host.split(".")
    registered = ".".join(labels[-2:]) if len(labels) >= 2 else host
    owner = registered.split(".")[0]
    for swaps in _DIGIT_SWAPS:
        flat = host.translate(swaps).replace("-", "")
        for brand in BRANDS:
            if brand in flat and owner != brand:
                return brand
    return None


def canonicalise(text: str) -> str:
    """The text with campaign-specific tokens replaced by their kind (see module docstring)."""

    def url_token(m: re.Match[str]) -> str:
        _, shape = canonical_url(m.group(0))
        return f" URL URL_{shape.upper()} "

    text = URL_RE.sub(url_token, text)
    text = MONEY_RE.sub(" MONEY ", text)
    text = PHONE_RE.sub(" PHONE ", text)
    return NUM_RE.sub(" NUM ", text)


WORD_CHARS = 1_000
CHAR_GRAM_CHARS = 240


_MARKERS = ("URL", "PHONE", "MONEY", "NUM")


def tokens(text: str) -> list[str]:
    """Word 1–2-grams (lower-cased, with an ALLCAPS marker) of the first WORD_CHARS characters
    and character 3–5-grams of the words in the first CHAR_GRAM_CHARS: one list, one hashed
    space. Character grams catch obfuscated spellings (fr33, v1agra); the opening of a message
    carries them, and n-gramming a whole page costs milliseconds in Python. Built with list
    operations rather than a generator: this is the detector's hottest loop."""
    words = WORD_RE.findall(canonicalise(text[:WORD_CHARS]))
    lowered = [w if w.startswith(_MARKERS) else w.lower() for w in words]
    out = ["w:CAPS"] * sum(
        1 for w in words if len(w) > 1 and w.isupper() and not w.startswith(_MARKERS)
    )
    out += ["w:" + w for w in lowered]
    out += [f"b:{a} {b}" for a, b in itertools.pairwise(lowered)]
    budget = CHAR_GRAM_CHARS
    for w in lowered:
        budget -= len(w) + 1
        if budget < 0:
            break
        if w.isupper():
            continue
        padded = f" {w} "
        size = len(padded)
        out += ["c:" + padded[j : j + n] for n in (3, 4, 5) for j in range(size - n + 1)]
    return out


@dataclass(frozen=True, slots=True)
class Cues:
    """Dense content signals of one text."""

    links: int
    link_shapes: tuple[str, ...]
    lookalike_brands: tuple[str, ...]
    phones: int
    money: int
    calls_to_action: int
    urgency: int
    prize: int
    credential_lure: int
    payment_lure: int
    prize_claim: int
    obfuscated_words: int
    caps_share: float
    exclamations: int
    words: int

    def as_vector(self) -> list[float]:
        """Bounded numeric form for the model (log-ish squashing keeps one feature from ruling)."""

        def sq(x: int) -> float:
            return min(x, 4) / 4.0

        return [
            sq(self.links),
            float("ip" in self.link_shapes),
            float("shortener" in self.link_shapes),
            float(bool(self.lookalike_brands)),
            sq(self.phones),
            sq(self.money),
            sq(self.calls_to_action),
            sq(self.urgency),
            sq(self.prize),
            sq(self.credential_lure),
            sq(self.payment_lure),
            sq(self.prize_claim),
            sq(self.obfuscated_words),
            self.caps_share,
            sq(self.exclamations),
        ]


CUE_NAMES = (
    "links",
    "ip_link",
    "shortener_link",
    "lookalike_link",
    "phones",
    "money",
    "calls_to_action",
    "urgency",
    "prize",
    "credential_lure",
    "payment_lure",
    "prize_claim",
    "obfuscated_words",
    "caps_share",
    "exclamations",
)


def cues(text: str) -> Cues:
    urls = URL_RE.findall(text)
    shapes = tuple(canonical_url(u)[1] for u in urls)
    brands = tuple(
        b for u in urls if (b := lookalike_brand(canonical_url(u)[0].removeprefix("www.")))
    )
    letters = [c for c in text if c.isalpha()]
    caps = sum(1 for c in letters if c.isupper()) / len(letters) if len(letters) >= 10 else 0.0
    return Cues(
        links=len(urls),
        link_shapes=shapes,
        lookalike_brands=brands,
        phones=len(PHONE_RE.findall(text)),
        money=len(MONEY_RE.findall(text)),
        calls_to_action=len(CALL_TO_ACTION.findall(text)),
        urgency=len(URGENCY.findall(text)),
        prize=len(PRIZE.findall(text)),
        credential_lure=len(CREDENTIAL_LURE.findall(text)),
        payment_lure=len(PAYMENT_LURE.findall(text)),
        prize_claim=len(PRIZE_CLAIM.findall(text)),
        obfuscated_words=len(OBFUSCATION.findall(text)),
        caps_share=caps,
        exclamations=text.count("!"),
        words=len(text.split()),
    )
