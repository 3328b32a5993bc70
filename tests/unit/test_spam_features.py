from __future__ import annotations

import pytest

from services.gateway.normalize import normalize_text
from services.spam.brands import link_shape, lookalike_brand
from services.spam.features import Cues, cues, extract, tokens


def cues_of(text: str) -> Cues:
    return cues(extract(normalize_text(text)))


def tokens_of(text: str, group: str = "sms") -> list[str]:
    x = extract(normalize_text(text))
    return tokens(x, cues(x), group)


@pytest.mark.parametrize(
    ("host", "shape"),
    [
        ("paypa1-secure.com", "lookalike"),
        ("netflix-billing-update.net", "lookalike"),
        ("paypal.com", "plain"),
        ("192.168.10.4", "ip"),
        ("bit.ly", "shortener"),
        ("example.org", "plain"),
    ],
)
def test_link_shapes(host: str, shape: str) -> None:
    assert link_shape(host) == shape


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("amaz0n-account-verify.com", "amazon"),
        ("secure-chase-alerts.co", "chase"),
        ("login.paypal.com.evil.ru", "paypal"),  # the brand in a subdomain of someone else's
        ("amazon.com", None),
        ("icicibank.com", None),  # the brand's own name for itself
        ("hsbc.co.uk", None),  # a second-level public suffix
        ("hsbc-secure.co.uk", "hsbc"),
        ("smile.amazon.com", None),
        ("groups.google.com", None),
        ("weather.com", None),
        # Matched by word of the host, never by substring.
        ("meetups.example.org", None),  # not UPS
        ("pineapple.com", None),  # not Apple
        ("firstpurchase.com", None),  # neither IRS nor Chase
    ],
)
def test_lookalike_brands(host: str, brand: str | None) -> None:
    assert lookalike_brand(host) == brand


def test_a_malformed_url_does_not_crash() -> None:
    assert cues_of("see http://[::1 now").links <= 1


def test_tokens_share_one_space_of_words_bigrams_shapes_cues_and_character_grams() -> None:
    toks = set(tokens_of("FREE fr33 entry: call 0906 170 1461 or bit.ly/abc for £1,000"))
    # The skeleton folds case and leetspeak: fr33 is free.
    assert {"w:free", "b:free free", "b:free entry"} <= toks
    # What varies between campaigns also gets a token for its kind and shape.
    assert {"s:PHONE", "s:MONEY", "s:URL", "s:URL_shortener"} <= toks
    assert {"c:call_to_action", "c:prize"} <= toks
    # Every token but the character grams also comes tagged with the channel group.
    assert {"sms|w:free", "sms|s:PHONE", "g:sms"} <= toks
    assert {" f", "fre", "ree "} <= toks


def test_a_text_that_is_only_a_number_has_no_kind_tokens() -> None:
    # "645" as a whole message once became a lone NUM token, which the model read as pure spam.
    # It has a shape (every text has one: short, a few digits), but no kind of thing in it.
    shape = set(extract("645").shape)
    assert not [t for t in tokens_of("645") if t.startswith("s:") and t not in shape]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi", {"s:LEN1", "s:LINES0", "s:EXCL0", "s:DIG0", "s:CAPS0"}),
        ("WIN!!! CALL 09061701461", {"s:LEN4", "s:EXCL3", "s:DIG3", "s:CAPS9"}),
        ("line one\nline two\nline three", {"s:LINES1"}),
        # Evasions do not move the shape: it is read off the matching form.
        ("f r e e  c a s h", {"s:LEN3", "s:DIG0"}),
    ],
)
def test_shape_tokens_are_log_sized_buckets(text: str, expected: set[str]) -> None:
    assert expected <= set(extract(normalize_text(text)).shape)


@pytest.mark.parametrize(
    "text",
    [
        "Free cash prize, call now",
        "FR€E ｃａѕһ prize, call now".replace("€", "E"),  # fullwidth and Cyrillic look-alikes
        "fr33 c4sh pr1z3, c4ll n0w",  # leetspeak
        "f r e e cash prize, call now",  # letter spacing
        "f*r*e*e c.a.s.h prize, c|a|l|l now",  # letters kept apart by symbols
        "F R E E   C A S H   P R I Z E ,   C A L L   N O W",  # spelt out, words run together
        "Fr€€ c@$h pr!ze, ca|l n0w",  # symbols for letters
        "FR€€ ｃａѕһ prize, call now",  # fullwidth and Cyrillic look-alikes, a euro sign
        "Fr\u200bee ca\u200dsh prize, call now",  # zero-width characters
    ],
)
def test_evasions_give_the_same_words(text: str) -> None:
    words = set(extract(normalize_text(text)).words)
    assert {"free", "cash", "prize", "call", "now"} <= words


