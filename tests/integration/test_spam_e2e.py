"""The spam detector end to end: SDK → gateway → spam detector → verdicts, on real Kafka and
Redis, each service its own process."""

from __future__ import annotations

from collections.abc import Callable

from schemas.events import Category, Label, Verdict
from schemas.topics import VERDICTS
from tests.factories import credential_lure_sms, ham_traffic, spam_campaign, stuffed_page
from tests.integration.harness import decode_all, read_topic
from usewatch.localstack import ServiceProcess, Stack
from usewatch.sdk import Emitter


def test_campaign_page_and_lure_are_caught_while_ham_of_the_same_volume_is_not(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    campaign = spam_campaign(60, "acct-campaign")
    ham = ham_traffic(60, "acct-ham")
    events = [*campaign, *ham, stuffed_page("acct-seo"), credential_lure_sms("acct-lure")]
    service("gateway")
    service("spam")
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events)
        emitter.emit_many(campaign[:10])  # retries: judged once

    received = read_topic(
        stack.bootstrap,
        VERDICTS.full_name(prefix),
        until=lambda r: len(r) >= len(events),
        timeout_s=90,
    )
    verdicts = decode_all(Verdict, received)
    assert len(verdicts) == len(events)
    assert len({v.event_id for v in verdicts}) == len(events)
    by_account: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_account.setdefault(v.account_id, []).append(v)

    spam = sorted(by_account["acct-campaign"], key=lambda v: v.event_id)
    assert any(v.label == Label.VIOLATION for v in spam[:30])  # caught within the campaign
    assert all(v.category == Category.SPAM for v in spam)
    assert max(v.evidence["near_duplicates_same_account"] for v in spam) >= 10
    assert all(v.label == Label.CLEAN for v in by_account["acct-ham"])
    (page,) = by_account["acct-seo"]
    assert (page.category, page.label) == (Category.SPAM, Label.VIOLATION)
    (lure,) = by_account["acct-lure"]
    assert lure.category == Category.FRAUD_PHISHING
    assert lure.label == Label.VIOLATION
    # Each verdict continues the generation's trace.
    assert all(r.headers and r.headers[0][0] == "traceparent" for r in received)
