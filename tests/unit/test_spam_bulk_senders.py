"""Legitimate bulk senders through the whole spam pipeline with the trained model (offline,
in-memory state): repetition alone must not make a mailing list or a support desk spam."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from schemas.events import GenerationEvent, Label
from tests.factories import T0, event, spam_campaign
from usewatch.backtest import backtest

ISSUE = (
    "Hello from the Harbour Road Bakery! This week: two spots left in Saturday's sourdough class, "
    "the rye loaf is back, and we close early on Monday. Reply to book a place. You're receiving "
    "this because you joined our list at the counter; unsubscribe any time."
)
MACRO = (
    "Thanks for reaching out! A fresh password reset link is on its way and should arrive within "
    "{n} minutes. If it doesn't, check your spam folder or reply here and we'll help."
)


def spam_labels(events: list[GenerationEvent]) -> Counter[tuple[str, Label]]:
    published = asyncio.run(backtest(events))
    return Counter(
        (m.account_id, m.label)  # type: ignore[attr-defined]
        for topic, m in published
        if topic.name == "verdicts" and m.detector == "spam"  # type: ignore[attr-defined]
    )


def test_a_newsletter_and_a_support_desk_at_volume_stay_clean() -> None:
    newsletter = [
        event(
            i,
            event_id=f"news-{i}",
            account_id="bakery",
            channel="email",
            identity=None,
            recipients=[f"subscriber-{i}@example.com"],
            occurred_at=(T0 + timedelta(seconds=i)).isoformat(),
            generation=ISSUE,
        )
        for i in range(200)
    ]
    desk = [
        event(
            i,
            event_id=f"desk-{i}",
            account_id="helpdesk",
            channel="email",
            identity=f"agent-{i % 12}",
            recipients=[f"customer-{i}@example.com"],
            occurred_at=(T0 + timedelta(seconds=i)).isoformat(),
            generation=MACRO.format(n=5 + i % 3),
        )
        for i in range(200)
    ]
    labels = spam_labels(newsletter + desk)
    assert labels == {("bakery", Label.CLEAN): 200, ("helpdesk", Label.CLEAN): 200}


def test_a_campaign_of_the_same_volume_is_still_spam() -> None:
    labels = spam_labels(spam_campaign(200, "blaster"))
    assert labels[("blaster", Label.VIOLATION)] >= 190
