"""The misrepresentation detector end to end on real Kafka and Redis: SDK → gateway →
misrepresentation → verdicts."""

from __future__ import annotations

from collections.abc import Callable

from schemas.events import Category, Label, Verdict
from schemas.topics import GENERATIONS_ACCEPTED, VERDICTS
from tests.factories import guest_reviews, review_assistant, undetectable_posts, writing_assistant
from tests.integration.harness import decode_all, group_lag, read_all, scrape, total, wait_for
from usewatch.localstack import ServiceProcess, Stack
from usewatch.sdk import Emitter


def test_passing_off_and_fake_reviews_are_flagged_and_writing_help_is_not(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    hidden = undetectable_posts("acct-hide", 30)
    reviews = guest_reviews("acct-reviews", 20)
    benign = writing_assistant("acct-help", 50) + review_assistant("acct-help", 20)
    events = sorted(hidden + reviews + benign, key=lambda e: e.occurred_at)
    service("gateway", METRICS_PORT="19465")
    service("misrepresentation", METRICS_PORT="19466")
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(events)
    accepted = GENERATIONS_ACCEPTED.full_name(prefix)
    wait_for(
        lambda: (
            len(read_all(stack.bootstrap, accepted)) == len(events)
            and group_lag(stack.bootstrap, f"{prefix}usewatch-misrepresentation", accepted) == 0
        ),
        90,
        "the detector to judge every event",
    )
    verdicts = decode_all(Verdict, read_all(stack.bootstrap, VERDICTS.full_name(prefix)))
    assert len(verdicts) == len(events)  # one per event, clean ones included
    by_account: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by_account.setdefault(v.account_id, []).append(v)

    assert all(
        v.category == Category.HUMAN_AUTHORSHIP and v.label == Label.VIOLATION
        for v in by_account["acct-hide"]
    )
    assert all(
        v.category == Category.FALSE_IDENTITY and v.label == Label.VIOLATION
        for v in by_account["acct-reviews"]
    )
    # Partitions are read in any order, but one account's events stay in order: by its last
    # review the window has seen every reviewer name.
    last = max(by_account["acct-reviews"], key=lambda v: v.event_id)
    assert last.evidence["review_identities_in_window"] >= 19
    assert "many_reviewer_names" in last.evidence["signals"]
    assert [v for v in by_account["acct-help"] if v.label != Label.CLEAN] == []  # 70 events
    assert all(v.model_version.startswith("prompt-") for v in verdicts)

    gateway, detector = scrape(19465), scrape(19466)
    assert total(gateway, "usewatch_stage_events_total", 'stage="gateway"') == len(events)
    assert total(gateway, "usewatch_stage_outputs_total", 'topic="generations.accepted"') == len(
        events
    )
    assert total(detector, "usewatch_verdicts_total", 'label="violation"') == 50
    batches = total(detector, "usewatch_stage_batches_total")
    # the judged-once lookup, the account windows, the judged-once marks
    assert total(detector, "usewatch_redis_round_trips_total") <= 3 * batches + 2
    assert total(detector, "usewatch_stage_event_age_seconds_count") == len(events)
    lag = [k for k in detector if k.startswith("usewatch_consumer_lag{")]
    assert lag, "the consumer-lag gauge is served"
    assert total(detector, "usewatch_consumer_lag") == 0  # the group is caught up (see above)