@pytest.mark.parametrize(
    ("text", "form"),
    [
        # Punctuation stands in for a letter only between letters.
        ("free! (click here) c++ @home +44 20", "free! (click here) c++ @home +44 20"),
        ("cl!ck h€re", "click here"),
        # An opening "(" is a letter only when no ")" closes it; "+" ends a word, not a grade.
        ("get (ash now", "get cash now"),
        ("see (all of us)", "see (all of us)"),
        ("wha+ is a+ in c++", "what is a+ in c++"),
        ("50€ or €50 off", "50€ or €50 off"),  # an amount is not a word
        ("Windows® 11", "windows® 11"),
        ("København straße", "kobenhavn strasse"),
        ("u.s.a", "usa"),
        ("x j k q z", "xjkqz"),  # joined, but not split into words it does not hold
    ],
)
def test_symbol_stand_ins_and_spacing(text: str, form: str) -> None:
    from services.skeleton import skeleton

    assert skeleton(text) == form


@pytest.mark.parametrize(
    ("text", "form"),
    [
        # In a text of leetspeak, numbers that spell a word are that word...
        ("m4ke 17 4 r4ce 1ssue, 70 w1n", "make it a race issue, to win"),
        ("1 d0n'7 kn0w wh47'5 g01ng 0n, 1'm l0st", "i don't know what's going on, i'm lost"),
        ("h3lp 4nd 5upp0r7 1s h3re", "help and support is here"),  # no ordinal, no unit
        # ... words joined by a hyphen or a slash are words...
        (
            "g1ve 573p-by-57ep h3lp f0r the f13ld5/farm5",
            "give step-by-step help for the fields/farms",
        ),
        ("4 14-ye@r-0ld g1rl", "a 14-year-old girl"),
        # ... and so are words of symbols alone, and contractions: "@" a, "+0" to, "@!" ai ...
        ("d0n'+ m3nt10n @! +0 @ny0n3", "don't mention ai to anyone"),
        ("g3t 1+ d0n3, 4n a+ gr4de", "get it done, an a+ grade"),  # a+ is a grade, i+ "it"
        ("w0w ! gr34t j0b", "wow ! great job"),  # an exclamation mark set apart stays one
        # ... but amounts, times, decimals, list numbers, ordinals and codes stay.
        (
            "fr33 c4sh: £15, 15%, 4:15, 1.5, 1. 2nd 4th",
            "free cash: £15, 15%, 4:15, 1.5, 1. 2nd 4th",
        ),
        (
            "fr33 c4sh at http://x.com/?a=1&n=15 ref 8e383ed3-7ea5",
            "free cash at http://x.com/?a=1&n=15 ref 8e383ed3-7ea5",
        ),
        (
            "fr33 c4sh, b00k by 07/10/2019 or call 6465-0012tm",
            "free cash, book by 07/10/2019 or call 6465-0012tm",
        ),
        ("11 and 111 fr33 c4sh", "11 and 111 free cash"),  # numbers, not "ii" and "iii"
        # Outside leetspeak, a number is a number: one folded word is no leetspeak.
        (
            "Meet at 4 for 15 minutes, 1s delay, 2nd floor, mp3",
            "meet at 4 for 15 minutes, 1s delay, 2nd floor, mpe",
        ),
        # The price: in leetspeak, a number that spells a word is read as that word.
        ("s3nd 4 f0r 15", "send a for is"),
        # A host joined by a hyphen is still a host (the brand matcher reads it).
        ("v1s1t paypa1-secure.com n0w", "visit paypa1-secure.com now"),
        ("wh!+€ fr€€", "white free"),
    ],
)
def test_leetspeak_numbers_and_joined_words(text: str, form: str) -> None:
    from services.skeleton import skeleton

    assert skeleton(normalize_text(text)) == form


