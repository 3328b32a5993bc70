"""The multi-identity detector: pure rules (table-driven) and the batch pipeline with in-memory
stores on the cases that must be caught and the ones that must stay clean."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

import pytest

from schemas.events import Category, GenerationEvent, Label, Verdict
from services.event_view import text_of
from services.gateway.admission import with_normalized_text
from services.multi_identity.detector import REVISED, Snapshot, judge, shared_name
from services.multi_identity.pipeline import MultiIdentityPipeline
from services.state.held_verdicts import MemoryHeldVerdicts
from services.state.links import Linked, MemoryFingerprintLinks
from services.state.near_duplicates import NO_MATCHES, Matches, MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows, WindowCounts
from tests.factories import (
    T0,
    agency_posts,
    crm_agents,
    event,
    office_neighbours,
    persona_farm,
    seasonal_greetings,
    sockpuppets,
    viral_quote,
)

WINDOW = WindowCounts(10, 0, 0, 10)


def matches(identities: int = 1, linked: tuple[str, ...] = ()) -> Matches:
    return Matches(
        same_account=identities,
        other_accounts=len(linked),
        other_events=len(linked),
        similar_event_ids=("e1",),
        same_account_identities=identities,
        linked_accounts=linked,
    )


@pytest.mark.parametrize(
    ("name", "m", "links", "label"),
    [
        ("same text under 6 handles", matches(6), Linked(), Label.VIOLATION),
        ("same text under 3 handles", matches(3), Linked(), Label.SUSPECT),
        ("one handle", matches(1), Linked(), None),
        (
            "two device-linked accounts with the same text",
            matches(1, ("b", "c")),
            Linked(strong=("b", "c"), shared_kinds=("device",)),
            Label.VIOLATION,
        ),
        (
            "one device-linked account with the same text",
            matches(1, ("b",)),
            Linked(strong=("b",), shared_kinds=("device",)),
            Label.SUSPECT,
        ),
        (
            "same text, shared office address only",
            matches(1, ("b", "c")),
            Linked(ip_only=("b", "c"), shared_kinds=("ip",)),
            Label.SUSPECT,
        ),
        ("same text from strangers (viral)", matches(1, ("b", "c", "d")), Linked(), None),
        ("shared device, different text", matches(1), Linked(strong=("b",)), None),
    ],
)
def test_rules(name: str, m: Matches, links: Linked, label: Label | None) -> None:
    e = event(channel="social_post", identity="@me")
    verdict = judge(Snapshot(e, text_of(e), WINDOW, m, links), T0)
    assert (verdict.label if verdict else None) == label, name


def test_private_channels_and_undeclared_identities_are_not_judged() -> None:
    for e in (
        event(channel="email", identity="Agent 1"),
        event(channel="social_post", identity=None),
    ):
        assert judge(Snapshot(e, text_of(e), WINDOW, matches(9), Linked()), T0) is None
    assert (
        judge(Snapshot(event(channel="review", identity="x"), "", WINDOW, NO_MATCHES, Linked()), T0)
        is None
    )


def run(events: list[GenerationEvent]) -> list[Verdict]:
    window_ms = 6 * 3_600_000
    pipeline = MultiIdentityPipeline(
        MemoryBehaviourWindows(window_ms),
        MemoryNearDuplicateIndex(window_ms),
        MemoryFingerprintLinks(window_ms),
        MemoryHeldVerdicts(window_ms),
    )
    ordered = sorted((with_normalized_text(e) for e in events), key=lambda e: e.occurred_at)
    out: list[Verdict] = []
    for i in range(0, len(ordered), 16):
        judged = asyncio.run(pipeline.judge_batch(ordered[i : i + 16], lambda e: e.occurred_at))
        out.extend(v for v in judged if v is not None)
        out.extend(pipeline.take_revisions())  # after the batch's verdicts, as published
    return out


def test_one_account_with_30_handles_is_flagged() -> None:
    verdicts = run(sockpuppets("acct-puppets", 30))
    violations = [v for v in verdicts if v.label == Label.VIOLATION]
    assert len(violations) >= 20
    assert all(v.category == Category.MULTI_IDENTITY for v in verdicts)
    assert violations[-1].evidence["identities_with_same_text"] >= 10


def test_eight_device_linked_accounts_are_one_cluster_and_all_flagged() -> None:
    verdicts = run(persona_farm(8))
    flagged: dict[str, set[str]] = defaultdict(set)
    for v in verdicts:
        if v.label == Label.VIOLATION:
            flagged[v.account_id].add(v.evidence["cluster_id"])
    assert set(flagged) == {f"farm-{a}" for a in range(8)}
    assert {c for ids in flagged.values() for c in ids} == {"cluster-farm-0"}
    assert max(v.evidence["accounts_in_cluster"] for v in verdicts) == 8
    assert all("device" in v.evidence["shared_fingerprints"] for v in verdicts)


@pytest.mark.parametrize("evasion", ["leetspeak", "confusables", "symbol_leetspeak"])
def test_a_farm_whose_copies_are_each_spelt_differently_is_still_one_voice(evasion: str) -> None:
    """The near-duplicate signatures read the matching form (`similarity.band_hashes`): each
    copy in its own look-alike letters or leetspeak changes most of its character shingles,
    and as written the farm's posts were strangers to each other."""
    from usewatch.evaluate import EVASIONS

    evade = EVASIONS[evasion]
    farm = [
        e.model_copy(update={"generation": evade(e.generation, i)})
        for i, e in enumerate(persona_farm(8))
    ]
    assert len({e.generation for e in farm}) > len(farm) // 2  # the copies differ as written
    flagged = {v.account_id for v in run(farm) if v.label == Label.VIOLATION}
    assert flagged == {f"farm-{a}" for a in range(8)}


