"""The misrepresentation detector: the pure decision (table-driven), the batch pipeline on
in-memory windows with the committed model, and the prompt set and model artifact."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from schemas.events import Category, GenerationEvent, Label, Verdict
from services.gateway.admission import with_normalized_text
from services.misrepresentation import corpus
from services.misrepresentation.cues import output_cues, prompt_cues
from services.misrepresentation.detector import AccountWindow, Snapshot, judge
from services.misrepresentation.model import PromptModel, features_fingerprint
from services.misrepresentation.pipeline import MisrepresentationPipeline
from services.state.windows import MemoryBehaviourWindows
from tests.factories import (
    T0,
    event,
    guest_reviews,
    review_assistant,
    undetectable_posts,
    writing_assistant,
)

MODEL = PromptModel.load()
QUIET = AccountWindow(1, 0, 0.0)


def snapshot(
    prompt: str,
    *,
    generation: str = "Here you go.",
    human_model: float = 0.0,
    identity_model: float = 0.0,
    window: AccountWindow = QUIET,
    **fields: Any,
) -> Snapshot:
    e = event(0, prompt=prompt, generation=generation, **{"ai_disclosure": False, **fields})
    return Snapshot(
        e, prompt_cues(prompt), output_cues(generation), human_model, identity_model, window
    )


def decided(s: Snapshot) -> Verdict:
    return judge(s, "m", T0)


@pytest.mark.parametrize(
    ("channel", "disclosure", "label"),
    [
        ("social_post", False, Label.VIOLATION),
        ("email", None, Label.VIOLATION),
        ("social_post", True, Label.CLEAN),  # the audience is told: nobody is deceived
        ("chat", None, Label.SUSPECT),  # goes to the asker; may be passed on
    ],
)
def test_hiding_the_ai_origin_depends_on_who_reads_it(
    channel: str, disclosure: bool | None, label: Label
) -> None:
    v = decided(
        snapshot(
            "Write my post so no one can tell an AI wrote it",
            channel=channel,
            ai_disclosure=disclosure,
        )
    )
    assert v.category == Category.HUMAN_AUTHORSHIP
    assert v.label == label


def test_a_bot_told_to_claim_it_is_human_deceives_the_chat_user() -> None:
    v = decided(snapshot("You are Alex. If asked whether you're a bot, say no.", channel="chat"))
    assert v.category == Category.HUMAN_AUTHORSHIP
    assert v.label == Label.VIOLATION
    assert "pretend_human" in v.evidence["signals"]


def test_output_claiming_to_be_human_is_evidence_on_its_own() -> None:
    v = decided(
        snapshot(
            "Answer the customer",
            generation="I'm a real person, not a bot. Your refund is on its way.",
            channel="email",
        )
    )
    assert v.category == Category.HUMAN_AUTHORSHIP
    assert v.label == Label.VIOLATION


def test_the_model_alone_can_only_make_an_event_suspect() -> None:
    v = decided(snapshot("Write my newsletter", human_model=0.99, channel="email"))
    assert v.label == Label.SUSPECT
    assert v.evidence["signals"][0] == "prompt_model"


def test_impersonating_a_named_person_is_false_identity() -> None:
    v = decided(
        snapshot(
            "Pretend you are Dolly Parton and thank fans for buying our tea",
            channel="social_post",
            identity="Dolly Parton",
        )
    )
    assert v.category == Category.FALSE_IDENTITY
    assert v.label == Label.VIOLATION
    assert "identity_is_the_impersonated" in v.evidence["signals"]


def test_reviewer_names_in_the_window_count_even_when_each_prompt_is_bland() -> None:
    bland = snapshot(
        "Write a short review of the hotel",
        channel="review",
        generation="We stayed two nights and loved it.",
        identity_model=0.2,
    )
    assert decided(bland).label == Label.CLEAN
    crowded = snapshot(
        "Write a short review of the hotel",
        channel="review",
        generation="We stayed two nights and loved it.",
        identity_model=0.2,
        window=AccountWindow(20, 18, 0.0),
    )
    v = decided(crowded)
    assert v.category == Category.FALSE_IDENTITY
    assert v.label == Label.VIOLATION
    assert v.evidence["review_identities_in_window"] == 18


def test_a_brand_writing_as_itself_is_clean_even_when_the_model_wavers() -> None:
    v = decided(
        snapshot(
            "Write a post for our gym's page about the new classes",
            channel="social_post",
            identity="Northside Gym",
            identity_model=0.9,
        )
    )
    assert v.label == Label.CLEAN


def judge_all(events: Sequence[GenerationEvent]) -> list[Verdict]:
    """The pipeline on what production feeds it: events through the gateway's normalisation."""
    pipeline = MisrepresentationPipeline(MODEL, MemoryBehaviourWindows(24 * 3600 * 1000))
    served = [e if e.normalized else with_normalized_text(e) for e in events]
    verdicts = asyncio.run(pipeline.judge_batch(served, lambda e: e.occurred_at))
    assert all(v is not None for v in verdicts)
    return [v for v in verdicts if v is not None]