def test_defanged_links_are_links() -> None:
    c = cues_of("Verify at hxxps://paypa1-secure[.]com/login")
    assert c.links == 1
    assert c.lookalike_brands == ("paypal",)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Click here to claim your prize now!", "call_to_action"),
        ("URGENT: your account will be suspended within 24 hours", "urgency"),
        ("Please verify your account details at the link", "credential_lure"),
        ("Your parcel is on hold: pay the customs fee", "payment_lure"),
        ("You have WON a free gift card", "prize"),
        ("Your Apple ID is due to expire today", "credential_lure"),
        ("Your £2000 cash prize is waiting for collection", "prize_claim"),
        ("We will never ask for your password", "negated_lure"),
        ("Check out my channel for more covers", "plug"),
        ("v3r1fy your acc0unt details", "credential_lure"),  # through leetspeak
    ],
)
def test_cues(text: str, cue: str) -> None:
    assert cues_of(text)[cue] >= 1


def test_counts_of_links_phones_and_money() -> None:
    c = cues_of("Call +44 20 7946 0958 today: only $9.99 or 500 rs at secure-login.com.au")
    assert (c.phones, c.money, c.links) == (1, 2, 1)


def test_plain_prose_fires_no_lure_cues() -> None:
    c = cues_of("Thanks for the notes from Tuesday; I added two questions to the agenda.")
    assert c.links == 0
    assert not any(
        c[name] for name in ("credential_lure", "payment_lure", "prize", "call_to_action")
    )


def test_brands_are_named_by_word() -> None:
    assert cues_of("Your PayPal account").brands == ("paypal",)
    assert cues_of("a pineapple for the first purchase").brands == ()


def test_the_batch_counts_are_the_counts_of_the_tokens_with_another_hash() -> None:
    # `tokens` defines the feature space; `counts` hashes the same tokens for a whole batch
    # without building them. Same count profile per row in a space too wide for collisions.
    from sklearn.feature_extraction import FeatureHasher

    from services.spam.model import counts

    texts = [
        ("FREE fr33 entry: call 0906 170 1461 or bit.ly/abc for £1,000 £5", "sms"),
        ("Your PayPal account is limited, confirm at http://paypa1-secure.com/login", "email"),
        ("", "chat"),
        ("645", "sms"),
        ("check out my channel check out my channel!!! www.example.com", "comment"),
    ]
    xs = [extract(normalize_text(t)) for t, _ in texts]
    cs = [cues(x) for x in xs]
    groups = [g for _, g in texts]
    wide = 2**30
    ours = counts(xs, cs, groups, n_features=wide)
    hasher = FeatureHasher(n_features=wide, input_type="string", alternate_sign=False)
    theirs = hasher.transform(tokens(x, c, g) for x, c, g in zip(xs, cs, groups, strict=True))
    for i in range(len(texts)):
        assert sorted(ours[i].data) == sorted(theirs.tocsr()[i].data), texts[i][0]
    # The same text read on two channels shares its untagged tokens and nothing else.
    both = counts([xs[0], xs[0]], [cs[0], cs[0]], ["sms", "email"], n_features=wide)
    untagged = {t for t in tokens(xs[0], cs[0], "sms") if not t.startswith(("sms|", "g:"))}
    assert len(set(both[0].indices) & set(both[1].indices)) == len(untagged)
    assert both[0].nnz == both[1].nnz


@pytest.mark.parametrize(
    "text",
    [
        "CLICK HTTPS://WWW.EXAMPLE.COM/LOGIN and WIN $500 or 200 USD",
        "Ｆｒｅｅ ＭＯＮＥＹ at ЕХАМРLЕ.СОМ",  # full-width and Cyrillic capitals
        "ǅungla İstanbul ẞtraße K℃ ΣΑΣ",  # title case, dotted I, capital sharp s, Greek
        "V1AGRA H X X P S://BIT[.]LY/X F R E E",
    ],
)
def test_the_matching_form_has_no_capitals_so_patterns_need_not_fold_case(text: str) -> None:
    """URL_RE, MONEY_RE and seo.ANCHOR_RE read the skeleton without IGNORECASE (it only slowed
    them); a capital left in the skeleton would hide a link or an amount."""
    form = extract(normalize_text(text)).skeleton
    assert form == form.lower()
    assert not any(c.isupper() for c in form)


def test_links_and_amounts_written_in_capitals_are_found() -> None:
    x = extract(
        normalize_text("CLICK HTTPS://WWW.EXAMPLE.COM/LOGIN or PAYPAL.COM, WIN $500 OR 200 USD")
    )
    assert [link.host for link in x.links] == ["example.com", "paypal.com"]
    assert x.money == 2