@pytest.mark.parametrize(
    "legit",
    [crm_agents("acct-crm", 40), agency_posts("acct-agency"), office_neighbours(), viral_quote(10)],
    ids=["crm-40-agents", "agency", "office-ip", "viral-quote"],
)
def test_legitimate_many_identity_traffic_stays_clean(legit: list[GenerationEvent]) -> None:
    assert run(legit) == []


def test_every_later_post_of_a_flagged_cluster_is_reported_even_with_new_text() -> None:
    farm = persona_farm(8)
    later = event(
        99,
        event_id="farm-3-new",
        account_id="farm-3",
        channel="comment",
        identity="farm-3-persona-9",
        client={"device_hash": "dev-other", "ip_hash": "ip-x"},
        api_key_id="key-farm-3",
        occurred_at=(T0 + timedelta(hours=2)).isoformat(),
        generation="Completely unrelated: the library's new opening hours start on Monday.",
    )
    verdicts = {v.event_id: v for v in run([*farm, later])}
    assert verdicts["farm-3-new"].label == Label.VIOLATION
    assert verdicts["farm-3-new"].evidence["signals"] == ["member_of_flagged_cluster"]
    assert verdicts["farm-3-new"].evidence["cluster_id"] == "cluster-farm-0"


def test_one_accounts_sockpuppetry_does_not_flag_the_accounts_sharing_its_device() -> None:
    shared = {"device_hash": "dev-office", "ip_hash": "ip-office"}
    puppets = [
        e.model_copy(update={"client": e.client.model_copy(update=shared)})
        for e in sockpuppets("acct-puppets", 30)
        if e.client is not None
    ]
    neighbour = [
        e.model_copy(
            update={
                "client": e.client.model_copy(update=shared),
                "occurred_at": e.occurred_at + timedelta(hours=1),
            }
        )
        for e in agency_posts("acct-neighbour")
        if e.client is not None
    ]
    # The neighbour is seen on the device before the sockpuppets start, and posts again after.
    neighbour[0] = neighbour[0].model_copy(update={"occurred_at": T0 - timedelta(minutes=10)})
    verdicts = run(puppets + neighbour)
    assert any(v.account_id == "acct-puppets" for v in verdicts)
    assert [v for v in verdicts if v.account_id == "acct-neighbour"] == []


def test_a_template_each_client_signs_with_its_own_name_is_suspect_at_most() -> None:
    verdicts = run(seasonal_greetings("acct-smm", 8))
    assert verdicts, "the shared template is still worth a look"
    assert all(v.label == Label.SUSPECT for v in verdicts)
    assert all("names_its_own_identity" in v.evidence["signals"] for v in verdicts)
    # Sockpuppets that do not name themselves stay violations (see test above).


@pytest.mark.parametrize(
    ("identities", "shared"),
    [
        (("@acme_uk", "@acme_us", "@acme_de"), True),  # one brand's regional accounts
        (("Northwind Foods", "Northwind Kitchens"), True),
        (("@local_voice_1", "@local_voice_2", "@local_voice_3"), False),  # numbered clones
        (("@jenny.r", "@mike_t", "@sarahloves"), False),  # strangers, as a farm presents them
        (("@acme_uk",), False),
    ],
)
def test_identities_that_carry_one_name(identities: tuple[str, ...], shared: bool) -> None:
    assert shared_name(identities) is shared


def test_a_brand_cross_posting_to_its_regional_accounts_is_not_a_false_crowd() -> None:
    text = "Our new app is live today: faster checkout and order tracking. Get it in your store."
    events = [
        event(
            i,
            event_id=f"brand-{i}",
            account_id="acct-brand",
            channel="social_post",
            identity=f"@northwind_{region}",
            generation=text,
            occurred_at=(T0 + timedelta(minutes=i)).isoformat(),
        )
        for i, region in enumerate(("uk", "us", "de", "fr", "es", "it", "jp", "au"))
    ]
    verdicts = run(events)
    assert verdicts
    assert all(v.label != Label.VIOLATION for v in verdicts)
    assert "identities_share_a_name" in verdicts[-1].evidence["signals"]


