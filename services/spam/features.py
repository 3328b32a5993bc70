"""Content features for spam and phishing: pure functions of one text, shared by training and
serving so the model sees exactly what it was trained on.

Two kinds:
- `tokens`: the model's view of a text, hashed into one feature space: lower-cased word 1–2-grams,
  character 2–5-grams within words (they catch obfuscated spellings: fr33, v1agra, paypa1), and
  one token per URL, phone number and amount naming its kind and shape (`s:URL_shortener`,
  `s:PHONE`), which is what a prize-and-number SMS shares with a link-and-login email.
  Replacing the numbers themselves by their kind was tried and lost recall at a strict false-
  positive rate (a text that is only a number became pure "NUM": see the model card).
- `cues`: a few dense, interpretable signals (links, calls to action, urgency, credential
  and payment lures, shouting, obfuscation) that the detector weighs and reports as evidence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

URL_RE = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|info|biz|co|io|"
    r"ly|me|uk|xyz|top|click|link|site|online|ru|cn|tk|ml|ga|cf|gq|in|au|ca|de|fr|nl|br|za|ng|ph|"
    r"pk|ke|us|cc|ws|live|shop|app|support|help|vip|icu|cyou|buzz)\b(?:/[^\s<>\"']*)?)",
    re.IGNORECASE,
)
PHONE_RE = re.compile(r"(?<!\w)(?:\+?\d[\d\s().-]{7,}\d)(?!\w)")
MONEY_RE = re.compile(
    r"(?:[£$€₹]\s?\d[\d,.]*|\d[\d,.]*\s?(?:usd|gbp|eur|dollars|pounds|euros|rs|inr|p/min|ppm|"
    r"btc|eth|usdt)\b)",
    re.IGNORECASE,
)
TOKEN_WORD_RE = re.compile(r"\w\w+")

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
    r"register|download|apply now|act now|act fast|hurry|send (?:stop|yes)|follow the link|"
    r"check out|dm me)\b",
    re.IGNORECASE,
)
URGENCY = re.compile(
    r"\b(?:urgent|immediately|now|today only|within \d+ ?(?:hours?|hrs?|minutes?|mins?|days?)|"
    r"expires?|expiring|last chance|final (?:notice|warning|reminder)|before midnight|"
    r"limited time|act fast|asap|suspend(?:ed)?|locked|blocked|deactivat\w+|"
    # The pressure of a payment request in someone's name: now, quietly, they cannot be asked.
    r"before \d{1,2}(?::\d\d)?\s?(?:am|pm)|end of (?:the )?day|can'?t be reached|"
    r"(?:keep|kept) (?:this|it) (?:quiet|confidential|between us))\b",
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
    # Asked for, not merely named: "your reset link will arrive" is not a lure.
    r"|\b(?:enter|send|provide|share|confirm|verify|update|submit|reply with|type|give|need)\b"
    r".{0,30}?\b(?:password|passcode|pin|otp|one[- ]time code|cvv|card number|bank details|"
    r"login details|security question|social security|kyc|k\.y\.c)\b"
    r"|\b(?:card|account|wallet|sim|number|apple ?id|password|mailbox)\b.{0,30}?\b(?:blocked|"
    r"bl0cked|de-?activated|suspended|locked|on hold|limited|expire[sd]?|expiring|compromised|"
    r"(?:due to|will) expire)\b"
    r"|\b(?:sign(?:ing)?[- ]in|log(?:ging)?[- ]in)\s+(?:at|here|via|through|using)\b",
    re.IGNORECASE,
)
PRIZE_CLAIM = re.compile(
    r"\b(?:won|winner|awarded|selected|chosen|entitled|giveaway)\b.{0,80}?\b(?:call|txt|text|reply|"
    r"claim|collect|redeem|click)\b"
    r"|\b(?:claim|collect|redeem)\b.{0,40}?\b(?:prize|reward|cash|award|voucher|bonus|"
    r"cashback|payment|refund)\b"
    r"|\b(?:prize|reward|cash|award|voucher|bonus|holiday|parcel)\b.{0,40}?\b(?:awaits?|waiting|"
    r"ready)\b.{0,20}?\b(?:collection|for you|to be claimed)\b",
    re.IGNORECASE,
)
PAYMENT_LURE = re.compile(
    r"\b(?:payment (?:failed|declined|pending)|unpaid|outstanding (?:balance|invoice)|refund|"
    r"tax rebate|customs fee|delivery fee|parcel|package (?:is )?(?:on hold|held)|"
    r"redelivery|overdue|billing|invoice|wire transfer|gift cards?|crypto|bitcoin)\b"
    # Business email compromise: move money now, to an account the reader has not used before.
    r"|\b(?:wire|transfer|send)\s+(?:the\s+)?(?:[£$€₹]\s?\d[\d,.]*|\d[\d,.]*\s?(?:btc|eth|usdt)|"
    r"funds|money|payment)\b.{0,60}?\b(?:account|wallet|below|details|today|asap)\b"
    r"|\bnew (?:bank )?account (?:details|number|below)\b",
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
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "gob", "nic"})
OFFICIAL_OWNERS = frozenset(
    {
        "icicibank",
        "hdfcbank",
        "onlinesbi",
        "sbicard",
        "paytmbank",
        "lloydsbank",
        "natwestgroup",
        "hsbcnet",
        "microsoftonline",
        "googlemail",
        "amazonaws",
        "steampowered",
        "steamcommunity",
        "dhlparcel",
    }
)
"""Brands' own registered names that are not the bare brand (icicibank.com is ICICI's)."""
# Digits that stand in for letters; "1" is read both as "i" and as "l" (paypa1, 1nstagram).
_DIGIT_SWAPS = (str.maketrans("013457", "oieast"), str.maketrans("013457", "oleast"))


@lru_cache(maxsize=65_536)
def lookalike_brand(host: str) -> str | None:
    """The brand a host imitates, if it carries a brand name (or a digit-swapped spelling of one)
    without being that brand's own domain: paypa1-secure.com → paypal; paypal.com → None."""
    labels = host.split(".")
    # The registered name: example.com, but example.co.uk (a second-level public suffix).
    suffix = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    owner = labels[-suffix] if len(labels) >= suffix else labels[0]
    if owner in OFFICIAL_OWNERS:
        return None
    for swaps in _DIGIT_SWAPS:
        flat = host.translate(swaps).replace("-", "")
        for brand in BRANDS:
            if brand in flat and owner != brand:
                return brand
    return None


WORD_CHARS = 1_000
CHAR_GRAM_CHARS = 300


def tokens(text: str) -> list[str]:
    """Word 1–2-grams of the first WORD_CHARS characters, a kind-and-shape token per URL, phone
    number and amount there, and character 2–5-grams of the words in the first CHAR_GRAM_CHARS:
    one list, one hashed space. The opening of a message carries its pitch, and n-gramming a
    whole page costs milliseconds in Python. Built with list operations rather than a
    generator: this is the detector's hottest loop."""
    head = text[:WORD_CHARS]
    words = TOKEN_WORD_RE.findall(head.lower())
    out = ["w:" + w for w in words]
    out += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    for m in URL_RE.finditer(head):
        out += ["s:URL", "s:URL_" + canonical_url(m.group(0))[1]]
    out += ["s:MONEY"] * len(MONEY_RE.findall(head))
    out += ["s:PHONE"] * len(PHONE_RE.findall(head))
    for w in text[:CHAR_GRAM_CHARS].lower().split():
        padded = f" {w} "
        size = len(padded)
        out += [padded[j : j + n] for n in (2, 3, 4, 5) for j in range(size - n + 1)]
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
