"""The review console's store (SQLite), login and CSRF, and pages, without a broker: decisions
go to an in-memory publisher here; tests/integration/test_console_e2e.py drives the real page
in Chromium against Kafka and the enforcer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from schemas.events import (
    REPORT_DEADLINE,
    Action,
    Category,
    EnforcementEvent,
    ReviewDecision,
    ReviewOutcome,
    Severity,
    ViolationReport,
)
from services.console import auth, reviewers
from services.console.quality import quality
from services.console.store import ConsoleStore
from services.console.throttle import LoginThrottle
from services.console.web import COOKIE, make_app
from tests.factories import T0

SECRET = b"k" * 32
Client = TestClient[web.Request, web.Application]


def enforcement(n: int, **overrides: object) -> EnforcementEvent:
    fields: dict[str, object] = {
        "enforcement_id": f"enf-{n}",
        "event_id": f"evt-{n}",
        "account_id": "acct-1",
        "app_id": "app-1",
        "category": Category.SPAM,
        "action": Action.THROTTLE,
        "severity": Severity.MEDIUM,
        "reason": f"reason {n}",
        "evidence": {"detector": "spam", "signals": ["near_duplicate_burst"]},
        "policy_version": "p1",
        "strikes": 2,
        "decided_at": T0 + timedelta(minutes=n),
        "case_id": f"case-{n}",
    }
    return EnforcementEvent.model_validate(fields | overrides)


def report(n: int, due_in_h: float, **overrides: object) -> ViolationReport:
    """Due `due_in_h` hours after T0 (so it occurred 24 h before that)."""
    occurred = T0 + timedelta(hours=due_in_h) - REPORT_DEADLINE
    fields: dict[str, object] = {
        "report_id": f"rep-{n}",
        "event_id": f"evt-{n}",
        "account_id": "acct-1",
        "app_id": "app-1",
        "category": Category.SPAM,
        "score": 0.9,
        "occurred_at": occurred,
        "reported_at": occurred,
        "report_due_at": occurred + REPORT_DEADLINE,
        "case_id": "case-1",
    }
    return ViolationReport.model_validate(fields | overrides)


def decision(enforcement_id: str, outcome: ReviewOutcome, n: int = 0) -> ReviewDecision:
    return ReviewDecision(
        decision_id=f"d-{enforcement_id}-{n}",
        enforcement_id=enforcement_id,
        account_id="acct-1",
        outcome=outcome,
        reviewer="ana",
        reason="checked",
        decided_at=T0 + timedelta(hours=1),
    )


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    return ConsoleStore(f"sqlite:///{tmp_path}/console.db")


def test_the_queue_is_what_nobody_decided_oldest_first(store: ConsoleStore) -> None:
    for n in (3, 1, 2):
        store.add_review(enforcement(n))
    store.add_review(enforcement(1))  # delivered twice: stored once
    assert [e.enforcement_id for e in store.queue()] == ["enf-1", "enf-2", "enf-3"]
    store.add_decision(decision("enf-2", ReviewOutcome.CONFIRM))
    store.add_decision(decision("enf-2", ReviewOutcome.CONFIRM))
    assert [e.enforcement_id for e in store.queue()] == ["enf-1", "enf-3"]
    assert len(store.decisions_on("enf-2")) == 1


def test_open_reports_are_those_before_their_deadline_least_time_left_first(
    store: ConsoleStore,
) -> None:
    store.add_report(report(1, 24))
    store.add_report(report(2, 2))
    store.add_report(report(3, 0.5))
    now = (T0 + timedelta(hours=1)).timestamp()
    assert [r.report_id for r in store.open_reports(now)] == ["rep-2", "rep-1"]


def test_an_account_page_gathers_cases_actions_reversals_and_strikes(
    store: ConsoleStore,
) -> None:
    store.add_action(enforcement(1, strikes=1, case_id="case-1"))
    store.add_action(enforcement(2, strikes=2, case_id="case-2", action=Action.SUSPEND_API_KEY))
    store.add_action(
        enforcement(3, enforcement_id="rev-1", reverses="enf-2", case_id="case-2", strikes=1)
    )
    for n in range(3):
        store.add_report(report(n, 24, case_id="case-1"))
    store.add_report(report(9, 24, case_id="case-2"))
    store.add_report(report(10, 24, account_id="acct-2"))
    a = store.account("acct-1")
    assert [e.enforcement_id for e in a.actions] == ["enf-2", "enf-1"]
    assert [e.reverses for e in a.reversals] == ["enf-2"]
    assert a.strikes == {"spam": 1}  # the reversal is the newest word on spam
    cases = {c.case_id: (c.reports, c.reversed) for c in a.cases}
    assert cases == {"case-1": (3, False), "case-2": (1, True)}
    assert len(a.reports) == 4


def test_a_store_url_it_cannot_serve_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        ConsoleStore("mysql://somewhere/db")


def test_a_session_cookie_cannot_be_forged_reused_after_expiry_or_bent() -> None:
    s = auth.new_session("ana", 1000.0, hours=1)
    cookie = auth.cookie_of(s, SECRET)
    assert auth.session_of(cookie, SECRET, 1001.0) == s
    assert auth.session_of(cookie, SECRET, 1000.0 + 3601) is None  # expired
    assert auth.session_of(cookie, b"other" * 8, 1001.0) is None  # another secret
    assert auth.session_of(cookie.replace("ana", "bob"), SECRET, 1001.0) is None
    assert auth.session_of("garbage", SECRET, 1001.0) is None
    assert auth.csrf_ok(s, SECRET, auth.csrf_token(s, SECRET))
    assert not auth.csrf_ok(s, SECRET, None)
    assert not auth.csrf_ok(auth.new_session("ana", 1000.0, 1), SECRET, auth.csrf_token(s, SECRET))
    with pytest.raises(ValueError, match="reviewer name"):
        auth.new_session("ana <script>", 1000.0, 1)


class Published:
    def __init__(self) -> None:
        self.decisions: list[ReviewDecision] = []

    async def publish(self, d: ReviewDecision) -> None:
        self.decisions.append(d)


@pytest_asyncio.fixture
async def client(store: ConsoleStore) -> AsyncIterator[tuple[Client, Published]]:
    published = Published()
    app = make_app(store, published, "s3cret", SECRET)
    async with TestClient(TestServer(app)) as c:
        yield c, published


async def _login(c: Client) -> str:
    r = await c.post("/login", data={"reviewer": "ana", "password": "s3cret"})
    assert r.status == 200
    assert r.url.path == "/"
    return re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_pages_need_a_login_and_a_wrong_password_gets_none(
    client: tuple[Client, Published],
) -> None:
    c, _ = client
    r = await c.get("/", allow_redirects=False)
    assert r.status == 303
    assert r.headers["Location"] == "/login"
    assert (await c.post("/decisions", data={})).status == 403
    r = await c.post("/login", data={"reviewer": "ana", "password": "nope"})
    assert r.status == 401
    assert COOKIE not in c.session.cookie_jar.filter_cookies(c.make_url("/"))
    assert (await c.get("/healthz")).status == 200


@pytest.mark.asyncio
async def test_a_decision_needs_the_forms_token_and_goes_out_with_the_reviewers_name(
    client: tuple[Client, Published], store: ConsoleStore
) -> None:
    c, published = client
    store.add_review(enforcement(1, reason="<script>alert(1)</script> flagged"))
    csrf = await _login(c)
    page = await (await c.get("/")).text()
    assert "enf-1" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    form = {"enforcement_id": "enf-1", "outcome": "dismiss", "reason": "a newsletter"}
    assert (await c.post("/decisions", data=form)).status == 403  # no token
    assert (await c.post("/decisions", data=form | {"csrf": "forged"})).status == 403
    bad = await c.post("/decisions", data=form | {"csrf": csrf, "outcome": "ban"})
    assert bad.status == 400
    assert (await c.post("/decisions", data=form | {"csrf": csrf, "reason": ""})).status == 400
    missing = await c.post("/decisions", data=form | {"csrf": csrf, "enforcement_id": "enf-9"})
    assert missing.status == 404
    r = await c.post("/decisions", data=form | {"csrf": csrf, "decision_id": "form-1"})
    assert r.status == 200
    assert "dismiss of enf-1 sent to the enforcer" in await r.text()
    [d] = published.decisions
    assert (d.decision_id, d.outcome, d.reviewer, d.account_id, d.reason) == (
        "form-1",
        ReviewOutcome.DISMISS,
        "ana",
        "acct-1",
        "a newsletter",
    )
    assert "enf-1" not in await (await c.get("/")).text()  # out of the queue at once
    # The page it returns to is one of the console's own, never another site's.
    store.add_review(enforcement(2))
    for back in ("//evil.example", "/\\evil.example", "https://evil.example", "/accounts/a b"):
        r = await c.post(
            "/decisions",
            data=form | {"csrf": csrf, "enforcement_id": "enf-2", "back": back},
            allow_redirects=False,
        )
        assert r.headers["Location"].startswith("/?done="), back


@pytest.mark.asyncio
async def test_reports_and_account_pages_render(
    client: tuple[Client, Published], store: ConsoleStore
) -> None:
    c, _ = client
    hours_ahead = (datetime.now(UTC) - T0).total_seconds() / 3600 + 5
    store.add_report(report(1, hours_ahead))  # due in 5 h whenever the test runs
    store.add_action(enforcement(1))
    await _login(c)
    page = await (await c.get("/reports")).text()
    assert "rep-1" in page
    assert re.search(r"<td>4 h 5\d min</td>", page)
    page = await (await c.get("/accounts/acct-1")).text()
    assert "enf-1" in page
    assert 'value="reverse"' in page
    assert "No decisions yet" in await (await c.get("/quality")).text()
    r = await c.get("/accounts?account_id=acct-1", allow_redirects=False)
    assert r.headers["Location"] == "/accounts/acct-1"


def test_quality_is_measured_per_detector_model_and_stage_from_the_latest_decisions(
    store: ConsoleStore,
) -> None:
    old = {"detector": "spam", "model_version": "m1"}
    new = {"detector": "spam", "model_version": "m2"}
    # Review items (never applied): m1 confirmed twice, m2 dismissed twice, once confirmed.
    for n, evidence in ((1, old), (2, old), (3, new), (4, new), (5, new)):
        store.add_review(enforcement(n, evidence=evidence))
    # A sanction of m2 applied, then reversed by a person.
    store.add_action(enforcement(6, evidence=new))
    for n, outcome in ((1, "confirm"), (2, "confirm"), (3, "dismiss"), (4, "dismiss")):
        store.add_decision(decision(f"enf-{n}", ReviewOutcome(outcome)))
    store.add_decision(decision("enf-5", ReviewOutcome.DISMISS, 0))
    store.add_decision(
        decision("enf-5", ReviewOutcome.CONFIRM, 1).model_copy(
            update={"decided_at": T0 + timedelta(hours=2)}
        )
    )  # a person changed their mind: the latest counts
    store.add_decision(decision("enf-6", ReviewOutcome.REVERSE))
    rows = {q.model_version: q for q in quality(store.decided(0))}
    assert (rows["m1"].review_precision, rows["m1"].sanction_precision) == (1.0, None)
    assert rows["m2"].review_precision == pytest.approx(1 / 3)
    assert (rows["m2"].sanctions_reversed, rows["m2"].sanction_precision) == (1, 0.0)
    assert [q.model_version for q in quality(store.decided(0))] == ["m2", "m1"]  # worst first


def test_a_held_action_confirmed_counts_as_review_not_as_a_sanction(store: ConsoleStore) -> None:
    store.add_review(enforcement(1))
    store.add_decision(decision("enf-1", ReviewOutcome.CONFIRM))
    # The enforcer applies it after the decision, under the same id.
    store.add_action(enforcement(1, decided_at=T0 + timedelta(hours=3)))
    [q] = quality(store.decided(0))
    assert (q.review_confirmed, q.sanctions_decided) == (1, 0)


def test_the_store_keeps_its_position_with_its_records_in_one_transaction(
    store: ConsoleStore,
) -> None:
    assert store.offsets() == {}
    with store.batch():
        store.add_review(enforcement(1))
        store.set_offset("enforcement.review", 3, 8)
    assert store.offsets() == {("enforcement.review", 3): 8}

    def dies_mid_batch() -> None:
        with store.batch():
            store.add_review(enforcement(2))
            store.set_offset("enforcement.review", 3, 9)
            raise RuntimeError("the process dies mid-batch")

    with pytest.raises(RuntimeError):
        dies_mid_batch()
    # Neither the record nor the position moved: the batch is read again, once.
    assert [e.enforcement_id for e in store.queue()] == ["enf-1"]
    assert store.offsets() == {("enforcement.review", 3): 8}


def test_login_misses_lock_an_address_out_for_longer_each_time_and_many_lock_all() -> None:
    t = LoginThrottle(free_failures=3, window_s=60, base_lockout_s=10, global_failures=8)
    for i in range(3):
        assert t.retry_after("a", i) == 0
        t.failed("a", i)
    assert t.retry_after("a", 3) == 0  # three misses are free
    t.failed("a", 3)
    assert t.retry_after("a", 4) == pytest.approx(9)
    assert t.retry_after("b", 4) == 0  # another address is not slowed by a's misses
    t.failed("a", 13)
    assert t.retry_after("a", 14) == pytest.approx(19)  # doubled
    t.succeeded("a")
    assert t.retry_after("a", 14) == 0
    # Spread over many addresses, the misses lock every login out for a while.
    for i in range(9):
        t.failed(f"c{i}", 20)
    assert t.retry_after("fresh", 21) == pytest.approx(9)
    assert t.retry_after("fresh", 31) == 0
    # Its memory is bounded.
    small = LoginThrottle(max_clients=2)
    for name in "xyz":
        small.failed(name, 0)
    assert len(small._clients) == 2


def test_reviewer_accounts_keep_hashes_only_and_check_name_and_password(tmp_path: Path) -> None:
    path = tmp_path / "users"
    reviewers.set_password(path, "ana", "correct horse")
    reviewers.set_password(path, "bo", "battery staple")
    reviewers.set_password(path, "ana", "new one")  # a change, not a second line
    text = path.read_text()
    assert "horse" not in text
    assert "new one" not in text
    assert path.stat().st_mode & 0o077 == 0
    accounts = reviewers.load(path)
    assert sorted(accounts) == ["ana", "bo"]
    assert reviewers.check(accounts, "ana", "new one")
    assert not reviewers.check(accounts, "ana", "correct horse")
    assert not reviewers.check(accounts, "bo", "new one")  # someone else's password
    assert not reviewers.check(accounts, "cy", "new one")
    (tmp_path / "bad").write_text("ana:plaintext\n")
    with pytest.raises(ValueError, match="bad:1"):
        reviewers.load(tmp_path / "bad")
    with pytest.raises(ValueError, match="reviewer name"):
        reviewers.set_password(path, "a b", "x")


@pytest.mark.asyncio
async def test_with_accounts_each_reviewer_logs_in_as_themselves(
    store: ConsoleStore, tmp_path: Path
) -> None:
    reviewers.set_password(tmp_path / "users", "ana", "ana's own")
    app = make_app(
        store, Published(), None, SECRET, reviewer_accounts=reviewers.load(tmp_path / "users")
    )
    async with TestClient(TestServer(app)) as c:
        # The name is the account's: another name with ana's password gets no session.
        assert (
            await c.post("/login", data={"reviewer": "bo", "password": "ana's own"})
        ).status == 401
        r = await c.post("/login", data={"reviewer": "ana", "password": "ana's own"})
        assert r.status == 200
        assert "ana" in await r.text()
    with pytest.raises(ValueError, match="CONSOLE_USERS"):
        make_app(store, Published(), None, SECRET)


@pytest.mark.asyncio
async def test_guessing_gets_too_many_requests_and_logging_out_ends_the_session(
    store: ConsoleStore,
) -> None:
    throttle = LoginThrottle(free_failures=2, base_lockout_s=60)
    app = make_app(store, Published(), "s3cret", SECRET, throttle=throttle)
    async with TestClient(TestServer(app)) as c:
        for _ in range(3):
            assert (
                await c.post("/login", data={"reviewer": "x", "password": "guess"})
            ).status == 401
        r = await c.post("/login", data={"reviewer": "ana", "password": "s3cret"})
        assert r.status == 429  # even the right password waits out the lockout
        assert 0 < int(r.headers["Retry-After"]) <= 60
        assert "try again in" in await r.text()
    async with TestClient(TestServer(make_app(store, Published(), "s3cret", SECRET))) as c:
        csrf = await _login(c)
        cookie = c.session.cookie_jar.filter_cookies(c.make_url("/"))[COOKIE].value
        r = await c.post("/logout", data={"csrf": csrf}, allow_redirects=False)
        assert r.status == 303
        # The same cookie, replayed after logging out (a copy kept by someone else), is dead.
        r = await c.get("/", cookies={COOKIE: cookie}, allow_redirects=False)
        assert r.status == 303
        assert r.headers["Location"] == "/login"


def test_an_ended_session_stays_ended_until_it_would_have_expired(store: ConsoleStore) -> None:
    store.end_session("n1", expires_s=100.0, now_s=10.0)
    store.end_session("n1", expires_s=100.0, now_s=11.0)  # twice is once
    store.end_session("n2", expires_s=50.0, now_s=12.0)
    assert store.session_ended("n1")
    assert store.session_ended("n2")
    assert not store.session_ended("n3")
    store.end_session("n3", expires_s=200.0, now_s=60.0)  # n2 is past expiry: forgotten
    assert not store.session_ended("n2")
    assert store.session_ended("n1")


def test_long_lists_come_in_pages_with_every_row_reachable(store: ConsoleStore) -> None:
    for n in range(1, 121):
        store.add_review(enforcement(n, decided_at=T0 + timedelta(seconds=n)))
        store.add_report(report(n, 1 + n / 100))
    store.add_decision(decision("enf-1", ReviewOutcome.DISMISS))
    assert store.queue_size() == 119
    pages = [store.queue(50, offset) for offset in (0, 50, 100)]
    assert [len(p) for p in pages] == [50, 50, 19]
    seen = [e.enforcement_id for p in pages for e in p]
    assert seen == [f"enf-{n}" for n in range(2, 121)]
    now = T0.timestamp()
    assert store.open_report_count(now) == 120
    assert store.open_reports(now, 100, 100)[-1].report_id == "rep-120"


@pytest.mark.asyncio
async def test_the_queue_and_reports_pages_say_the_whole_count_and_link_the_next_page(
    client: tuple[Client, Published], store: ConsoleStore
) -> None:
    c, _ = client
    for n in range(1, 61):
        store.add_review(enforcement(n, decided_at=T0 + timedelta(seconds=n)))
    await _login(c)
    first = await (await c.get("/")).text()
    assert "60 waiting" in first
    assert "1–50 of 60" in first
    assert 'href="/?page=2" rel="next"' in first
    assert "enf-50" in first
    assert 'id="item-enf-51"' not in first
    second = await (await c.get("/?page=2")).text()
    assert 'id="item-enf-51"' in second
    assert 'id="item-enf-60"' in second
    assert 'rel="prev"' in second
    assert "51–60 of 60" in await (await c.get("/?page=99")).text()  # past the end: the last
    assert "1–50 of 60" in await (await c.get("/?page=x")).text()
