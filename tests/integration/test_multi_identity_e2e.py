"""The multi-identity detector end to end on real Kafka and Redis."""

from __future__ import annotations

from collections.abc import Callable

from schemas.events import Label, Verdict
from schemas.topics import GENERATIONS_ACCEPTED, VERDICTS
from tests.factories import (
    agency_posts,
    crm_agents,
    office_neighbours,
    persona_farm,
    sockpuppets,
    viral_quote,
)
from tests.integration.harness import decode_all, group_lag, read_all, wait_for
from usewatch.localstack import ServiceProcess, Stack
from usewatch.sdk import Emitter


def test_sockpuppets_and_a_persona_farm_are_flagged_and_legitimate_accounts_are_not(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    legit = (
        crm_agents("acct-crm", 40)
        + agency_posts("acct-agency")
        + office_neighbours()
        + viral_quote(10)
    )
    events = sockpuppets("acct-puppets", 30) + persona_farm(8) + legit
    service("gateway")
    service("multi_identity")
    with Emitter(stack.bootstrap, prefix) as emitter:
        emitter.emit_many(sorted(events, key=lambda e: e.occurred_at))
    wait_for(
        lambda: (
            group_lag(
                stack.bootstrap,
                f"{prefix}usewatch-multi_identity",
                GENERATIONS_ACCEPTED.full_name(prefix),
            )
            == 0
            and len(read_all(stack.bootstrap, GENERATIONS_ACCEPTED.full_name(prefix)))
            == len(events)
        ),
        90,
        "the detector to judge every event",
    )
    verdicts = decode_all(Verdict, read_all(stack.bootstrap, VERDICTS.full_name(prefix)))
    flagged = {v.account_id for v in verdicts if v.label == Label.VIOLATION}
    assert "acct-puppets" in flagged
    assert {f"farm-{a}" for a in range(8)} <= flagged
    farm_clusters = {
        v.evidence["cluster_id"]
        for v in verdicts
        if v.account_id.startswith("farm-") and v.label == Label.VIOLATION
    }
    assert farm_clusters == {"cluster-farm-0"}
    legit_accounts = {e.account_id for e in legit}
    assert not [v for v in verdicts if v.account_id in legit_accounts]
