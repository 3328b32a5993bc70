from __future__ import annotations

import pytest

from services.spam.features import (
    CUE_NAMES,
    canonical_url,
    canonicalise,
    cues,
    lookalike_brand,
    tokens,
)


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("https://paypa1-secure.com/login", "lookalike"),
        ("http://netflix-billing-update.net", "lookalike"),
        ("https://www.paypal.com/signin", "plain"),
        ("http://192.168.10.4/verify", "ip"),
        ("bit.ly/x7Yz", "shortener"),
        ("https://example.org/docs", "plain"),
        ("http://[::1", "plain"),  # malformed: no crash
    ],
)
def test_url_shapes(url: str, shape: str) -> None:
    assert canonical_url(url)[1] == shape


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("amaz0n-account-verify.com", "amazon"),
        ("secure-chase-alerts.co", "chase"),
        ("amazon.com", None),
        ("smile.amazon.com", None),
        ("weather.com", None),
    ],
)
def test_lookalike_brands(host: str, brand: str | None) -> None:
    assert lookalike_brand(host) == brand


def test_canonicalise_replaces_what_varies_between_campaigns() -> None:
    text = "Call 0906 170 1461 or visit bit.ly/abc to claim £1,000 ref 883920"
    assert canonicalise(text).split() == [
        "Call",
        "PHONE",
        "or",
        "visit",
        "URL",
        "URL_SHORTENER",
        "to",
        "claim",
        "MONEY",
        "ref",
        "NUM",
    ]


def test_tokens_share_one_space_of_words_bigrams_and_character_grams() -> None:
    toks = list(tokens("FREE fr33 entry"))
    assert "w:CAPS" in toks
    assert "w:free" in toks
    # "fr33" loses its digits to the word pattern; the bigrams follow the words that remain.
    assert {"b:free fr", "b:fr entry"} <= set(toks)
    assert " fr" in {t[2:] for t in toks if t.startswith("c:")}


@pytest.mark.parametrize(
    ("text", "field", "minimum"),
    [
        ("Click here to claim your prize now!", "calls_to_action", 1),
        ("URGENT: your account will be suspended within 24 hours", "urgency", 2),
        ("Please verify your account details at the link", "credential_lure", 1),
        ("Your parcel is on hold: pay the customs fee", "payment_lure", 1),
        ("You have WON a free gift card", "prize", 2),
        ("Call +44 20 7946 0958 today", "phones", 1),
        ("Only $9.99 or 500 rs", "money", 2),
        ("v1agra and c@sh deals", "obfuscated_words", 2),
    ],
)
def test_cues(text: str, field: str, minimum: int) -> None:
    assert getattr(cues(text), field) >= minimum


def test_plain_prose_fires_no_lure_cues() -> None:
    c = cues("Thanks for the notes from Tuesday; I added two questions to the agenda.")
    assert (c.links, c.credential_lure, c.payment_lure, c.prize, c.calls_to_action) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert len(c.as_vector()) == len(CUE_NAMES)
