"""Component tier: the detector's batch pipeline with the real model and in-memory stores."""

from __future__ import annotations

import asyncio

from schemas.events import Category, GenerationEvent, Label, Verdict
from services.gateway.admission import with_normalized_text
from services.spam.model import ContentModel, features_fingerprint
from services.spam.pipeline import SpamPipeline
from services.state.near_duplicates import MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows
from tests.factories import credential_lure_sms, ham_traffic, spam_campaign, stuffed_page

HOUR_MS = 3_600_000
MODEL = ContentModel.load()


def run(events: list[GenerationEvent], batch: int = 16) -> list[Verdict]:
    pipeline = SpamPipeline(
        MODEL, MemoryBehaviourWindows(HOUR_MS), MemoryNearDuplicateIndex(HOUR_MS)
    )
    normalised = [with_normalized_text(e) for e in events]
    out: list[Verdict] = []
    for i in range(0, len(normalised), batch):
        verdicts = asyncio.run(
            pipeline.judge_batch(normalised[i : i + batch], lambda e: e.occurred_at)
        )
        out.extend(v for v in verdicts if v is not None)
    return out


def test_a_near_duplicate_campaign_builds_up_to_violations() -> None:
    verdicts = run(spam_campaign(60, "acct-spammer"))
    assert len(verdicts) == 60
    assert all(v.category == Category.SPAM for v in verdicts)
    assert verdicts[-1].label == Label.VIOLATION
    assert verdicts[-1].evidence["near_duplicates_same_account"] >= 10
    assert verdicts[-1].evidence["distinct_recipients_in_window"] == 60


def test_ordinary_messages_at_the_same_volume_stay_clean() -> None:
    verdicts = run(ham_traffic(60, "acct-friendly"))
    assert [v.label for v in verdicts] == [Label.CLEAN] * 60


def test_a_keyword_stuffed_page_is_spam_and_a_lure_is_phishing() -> None:
    page, lure = run([stuffed_page("acct-seo"), credential_lure_sms("acct-phish")])
    assert (page.category, page.label) == (Category.SPAM, Label.VIOLATION)
    assert lure.category == Category.FRAUD_PHISHING
    assert lure.label == Label.VIOLATION


def test_red_team_traffic_is_judged_but_kept_out_of_shared_state() -> None:
    red = [e.model_copy(update={"red_team": True}) for e in spam_campaign(30, "acct-red")]
    normal = spam_campaign(1, "acct-normal")
    verdicts = run([*red, *normal], batch=64)
    assert verdicts[0].label == Label.VIOLATION  # its content is still judged and reported
    assert verdicts[29].evidence["events_in_window"] == 0  # never counted in windows
    assert verdicts[-1].evidence["near_duplicate_accounts"] == 0  # never indexed


def test_batching_does_not_change_decisions() -> None:
    events = spam_campaign(20, "a") + ham_traffic(20, "b")
    one = [(v.event_id, v.label, v.score) for v in run(events, batch=1)]
    many = [(v.event_id, v.label, v.score) for v in run(events, batch=64)]
    assert one == many


def test_the_committed_model_was_trained_on_todays_features() -> None:
    """Featurisation changed since the artifact was built? Run `make train` and commit."""
    card = ContentModel.load().card
    assert card["features_fingerprint"] == features_fingerprint()