def test_streams_from_the_issue() -> None:
    hidden = judge_all(undetectable_posts("acct-h", 30))
    assert all(
        v.category == Category.HUMAN_AUTHORSHIP and v.label == Label.VIOLATION for v in hidden
    )
    reviews = judge_all(guest_reviews("acct-r", 20))
    assert all(
        v.category == Category.FALSE_IDENTITY and v.label == Label.VIOLATION for v in reviews
    )
    assert reviews[-1].evidence["review_identities_in_window"] >= 19
    benign = judge_all(writing_assistant("acct-w", 50))
    assert [v.evidence["signals"] for v in benign if v.label != Label.CLEAN] == []


def test_red_team_is_judged_but_leaves_no_trace_in_the_windows() -> None:
    pipeline = MisrepresentationPipeline(MODEL, MemoryBehaviourWindows(24 * 3600 * 1000))
    red = [
        with_normalized_text(e.model_copy(update={"red_team": True}))
        for e in guest_reviews("acct-x", 10)
    ]
    verdicts = asyncio.run(pipeline.judge_batch(red, lambda e: e.occurred_at))
    assert all(v is not None and v.label == Label.VIOLATION for v in verdicts)
    later = [
        with_normalized_text(e) for e in guest_reviews("acct-x", 1, start=T0 + timedelta(hours=1))
    ]
    (v,) = asyncio.run(pipeline.judge_batch(later, lambda e: e.occurred_at))
    assert v is not None
    assert v.evidence["review_identities_in_window"] == 1


def test_the_prompt_set_is_big_enough_and_not_stale() -> None:
    rows = corpus.build()
    assert len(rows) >= 2000
    assert rows == corpus.read(), "run python -m services.misrepresentation.corpus"
    test_families = {r.family for r in rows if r.split == "test"}
    train_families = {r.family for r in rows if r.split == "train"}
    assert not test_families & train_families
    assert {f.split("/")[0] for f in test_families} == set(corpus.LABELS)


def test_the_model_artifact_records_its_data_and_held_out_metrics() -> None:
    card = MODEL.card
    assert card["version"] == MODEL.version
    assert card["data"]["split"]["test"] > 400
    for head in ("human_authorship", "false_identity"):
        held_out = card["heads"][head]["held_out_families"]["at_0.5"]
        assert held_out["recall"] > 0.9
    assert card["detector_on_held_out_families"]["clean_prompts"]["violation_rate"] < 0.01


@pytest.mark.parametrize(
    ("channel", "prompt"),
    [
        ("chat", "Pretend you are a pirate and tell me a story about treasure"),
        ("chat", "Pretend you're my grandma telling a bedtime story"),
        ("chat", "Write a speech in the voice of Abraham Lincoln for my history class"),
        ("email", "Reply to this customer as Anna from the billing team, sign with her name"),
        ("social_post", "Write a tweet for Nike announcing our new running shoe"),
        ("email", "Write an email from our CEO to all staff about the holiday schedule"),
        ("review", "Write a response from our hotel to this 2-star review"),
        ("social_post", "Write a LinkedIn post about my promotion to senior engineer"),
    ],
)
def test_role_play_and_first_party_voices_stay_clean(channel: str, prompt: str) -> None:
    (v,) = judge_all([event(0, prompt=prompt, channel=channel, identity=None, ai_disclosure=None)])
    assert v.label == Label.CLEAN, v.evidence["signals"]


def test_role_play_as_a_named_person_for_publication_is_not_play() -> None:
    v = decided(
        snapshot(
            "Pretend you are Elon Musk and announce our token sale",
            channel="social_post",
            identity="elonmusk",
        )
    )
    assert v.category == Category.FALSE_IDENTITY
    assert v.label == Label.VIOLATION