def _one_text_many_names(text: str, channel: str, names: tuple[str, ...]) -> list[Verdict]:
    return run(
        [
            event(
                i,
                event_id=f"{channel}-{i}",
                account_id=f"acct-{channel}",
                channel=channel,
                identity=name,
                generation=text,
                occurred_at=(T0 + timedelta(minutes=i)).isoformat(),
            )
            for i, name in enumerate(names)
        ]
    )


NAMES = ("Anna", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Greg", "Hana")


def test_support_agents_answering_in_public_with_one_macro_are_not_a_false_crowd() -> None:
    macro = (
        "Thank you for your feedback! We'll pass this on to the kitchen, and if anything else "
        "comes up please reach out to us directly."
    )
    assert _one_text_many_names(macro, "review", NAMES) == []


def test_a_review_farm_that_sounds_happy_is_still_one_voice_under_many_names() -> None:
    review = (
        "We're so happy with our new kitchen, the fitters were quick and tidy. Thanks for the "
        "great service, highly recommend Oakline Kitchens!"
    )
    verdicts = _one_text_many_names(review, "review", NAMES)
    assert sum(v.label == Label.VIOLATION for v in verdicts) >= 3


def test_one_service_phrase_does_not_excuse_a_campaign() -> None:
    post = (
        "The stadium plan wastes our taxes and nobody asked us. Vote NO on Measure 12, and let us "
        "know what you think below!"
    )
    verdicts = _one_text_many_names(post, "social_post", NAMES)
    assert sum(v.label == Label.VIOLATION for v in verdicts) >= 3


def farm_one_account_after_another() -> list[GenerationEvent]:
    """Three of a farm's device-sharing accounts, each posting its talking points under three
    handles, two minutes apart, one account after the other."""
    three_handles = ("farm-0", "farm-2", "farm-4")
    farm = sorted(
        (e for e in persona_farm(6) if e.account_id in three_handles),
        key=lambda e: (e.account_id, e.event_id),
    )
    return [
        e.model_copy(update={"occurred_at": T0 + timedelta(minutes=2 * i)})
        for i, e in enumerate(farm)
    ]


def test_a_farm_posting_one_account_after_another_is_caught_from_its_second_account() -> None:
    """Each account puts the talking points out under its handles, then the next account does.
    The second account is tied to the first by the device and shares its text, and posts under
    several handles itself: two signs of one operator, enough together."""
    farm = farm_one_account_after_another()
    verdicts = {v.event_id: v for v in run(farm)}
    third_post_of_second = verdicts["farm-2-f2"]
    assert third_post_of_second.label == Label.VIOLATION
    assert "several_identities_and_a_linked_account" in third_post_of_second.evidence["signals"]
    assert all(verdicts[e.event_id].label == Label.VIOLATION for e in farm[-3:])


def test_a_proven_farm_is_reported_whole_its_first_accounts_posts_too() -> None:
    """The first account's third post was only suspect when it went out (several handles, no
    linked account yet). Once the second account proves the cluster one operator, it is revised
    into a violation that names the proof. (Its first two posts, unique when they went out and
    under one or two handles, had no verdict to revise.)"""
    farm = farm_one_account_after_another()
    verdicts = run(farm)
    last = {v.event_id: v for v in verdicts}
    assert [e.event_id for e in farm if e.event_id not in last] == ["farm-0-f0", "farm-0-f1"]
    assert all(v.label == Label.VIOLATION for v in last.values())
    revised = [v for v in verdicts if REVISED in v.evidence["signals"]]
    # The second account's first posts (one linked account: suspect) are revised with them.
    assert {v.account_id for v in revised} == {"farm-0", "farm-2"}
    first_verdicts = {v.event_id: v for v in reversed(verdicts)}
    assert all(first_verdicts[v.event_id].label == Label.SUSPECT for v in revised)
    assert all(v.evidence["proven_by_event_id"].startswith("farm-2") for v in revised)
    assert len(revised) == len({v.event_id for v in revised})  # each revised once


def test_suspects_of_accounts_never_proven_stay_suspects() -> None:
    """A brand posting one announcement to its regional accounts (one name: suspect at most) is
    held, but never revised: nothing proves it one hidden operator."""
    post = "Our spring sale starts Friday: 20 % off everything in store and online."
    events = [
        event(
            event_id=f"brand-{n}",
            account_id="acct-acme",
            channel="social_post",
            identity=f"acme_{region}",
            generation=post,
            occurred_at=T0 + timedelta(minutes=n),
        )
        for n, region in enumerate(("uk", "us", "de", "fr", "es"))
    ]
    verdicts = run(events)
    assert any(v.label == Label.SUSPECT for v in verdicts)
    assert not any(REVISED in v.evidence["signals"] for v in verdicts)
    assert not any(v.label == Label.VIOLATION for v in verdicts)
