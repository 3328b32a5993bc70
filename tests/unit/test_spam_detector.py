"""The detector's rules, table-driven: the model's graded scores are set by hand, everything else
(normalisation, extraction, cues, SEO signals) is what production computes."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.events import Category, Channel, Label
from services.gateway.normalize import normalize_text
from services.spam.detector import (
    DETECTOR,
    RULE_NAMES,
    RULES,
    SEO_CHANNELS,
    ContentScores,
    Snapshot,
    judge,
)
from services.spam.features import cues, extract
from services.spam.seo import seo_signals
from services.state.near_duplicates import NO_MATCHES, Matches
from services.state.windows import WindowCounts
from tests.factories import T0, event

ONE = WindowCounts(events=1, link_events=0, distinct_recipients=1)


def snapshot(
    text: str,
    *,
    channel: Channel = Channel.SMS,
    spam: float = 0.05,
    phishing: float = 0.01,
    window: WindowCounts = ONE,
    matches: Matches = NO_MATCHES,
    **overrides: Any,
) -> Snapshot:
    text = normalize_text(text)
    e = event(channel=channel.value, generation=text, **overrides)
    x = extract(text)
    return Snapshot(
        event=e,
        text=text,
        extracted=x,
        cues=cues(x),
        content=ContentScores(spam, phishing, spam, phishing),
        window=window,
        matches=matches,
        seo=seo_signals(x) if channel in SEO_CHANNELS else None,
    )


def burst(n: int) -> Matches:
    return Matches(
        same_account=n,
        other_accounts=0,
        other_events=0,
        similar_event_ids=tuple(f"e{i}" for i in range(min(n, 5))),
    )


OFFER = "WINNER! You won a £500 gift card. Txt CLAIM to 80082 now to collect. T&Cs apply"
LURE = (
    "Your PayPal account is limited. Verify your account details within 24 "
    "hours at https://paypa1-secure.com/login or it will be suspended."
)


def verdict(s: Snapshot, rules: frozenset[str] = RULE_NAMES) -> Any:
    v = judge(s, "m", T0, rules)
    assert v is not None
    assert v.detector == DETECTOR
    return v


@pytest.mark.parametrize(
    ("spam", "phishing", "category", "label"),
    [
        (0.05, 0.01, Category.SPAM, Label.CLEAN),
        (0.6, 0.1, Category.SPAM, Label.SUSPECT),
        (0.9, 0.1, Category.SPAM, Label.VIOLATION),
        (0.9, 0.85, Category.FRAUD_PHISHING, Label.VIOLATION),  # the graver reading wins
        (0.6, 0.6, Category.FRAUD_PHISHING, Label.SUSPECT),
        # Phishing is unsolicited: the phishing head alone says nothing.
        (0.3, 0.95, Category.SPAM, Label.CLEAN),
        (0.5, 0.95, Category.FRAUD_PHISHING, Label.VIOLATION),
    ],
)
def test_the_models_graded_scores_decide(
    spam: float, phishing: float, category: Category, label: Label
) -> None:
    v = verdict(snapshot("Hello there, see you at seven", spam=spam, phishing=phishing))
    assert (v.category, v.label) == (category, label)


def test_phishing_aimed_at_a_named_person_is_spearphishing() -> None:
    v = verdict(
        snapshot(
            "Dear Maria, " + LURE, channel=Channel.EMAIL, spam=0.6, phishing=0.9, recipients=["r1"]
        )
    )
    assert v.category == Category.SECURITY_SPEARPHISHING
    assert "named_target" in v.evidence["signals"]


def test_the_same_lure_to_a_list_is_phishing_not_spearphishing() -> None:
    v = verdict(
        snapshot(
            "Dear Maria, " + LURE,
            channel=Channel.EMAIL,
            spam=0.6,
            phishing=0.9,
            recipients=[f"r{i}" for i in range(50)],
        )
    )
    assert v.category == Category.FRAUD_PHISHING


def test_repetition_amplifies_an_offer() -> None:
    alone = verdict(snapshot(OFFER, spam=0.6))
    repeated = verdict(snapshot(OFFER, spam=0.6, matches=burst(40)))
    assert alone.label == Label.SUSPECT
    assert repeated.label == Label.VIOLATION
    assert "near_duplicate_burst" in repeated.evidence["signals"]


def test_repetition_never_convicts_plain_prose() -> None:
    text = "Thanks for your patience: your order is in transit and the tracking page has each step."
    v = verdict(snapshot(text, spam=0.3, matches=burst(60)))
    assert v.label == Label.CLEAN


def test_a_list_notice_halves_what_repetition_adds() -> None:
    listed = OFFER + " You get this because you subscribed; unsubscribe any time."
    full = verdict(snapshot(OFFER, spam=0.3, matches=burst(12)))
    half = verdict(snapshot(listed, spam=0.3, matches=burst(12)))
    assert half.score < full.score


def test_mail_that_offers_nothing_is_not_spam_on_content_alone() -> None:
    newsletter = (
        "This month we tested the new trail shoes on three long weekends. Subscribers get early "
        "access to the spring collection. You are receiving this because you signed up."
    )
    assert verdict(snapshot(newsletter, channel=Channel.EMAIL, spam=0.95)).label == Label.CLEAN
    selling = newsletter + " Order now at https://outdoor.example/spring for $20 off."
    assert verdict(snapshot(selling, channel=Channel.EMAIL, spam=0.95)).label == Label.VIOLATION
    # Only mail: a comment or an SMS is judged by the model as it is.
    assert verdict(snapshot(newsletter, channel=Channel.SMS, spam=0.95)).label == Label.VIOLATION


@pytest.mark.parametrize("channel", [Channel.WEB_PAGE, Channel.AD, Channel.SOCIAL_POST])
def test_marketing_on_ones_own_page_ad_or_feed_is_not_spam_on_content_alone(
    channel: Channel,
) -> None:
    text = (
        "Family dentistry in Leeds: check-ups, whitening and emergency appointments. Call us on "
        "0113 496 0321 or book online. New patients get 15% off their first visit."
    )
    assert verdict(snapshot(text, channel=channel, spam=0.95)).label == Label.SUSPECT
    repeated = verdict(snapshot(text, channel=channel, spam=0.95, matches=burst(40)))
    assert repeated.label == Label.VIOLATION  # the same pitch posted again and again is spam


def test_search_engine_manipulation_counts_on_pages_only() -> None:
    page = "\n".join(
        f"[cheap payday loans](https://loans-{i}.example.biz/apply) cheap payday loans "
        "best cheap payday loans online fast cheap payday loans"
        for i in range(20)
    )
    on_page = verdict(snapshot(page, channel=Channel.WEB_PAGE))
    assert on_page.label == Label.VIOLATION
    assert "search_engine_manipulation" in on_page.evidence["signals"]
    assert verdict(snapshot(page, channel=Channel.EMAIL)).label == Label.CLEAN


def test_a_doorway_page_is_read_line_by_line() -> None:
    """The gateway keeps line structure, so a column of short keyword-and-link lines reaches
    the SEO signals as lines."""
    page = "\n".join(
        f"cheap flights {city} https://fly-{i}.example.biz"
        for i, city in enumerate(
            ["paris", "rome", "oslo", "lima", "cairo", "delhi", "tokyo", "quito", "accra", "perth"]
        )
    )
    v = verdict(snapshot(page, channel=Channel.WEB_PAGE))
    assert v.evidence["seo"]["doorway_shape"] is True


def test_every_rule_has_a_reason_and_a_unique_name() -> None:
    assert len(RULE_NAMES) == len(RULES)
    assert all(r.why and r.apply.__doc__ for r in RULES)


def test_evidence_is_small_and_names_what_fired() -> None:
    v = verdict(snapshot(OFFER, spam=0.9))
    assert "call_to_action" in v.evidence["cues"]
    assert len(str(v.evidence)) < 2_000


def test_nothing_to_judge_is_not_a_verdict() -> None:
    assert judge(snapshot("   "), "m", T0) is None