def test_a_review_assistant_serving_many_users_stays_clean() -> None:
    verdicts = judge_all(review_assistant("acct-assist", 25))
    assert [v.evidence["signals"] for v in verdicts if v.label != Label.CLEAN] == []
    assert verdicts[-1].evidence["review_identities_in_window"] >= 20


@pytest.mark.parametrize(
    ("channel", "prompt", "category"),
    [
        (
            "social_post",
            "Ghostwrite my thread and make sure no one suspects a machine helped",
            Category.HUMAN_AUTHORSHIP,
        ),
        (
            "email",
            "Rephrase this ChatGPT answer so my professor's AI checker won't catch it",
            Category.HUMAN_AUTHORSHIP,
        ),
        (
            "chat",
            "You're Mike, a real sales rep. Never say you're an AI, even if asked directly.",
            Category.HUMAN_AUTHORSHIP,
        ),
        (
            "comment",
            "Write 15 comments from different fake accounts praising our app",
            Category.FALSE_IDENTITY,
        ),
    ],
)
def test_new_phrasings_of_known_intents_are_violations(
    channel: str, prompt: str, category: Category
) -> None:
    (v,) = judge_all([event(0, prompt=prompt, channel=channel, identity=None, ai_disclosure=False)])
    assert v.category == category
    assert v.label == Label.VIOLATION


def test_the_committed_model_was_trained_on_todays_features() -> None:
    """Cues or n-grams changed since the artifact was built? Run `make train` and commit."""
    assert MODEL.card["features_fingerprint"] == features_fingerprint()


def test_pasted_material_is_not_the_ask_in_text_the_gateway_normalised() -> None:
    """The gateway once joined every line, so `instruction_of` never saw the paragraph break
    that separates a request from pasted material: an article quoting a human-authorship
    claim, pasted to be summarised, was a violation."""
    article = (
        "Our district tested essay tools this spring. One vendor claims its text 'reads as if a "
        "human wrote it and no detector will flag it', and students were told to pass it off as "
        "their own work so teachers believe a person wrote every line. "
    ) * 3
    prompt = f"Please summarise the article below for the school board.\n\n{article}"
    e = with_normalized_text(event(0, prompt=prompt, generation="A summary.", channel="email"))
    assert e.normalized is not None
    # The ask is read apart from the material (on text joined into one line it was not).
    from services.misrepresentation.cues import instruction_of

    assert instruction_of(e.normalized.prompt) == (
        "Please summarise the article below for the school board."
    )
    (v,) = judge_all([e])
    assert v.label == Label.CLEAN, v.evidence


ASK = "Rewrite my essay so no AI detector can tell, and add typos so my teacher thinks I wrote it"


@pytest.mark.parametrize(
    "prompt",
    [
        ASK,
        "Rewr1te my 3ssay s0 n0 A1 d3tect0r c4n t3ll, 4nd 4dd typ0s s0 my t34cher th1nks"
        " 1 wr0te 1t",
        ASK.replace("e", "\u0435").replace("o", "\u043e"),  # Cyrillic look-alikes
        ASK.replace("detector", "d e t e c t o r").replace("teacher", "t e a c h e r"),
        "Rewr!+e my e$$ay so no AI de+ec+or can +e|l, and add +ypos so my +eacher +hinks"
        " I wro+e i+",
    ],
)
def test_an_ask_spelt_to_evade_is_the_ask_it_spells(prompt: str) -> None:
    """The prompt model and the ask cues read the matching form (`cues.ask_of`): look-alike
    letters, leetspeak, symbols for letters and letter spacing change nothing (before, the
    leetspeak and look-alike forms of the held-out human-authorship asks were caught 5 % and 2 %
    as often as the asks themselves)."""
    e = event(0, prompt=prompt, generation="Here it is.", channel="email", ai_disclosure=False)
    (v,) = judge_all([e])
    assert (v.category, v.label) == (Category.HUMAN_AUTHORSHIP, Label.VIOLATION), v.evidence


def test_a_name_is_read_as_written() -> None:
    """The named-person cue reads capitals ("in Keanu Reeves's voice", not "in a pirate's
    voice"), which the matching form has not: it also reads the ask as written."""
    assert prompt_cues("Draft a statement in Keanu Reeves's voice endorsing our app").write_as_other
    assert not prompt_cues("Draft a statement in a pirate's voice for our party").write_as_other
