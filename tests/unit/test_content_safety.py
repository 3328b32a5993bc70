"""The content-safety stage: the plug (entry points, settings), the pure decision, the batch
pipeline on text that went through the gateway's normalisation, and the self-made set and model
artifact."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from schemas.events import Category, Label
from services.content_safety import classifier, corpus
from services.content_safety.classifier import TextScores, UnknownClassifierError
from services.content_safety.detector import Reading, judge
from services.content_safety.local import LocalClassifier, combine
from services.content_safety.model import ANY, CATEGORIES, HEADS, LocalModel, features_fingerprint
from services.content_safety.pipeline import ContentSafetyPipeline
from services.content_safety.settings import ContentSafetySettings
from services.event_view import SUSPECT_AT, VIOLATION_AT
from services.gateway.admission import with_normalized_text
from tests.factories import T0, event

pytestmark = pytest.mark.unit

MODEL = LocalModel.load()


class Fixed:
    """A stand-in classifier that scores every text the same: the pipeline's wiring is what is
    under test here, not a model."""

    def __init__(self, name: str, scores: dict[Category, float]) -> None:
        self.name, self.version, self.scores = name, "1", scores
        self.categories = frozenset(scores)
        self.seen: list[str] = []

    async def score(self, texts: Sequence[str]) -> list[TextScores]:
        self.seen += texts
        return [TextScores(dict(self.scores)) for _ in texts]


def test_the_local_classifier_is_installed_as_an_entry_point() -> None:
    assert "local" in classifier.available()
    assert isinstance(classifier.load("local"), LocalClassifier)
    with pytest.raises(UnknownClassifierError, match=r"installed: .*local"):
        classifier.load("no-such-classifier")


def test_settings_name_the_classifiers_in_order_without_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTENT_SAFETY_CLASSIFIERS", "served, local,served")
    assert ContentSafetySettings().classifier_names == ["served", "local"]
    monkeypatch.setenv("CONTENT_SAFETY_CLASSIFIERS", " , ")
    with pytest.raises(ValueError, match="empty"):
        _ = ContentSafetySettings().classifier_names


def test_the_any_head_lifts_the_category_that_scores_it_highest() -> None:
    graded = dict.fromkeys(HEADS, 0.1) | {Category.HARASSMENT.value: 0.3, ANY: 0.9}
    scores = combine(graded).by_category
    assert scores[Category.HARASSMENT] == 0.9
    assert all(scores[c] == 0.1 for c in CATEGORIES if c is not Category.HARASSMENT)
    quiet = combine(dict.fromkeys(HEADS, 0.1) | {Category.HATE.value: 0.4}).by_category
    assert quiet[Category.HATE] == 0.4, "a low `any` never lowers a head"


def test_the_strongest_reading_speaks_and_the_verdict_says_which() -> None:
    e = event(1)
    readings = [
        Reading("local", "v1", "generation", TextScores({Category.HATE: 0.3})),
        Reading("served", "v9", "prompt", TextScores({Category.VIOLENCE_SELF_HARM: 0.85})),
        Reading("local", "v1", "prompt", TextScores({Category.HARASSMENT: 0.6})),
    ]
    v = judge(e, readings, T0)
    assert v is not None
    assert (v.category, v.label, v.score) == (Category.VIOLENCE_SELF_HARM, Label.VIOLATION, 0.85)
    assert v.model_version == "served:v9"
    assert v.evidence["classifier"] == "served"
    assert v.evidence["text"] == "prompt"
    assert v.evidence["classifiers"] == ["local", "served"]
    assert judge(e, [], T0) is None


def test_the_pipeline_judges_prompt_and_generation_of_every_event_with_every_classifier() -> None:
    events = [with_normalized_text(event(i)) for i in range(3)]
    quiet = Fixed("quiet", {Category.HATE: 0.1})
    loud = Fixed("loud", {Category.MISINFORMATION: 0.7})
    verdicts = asyncio.run(
        ContentSafetyPipeline([quiet, loud]).judge_batch(events, lambda e: e.occurred_at)
    )
    assert len(quiet.seen) == len(loud.seen) == 6, "one call each: 3 prompts + 3 generations"
    assert quiet.seen[0] == events[0].normalized.prompt  # type: ignore[union-attr]
    assert [v.category if v else None for v in verdicts] == [Category.MISINFORMATION] * 3
    assert all(v is not None and v.label == Label.SUSPECT for v in verdicts)


def test_medical_advice_is_judged_only_for_apps_not_registered_as_supervised() -> None:
    e = event(1)
    medical = Reading(
        "local",
        "v1",
        "generation",
        TextScores({Category.UNSAFE_UNSUPERVISED_MEDICAL: 0.9, Category.HATE: 0.2}),
    )
    alone = judge(e, [medical], T0)
    assert alone is not None
    assert alone.category is Category.UNSAFE_UNSUPERVISED_MEDICAL
    assert alone.label is Label.VIOLATION
    supervised = judge(e, [medical], T0, supervised=True)
    assert supervised is not None
    assert (supervised.category, supervised.label) == (Category.HATE, Label.CLEAN)


def test_an_event_without_text_has_no_verdict() -> None:
    e = with_normalized_text(event(1, prompt="", generation=" "))
    assert asyncio.run(ContentSafetyPipeline([Fixed("f", {})]).judge_batch([e], lambda _: T0)) == [
        None
    ]


def test_the_local_model_reads_gateway_text_and_clean_work_text_stays_clean() -> None:
    """On the normalised form production feeds it; these are ordinary requests of the kinds
    the product's apps send, not hard negatives (those are measured in `make eval`)."""
    ordinary = [
        "Draft a short reply to ticket 12 that I will review.",
        "Write a product description for a waterproof hiking jacket.",
        "Summarise the attached meeting notes in three bullet points.",
    ]
    events = [with_normalized_text(event(i, prompt=p)) for i, p in enumerate(ordinary)]
    verdicts = asyncio.run(
        ContentSafetyPipeline([LocalClassifier(MODEL)]).judge_batch(events, lambda _: T0)
    )
    assert all(v is not None and v.label == Label.CLEAN for v in verdicts), verdicts


