"""The console's store on a real PostgreSQL server, with the same contract as on SQLite (the
unit tests' engine): idempotent upserts, the queue, open reports, an account's page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from services.console.store import ConsoleStore
from tests.unit import test_console as contract


@pytest.fixture
def store(postgres_url: str) -> Iterator[ConsoleStore]:
    # A schema of its own per test: the tables start empty.
    import psycopg

    schema = f"t{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    s = ConsoleStore(f"{postgres_url}?options=-csearch_path%3D{schema}")
    try:
        yield s
    finally:
        s.close()


@pytest.mark.parametrize(
    "case",
    [
        contract.test_the_queue_is_what_nobody_decided_oldest_first,
        contract.test_open_reports_are_those_before_their_deadline_least_time_left_first,
        contract.test_an_account_page_gathers_cases_actions_reversals_and_strikes,
        contract.test_quality_is_measured_per_detector_model_and_stage_from_the_latest_decisions,
        contract.test_a_held_action_confirmed_counts_as_review_not_as_a_sanction,
        contract.test_the_store_keeps_its_position_with_its_records_in_one_transaction,
        contract.test_an_ended_session_stays_ended_until_it_would_have_expired,
        contract.test_long_lists_come_in_pages_with_every_row_reachable,
    ],
    ids=lambda f: f.__name__.removeprefix("test_"),
)
def test_the_store_keeps_its_contract_on_postgresql(case: object, store: ConsoleStore) -> None:
    case(store)  # type: ignore[operator]
    assert store.url.startswith("postgresql://")
