"""The detector's decisions, table-driven: signals and state in, verdict out (no model, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.events import Category, Channel, Label
from services.spam.detector import DETECTOR, ContentScores, Snapshot, judge
from services.spam.features import cues
from services.spam.seo import seo_signals
from services.state.near_duplicates import NO_MATCHES, Matches
from services.state.windows import WindowCounts
from tests.factories import T0, event

ONE = WindowCounts(events=1, key_events=1, link_events=0, distinct_recipients=1)


def snapshot(
    text: str,
    *,
    channel: Channel = Channel.SMS,
    unsolicited: float = 0.05,
    phishing: float = 0.01,
    window: WindowCounts = ONE,
    matches: Matches = NO_MATCHES,
    **overrides: Any,
) -> Snapshot:
    e = event(channel=channel.value, generation=text, **overrides)
    return Snapshot(
        event=e,
        text=text,
        cues=cues(text),
        content=ContentScores(unsolicited, phishing),
        window=window,
        matches=matches,
        seo=seo_signals(text)
        if channel in (Channel.WEB_PAGE, Channel.COMMENT, Channel.AD)
        else None,
    )


def burst(n: int) -> Matches:
    return Matches(
        same_account=n,
        other_accounts=0,
        other_events=0,
        similar_event_ids=tuple(f"e{i}" for i in range(min(n, 5))),
    )


SPAM_SMS = "WINNER! You won a £500 gift card. Txt CLAIM to 80082 now to collect. T&Cs apply"
PHISH = (
    "Dear customer, your PayPal account is limited. Verify your account details within 24 "
    "hours at https://paypa1-secure.com/login or it will be suspended."
)
SUPPORT = (
    "Hi Ana, thanks for your patience. I checked with the carrier and your order is in "
    "transit; the tracking page in your account shows each step. Best, Omar"
)


@pytest.mark.parametrize(
    ("name", "snap", "category", "label"),
    [
        (
            "spam content alone",
            snapshot(SPAM_SMS, unsolicited=0.97),
            Category.SPAM,
            Label.VIOLATION,
        ),
        (
            "mild spam content, no repetition",
            snapshot(SPAM_SMS, unsolicited=0.6),
            Category.SPAM,
            Label.SUSPECT,
        ),
        (
            "the same mild spam, repeated 20 times",
            snapshot(SPAM_SMS, unsolicited=0.6, matches=burst(20)),
            Category.SPAM,
            Label.VIOLATION,
        ),
        (
            "support macros repeated 40 times stay clean",
            snapshot(SUPPORT, channel=Channel.EMAIL, unsolicited=0.45, matches=burst(40)),
            Category.SPAM,
            Label.CLEAN,
        ),
        (
            "business prose the SMS model mistrusts stays clean off SMS",
            snapshot(SUPPORT, channel=Channel.EMAIL, unsolicited=0.95),
            Category.SPAM,
            Label.CLEAN,
        ),
        (
            "a newsletter: one event, many recipients",
            snapshot(
                "This month we tested three trail shoes; subscribers get early access to the "
                "spring range. You receive this because you signed up; unsubscribe any time.",
                channel=Channel.EMAIL,
                unsolicited=0.8,
                window=WindowCounts(1, 1, 0, 400),
            ),
            Category.SPAM,
            Label.CLEAN,
        ),
        (
            "credential lure with a look-alike link",
            snapshot(PHISH, channel=Channel.EMAIL, unsolicited=0.9, phishing=0.7),
            Category.FRAUD_PHISHING,
            Label.VIOLATION,
        ),
        (
            "a lure the model has never seen still counts on its cues",
            snapshot(
                "Account notice: confirm your login details at http://203.0.113.9/secure today",
                channel=Channel.EMAIL,
                phishing=0.05,
            ),
            Category.FRAUD_PHISHING,
            Label.SUSPECT,
        ),
        (
            "a security notice that says it will never ask",
            snapshot(
                "Reminder from your bank: we will never ask you to share your password or PIN.",
                phishing=0.3,
            ),
            Category.SPAM,
            Label.CLEAN,
        ),
    ],
)
def test_judge(name: str, snap: Snapshot, category: Category, label: Label) -> None:
    verdict = judge(snap, "m-test", T0)
    assert verdict is not None
    assert (verdict.category, verdict.label) == (category, label), verdict.evidence


def test_phishing_aimed_at_a_named_person_is_spearphishing() -> None:
    text = "Dear Martin, " + PHISH.removeprefix("Dear customer, ")
    verdict = judge(snapshot(text, channel=Channel.EMAIL, phishing=0.8, recipients=["r1"]), "m", T0)
    assert verdict is not None
    assert verdict.category == Category.SECURITY_SPEARPHISHING
    assert "named_target" in verdict.evidence["signals"]


def test_the_same_lure_to_a_list_is_phishing_not_spearphishing() -> None:
    text = "Dear Martin, " + PHISH.removeprefix("Dear customer, ")
    verdict = judge(
        snapshot(
            text, channel=Channel.EMAIL, phishing=0.8, recipients=[f"r{i}" for i in range(50)]
        ),
        "m",
        T0,
    )
    assert verdict is not None
    assert verdict.category == Category.FRAUD_PHISHING


def test_search_engine_manipulation_counts_on_pages_only() -> None:
    page = "\n".join(
        f"[best cheap loans](https://l{i}.example.biz) best cheap loans cheap loans online now"
        for i in range(20)
    )
    on_page = judge(snapshot(page, channel=Channel.WEB_PAGE), "m", T0)
    in_chat = judge(snapshot(page, channel=Channel.CHAT), "m", T0)
    assert on_page is not None
    assert in_chat is not None
    assert (on_page.category, on_page.label) == (Category.SPAM, Label.VIOLATION)
    assert "search_engine_manipulation" in on_page.evidence["signals"]
    assert in_chat.label == Label.CLEAN


def test_evidence_is_small_and_names_what_fired() -> None:
    verdict = judge(snapshot(SPAM_SMS, unsolicited=0.6, matches=burst(20)), "m-7", T0)
    assert verdict is not None
    assert verdict.detector == DETECTOR
    assert verdict.model_version == "m-7"
    assert set(verdict.evidence["signals"]) >= {"spam_content", "near_duplicate_burst"}
    assert verdict.evidence["similar_event_ids"] == ["e0", "e1", "e2", "e3", "e4"]
    assert len(verdict.evidence) <= 32


def test_nothing_to_judge_is_not_a_verdict() -> None:
    assert judge(snapshot("   "), "m", T0) is None


@pytest.mark.parametrize(
    "text",
    [
        "Your bank: a payment of $1,240.00 to BestBuy was approved. If you don't recognize it, "
        "call the number on the back of your card.",
        "Your order #48213 has shipped and will be delivered Friday. Questions? Call 555-0199.",
        "Your appointment with Dr Lee is confirmed for Tue 10:30am. Reply C to confirm.",
        "Your sign-in code is 730144. It expires in 5 minutes; do not share it.",
        "G-582201 is your Google verification code.",
        "Your water bill of $61.20 is due on 3 May. Pay in the app or at any post office.",
    ],
)
def test_an_account_notice_on_sms_is_not_a_violation_on_content_alone(text: str) -> None:
    """The SMS model scores money and "call" as spam; a notice that sells nothing is at most
    a case for a person."""
    v = judge(snapshot(text, unsolicited=0.95), "m", T0)
    assert v is not None
    assert v.label != Label.VIOLATION


def test_on_sms_a_confident_phishing_head_counts_in_full_elsewhere_it_needs_a_cue() -> None:
    """The SMS sets call premium-rate offers with a number to ring smishing, a lure for money.
    On SMS, its domain, the phishing head counts in full when there is somewhere to go; on mail,
    with no lure and no disguised link, it cannot name the message phishing."""
    text = "Want the latest video phone? 750 anytime mins, half price rental. Call 08000930705"
    on_sms = judge(snapshot(text, unsolicited=0.99, phishing=0.9), "m", T0)
    assert on_sms is not None
    assert (on_sms.category, on_sms.label) == (Category.FRAUD_PHISHING, Label.VIOLATION)
    on_mail = judge(snapshot(text, channel=Channel.EMAIL, unsolicited=0.99, phishing=0.9), "m", T0)
    assert on_mail is not None
    assert on_mail.category == Category.SPAM


def test_a_notice_that_carries_a_prize_or_a_link_is_judged_as_usual() -> None:
    text = "Your account has been selected for a £1000 prize! Call 09061701461 to claim."
    v = judge(snapshot(text, unsolicited=0.95), "m", T0)
    assert v is not None
    assert v.label == Label.VIOLATION


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "Great video! I make similar content, check out my channel "
            "https://youtube.com/@cryptoking for daily signals, subscribe!",
            Label.VIOLATION,
        ),
        (
            "Love this! Best knives at 70% off at https://knifedeals.shop use code SAVE70",
            Label.VIOLATION,
        ),
        ("Nice post. Earn $500/day from home like I do, DM me", Label.SUSPECT),
        (
            "Great video!! I made $4,800 last week working from home, check my profile link "
            "https://linktr.ee/wfh_queen",
            Label.VIOLATION,
        ),
        ("Thanks, this fixed my router. DM me if you want my notes.", Label.CLEAN),
        (
            "I wrote about this on my blog: https://myblog.example.com/42, thoughts welcome",
            Label.CLEAN,
        ),
    ],
)
def test_self_promotion_in_a_comment(text: str, label: Label) -> None:
    v = judge(snapshot(text, channel=Channel.COMMENT, unsolicited=0.3), "m", T0)
    assert v is not None
    assert v.label == label, v.evidence["signals"]


def test_a_brand_promoting_itself_on_its_own_post_is_not_comment_spam() -> None:
    text = "Follow our page for weekly recipes and visit our shop: https://bakery.example.com"
    v = judge(snapshot(text, channel=Channel.SOCIAL_POST, unsolicited=0.3), "m", T0)
    assert v is not None
    assert "self_promotion" not in v.evidence["signals"]


def test_a_payment_request_in_someone_elses_name_is_possible_phishing() -> None:
    """Business email compromise has no link and no brand: money, now, to a new account, from
    someone who cannot be reached. A person should look (the same words can be a real request)."""
    text = (
        "Hi Tom, the CFO asked me to get this supplier payment out before 4pm. Can you wire "
        "$31,750 to the new account below? She's travelling and can't be reached. Thanks"
    )
    v = judge(snapshot(text, channel=Channel.EMAIL), "m", T0)
    assert v is not None
    assert (v.category, v.label) == (Category.FRAUD_PHISHING, Label.SUSPECT)
    assert {"credential_or_payment_lure", "urgency"} <= set(v.evidence["signals"])


@pytest.mark.parametrize("channel", [Channel.WEB_PAGE, Channel.AD, Channel.SOCIAL_POST])
def test_marketing_on_ones_own_page_ad_or_feed_is_not_spam_on_content_alone(
    channel: Channel,
) -> None:
    text = (
        "Family dentistry in Leeds: check-ups, whitening and emergency appointments. Call us on "
        "0113 496 0321 or book online. New patients get 15% off their first visit."
    )
    v = judge(snapshot(text, channel=channel, unsolicited=0.95), "m", T0)
    assert v is not None
    assert v.label != Label.VIOLATION
    repeated = judge(snapshot(text, channel=channel, unsolicited=0.95, matches=burst(40)), "m", T0)
    assert repeated is not None
    assert repeated.label == Label.VIOLATION  # the same pitch posted again and again is spam


@pytest.mark.parametrize(
    "text",
    [
        "Loved this! I'm earning $250 daily from home, details at https://fastcash-daily.example",
        "Great review. Get 70% off at https://knockoff-bags.example with coupon code BAG70",
    ],
)
def test_comment_plugs_with_earnings_or_a_coupon_code(text: str) -> None:
    v = judge(snapshot(text, channel=Channel.COMMENT, unsolicited=0.3), "m", T0)
    assert v is not None
    assert v.label == Label.VIOLATION
    assert "self_promotion" in v.evidence["signals"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("New rapper here, go listen to my mixtape, link in my bio!!", Label.VIOLATION),
        ("sub 4 sub? i always subscribe back", Label.SUSPECT),
        ("Please like and share my video, 200 more subs and I hit my goal", Label.SUSPECT),
        ("I pull in 3k a week from my phone, text me on WhatsApp to learn", Label.VIOLATION),
        ("We sell this exact model wholesale, DM us at @gadgetdeals_official", Label.VIOLATION),
        ("Claim a free $100 voucher --> www.voucher-drop.example <--", Label.VIOLATION),
        # Hard negatives: talk about the post, a helpful link, an offer to share notes.
        ("The bridge at 2:40 is the best part of the whole album", Label.CLEAN),
        ("See the release notes for the breaking change: https://docs.example.org/v3", Label.CLEAN),
        ("Happy to send my slides if anyone wants them, just DM me", Label.CLEAN),
        ("My son watches this channel every morning, thank you!", Label.CLEAN),
    ],
)
def test_comment_spam_shapes_and_their_hard_negatives(text: str, label: Label) -> None:
    v = judge(snapshot(text, channel=Channel.COMMENT, unsolicited=0.2), "m", T0)
    assert v is not None
    assert v.label == label, v.evidence["signals"]


def test_a_mailing_list_repeating_its_issue_is_not_a_campaign() -> None:
    """The same newsletter to hundreds of subscribers: repetition counts only for content that
    makes an offer, and not at all for mail that names the list its reader joined."""
    text = (
        "Hello from the Corner Bookshop! This week: a signing with a local author on Friday, new "
        "crime paperbacks, and shorter hours on Sunday. Reply to reserve a signed copy. You get "
        "this because you joined our list in the shop; unsubscribe any time."
    )
    v = judge(
        snapshot(
            text,
            channel=Channel.EMAIL,
            unsolicited=0.97,
            matches=burst(40),
            window=WindowCounts(300, 300, 0, 300),
        ),
        "m",
        T0,
    )
    assert v is not None
    assert v.label == Label.CLEAN, v.evidence["signals"]


def test_a_support_reply_about_a_password_reset_is_not_a_lure() -> None:
    text = (
        "Thanks for getting in touch. A new password reset link is on its way and should arrive "
        "within 10 minutes; if it doesn't, reply here and we'll sort it out."
    )
    v = judge(snapshot(text, channel=Channel.EMAIL, matches=burst(30)), "m", T0)
    assert v is not None
    assert v.label == Label.CLEAN, v.evidence["signals"]
