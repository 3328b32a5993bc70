from __future__ import annotations

import pytest

from services.spam.features import (
    canonical_url,
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
        ("icicibank.com", None),  # the brand's own name for itself
        ("hsbc.co.uk", None),  # a second-level public suffix
        ("hsbc-secure.co.uk", "hsbc"),
        ("smile.amazon.com", None),
        ("weather.com", None),
    ],
)
def test_lookalike_brands(host: str, brand: str | None) -> None:
    assert lookalike_brand(host) == brand


def test_tokens_share_one_space_of_words_bigrams_shapes_and_character_grams() -> None:
    toks = tokens("FREE fr33 entry: call 0906 170 1461 or bit.ly/abc for £1,000")
    assert {"w:free", "w:fr33", "b:free fr33", "b:fr33 entry"} <= set(toks)
    # What varies between campaigns also gets a token for its kind and shape.
    assert {"s:PHONE", "s:MONEY", "s:URL", "s:URL_shortener"} <= set(toks)
    # In-word character grams see through digit-for-letter spellings.
    assert {" f", "fr3", "r33 "} <= set(toks)


def test_a_text_that_is_only_a_number_has_no_kind_tokens() -> None:
    # "645" as a whole message once became a lone NUM token, which the model read as pure spam.
    assert not [t for t in tokens("645") if t.startswith("s:")]


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
        ("Your Apple ID is due to expire today", "credential_lure", 1),
        ("Your £2000 cash prize is waiting for collection", "prize_claim", 1),
        ("confirm your details at secure-login.com.au now", "links", 1),
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