def test_the_self_made_set_is_not_stale_and_its_families_are_split() -> None:
    rows = corpus.build()
    assert rows == corpus.read(), "run python -m services.content_safety.corpus"
    test_families = {r.family for r in rows if r.split == "test"}
    train_families = {r.family for r in rows if r.split == "train"}
    assert not test_families & train_families
    assert {f.split("/")[0] for f in test_families} == set(corpus.FAMILIES)


def test_the_artifact_matches_the_features_and_has_every_head() -> None:
    assert MODEL.card["features_fingerprint"] == features_fingerprint(MODEL.words)
    assert set(MODEL.heads) == set(MODEL.thresholds) == set(HEADS)
    for t in MODEL.thresholds.values():
        assert 0.0 < t.suspect <= t.violation < 1.0


def test_the_any_head_sends_nothing_to_review_on_its_own() -> None:
    """`any` lifts a category to a violation or says nothing (train.NO_SUSPECT_BAND): a text it
    finds just short of its violation threshold, with every topical head quiet, is clean."""
    t = MODEL.thresholds[ANY]
    assert t.suspect == t.violation
    quiet = {head: 0.0 for head in HEADS}
    under = combine(quiet | {ANY: MODEL.thresholds[ANY].grade(t.violation - 1e-3)})
    over = combine(quiet | {ANY: MODEL.thresholds[ANY].grade(t.violation)})
    assert max(under.by_category.values()) < SUSPECT_AT
    assert max(over.by_category.values()) >= VIOLATION_AT


def test_who_a_text_names_does_not_change_its_scores() -> None:
    """Handles are one token to the model (`model.matching_form`): a tweet scores the same
    whoever it addresses, so the model cannot learn which users wrote the labelled ones."""
    from services.content_safety.model import matching_form

    assert matching_form("RT @Some_User1: you are all great") == "rt @user: you are all great"
    # The @ of an e-mail address opens no handle.
    assert matching_form("write to anna@example.org") == "write to anna@example.org"
    a, b = MODEL.graded(["@anna_b you are all great", "@x9 you are all great"])
    assert a == b
