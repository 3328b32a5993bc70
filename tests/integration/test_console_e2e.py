"""The review console end to end: the enforcer on the real Kafka and Redis, the console as its
own process, and a person's decisions clicked in headless Chromium (Debian's, driven by
selenium through Debian's chromedriver): a suspect dismissed from the queue and an applied
action reversed from the account page, checked on review.decisions, enforcement.actions and
the enforcer's strikes. Then held actions confirmed and dismissed (each decision once), and a
console whose store was lost rebuilding it from the topics."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from kafka import KafkaProducer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from schemas.codec import encode, encode_key
from schemas.events import (
    REPORT_DEADLINE,
    Action,
    EnforcementEvent,
    Label,
    ReviewDecision,
    ReviewOutcome,
    Severity,
    ViolationReport,
)
from schemas.topics import (
    ENFORCEMENT_ACTIONS,
    ENFORCEMENT_REPORTS,
    ENFORCEMENT_REVIEW,
    REVIEW_DECISIONS,
)
from services.enforcement.policy import DEFAULT_POLICY
from tests.integration.conftest import TEST_STATE
from tests.integration.harness import ConsolePage, decode_all, group_lag, read_all, wait_for
from tests.integration.test_enforcement_e2e import publish_verdicts, settle, spam_verdict
from usewatch.localstack import CONSOLE_READY, ServiceProcess, Stack
from usewatch.operator import account_view
from usewatch.settings import ClientSettings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PASSWORD = "correct horse battery staple"


def operator_settings(stack: Stack, prefix: str) -> ClientSettings:
    """What `usewatch account` reads the enforcer's state with, on the test stack."""
    return ClientSettings(
        kafka_bootstrap_servers=stack.bootstrap, redis_url=stack.redis_url, topic_prefix=prefix
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.fail("Chromium and chromedriver are missing: run make setup")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()


def console_process(stack: Stack, prefix: str, db: Path, port: int) -> ServiceProcess:
    """The console as its own process on the test stack, started (ready when it serves)."""
    proc = ServiceProcess(
        module="services.console",
        env={
            **stack.script_env(),
            "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
            "TOPIC_PREFIX": prefix,
            "CONSOLE_PORT": str(port),
            "CONSOLE_PASSWORD": PASSWORD,
            "CONSOLE_DATABASE_URL": f"sqlite:///{db}",
        },
        log_path=TEST_STATE / "logs" / f"{prefix}console.log",
        ready_marker=CONSOLE_READY,
    )
    proc.start()
    return proc


@pytest.fixture
def console(stack: Stack, prefix: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = console_process(stack, prefix, tmp_path / "console.db", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()


def _until_shown(driver: WebDriver, url: str, text: str, what: str) -> None:
    def shown() -> bool:
        driver.get(url)
        # Sent back to the login, the wait would only time out: say so at once.
        assert not driver.current_url.endswith("/login"), f"logged out waiting for {what}"
        return text in driver.page_source

    wait_for(shown, 60, what)


def _click_and_wait(driver: WebDriver, button: WebElement, shown: str, what: str) -> None:
    """Click a form's button and wait for the page its POST leads to. Chromedriver's click does
    not always wait for a form's navigation, and a `get` sent meanwhile cancels the POST (a
    login whose cookie never arrives), so the test waits for the answer on the page itself."""
    button.click()
    wait_for(lambda: shown in driver.page_source, 60, what)


def test_a_reviewer_dismisses_a_suspect_and_reverses_an_action_in_the_browser(
    stack: Stack,
    prefix: str,
    service: Callable[..., ServiceProcess],
    console: str,
    browser: WebDriver,
) -> None:
    service("enforcement")
    suspect = spam_verdict("acct-s", 0, score=0.6).model_copy(update={"label": Label.SUSPECT})
    publish_verdicts(stack, prefix, [spam_verdict("acct-c", 0), suspect])
    settle(stack, prefix)
    [action] = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
    )
    [review] = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_REVIEW.full_name(prefix))
    )
    client = operator_settings(stack, prefix)
    assert asyncio.run(account_view(client, "acct-c")).strikes == {"spam": 1}

    # Logged out, every page leads to the login; a wrong password gets nowhere.
    browser.get(console + "/")
    assert browser.current_url.endswith("/login")
    browser.find_element(By.NAME, "reviewer").send_keys("ana")
    browser.find_element(By.NAME, "password").send_keys("wrong")
    _click_and_wait(
        browser,
        browser.find_element(By.CSS_SELECTOR, "main form button"),
        "Wrong password",
        "the refusal",
    )
    browser.find_element(By.NAME, "reviewer").send_keys("ana")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _click_and_wait(
        browser, browser.find_element(By.CSS_SELECTOR, "main form button"), "Log out", "the login"
    )

    # The queue: the suspect with its evidence; dismissed with a reason.
    _until_shown(browser, console + "/", review.enforcement_id, "the suspect in the queue")
    item = browser.find_element(By.ID, f"item-{review.enforcement_id}")
    assert "acct-s" in item.text
    item.find_element(By.NAME, "reason").send_keys("a newsletter the user subscribed to")
    _click_and_wait(
        browser,
        item.find_element(By.CSS_SELECTOR, "button[value=dismiss]"),
        "dismiss of ",
        "the dismissal",
    )
    assert "dismiss of " + review.enforcement_id in browser.find_element(By.ID, "done").text
    assert f"item-{review.enforcement_id}" not in browser.page_source

    # The open reports, least time left first, and the account's applied action: reversed.
    _until_shown(browser, console + "/reports", "acct-c", "the report among the open ones")
    browser.find_element(By.LINK_TEXT, "acct-c").click()
    _until_shown(browser, browser.current_url, action.enforcement_id, "the action on the page")
    section = browser.find_element(By.ID, f"action-{action.enforcement_id}")
    section.find_element(By.NAME, "reason").send_keys("appeal upheld: opt-in list")
    _click_and_wait(
        browser,
        section.find_element(By.CSS_SELECTOR, "button[value=reverse]"),
        "reverse of ",
        "the reversal",
    )
    assert "reverse of " + action.enforcement_id in browser.find_element(By.ID, "done").text

    # On the topics: two decisions with the reviewer's name; the enforcer published one
    # reversal (the dismissed suspect had nothing applied) and removed the strike.
    decisions = decode_all(
        ReviewDecision, read_all(stack.bootstrap, REVIEW_DECISIONS.full_name(prefix))
    )
    assert [(d.outcome, d.reviewer, d.enforcement_id) for d in decisions] == [
        (ReviewOutcome.DISMISS, "ana", review.enforcement_id),
        (ReviewOutcome.REVERSE, "ana", action.enforcement_id),
    ]

    def reversals() -> list[EnforcementEvent]:
        return [
            a
            for a in decode_all(
                EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
            )
            if a.reverses
        ]

    wait_for(lambda: len(reversals()) == 1, 60, "the enforcer to apply the reversal")
    [undo] = reversals()
    assert undo.reverses == action.enforcement_id
    assert undo.evidence["by"] == "reviewer:ana"
    assert undo.reason == "appeal upheld: opt-in list"
    assert asyncio.run(account_view(client, "acct-c")).strikes.get("spam", 0) == 0

    # The account page shows it reversed, with who and why, once the console has read it back.
    _until_shown(
        browser, f"{console}/accounts/acct-c", "reviewer:ana", "the reversal on the account page"
    )
    assert "appeal upheld" in browser.page_source

    # The loop closed: both decisions judged spam model "m" wrong, one in review, one sanction.
    browser.find_element(By.LINK_TEXT, "Quality").click()
    row = browser.find_element(By.XPATH, "//td[text()='spam']/..").text
    assert "0 / 1 0.0 % 0 / 1 0.0 %" in row, row
    assert datetime.now(UTC) < action.report_due_at  # type: ignore[operator]


def test_held_actions_are_applied_on_confirm_released_on_dismiss_and_each_decision_once(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess], tmp_path: Path
) -> None:
    # Every action over its hourly quota: each violation's action is held for a person.
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw["quotas_per_hour"] = {action.value: 0 for action in Action}
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(raw))
    service("enforcement", ENFORCEMENT_POLICY_PATH=str(policy))
    publish_verdicts(stack, prefix, [spam_verdict("acct-h", 0), spam_verdict("acct-d", 0)])
    settle(stack, prefix)
    assert read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix)) == []
    held = {
        e.account_id: e
        for e in decode_all(
            EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_REVIEW.full_name(prefix))
        )
    }

    def decide(account: str, outcome: ReviewOutcome, decision_id: str) -> ReviewDecision:
        return ReviewDecision(
            decision_id=decision_id,
            enforcement_id=held[account].enforcement_id,
            account_id=account,
            outcome=outcome,
            reviewer="ana",
            reason="looked at it",
            decided_at=datetime.now(UTC),
        )

    confirm = decide("acct-h", ReviewOutcome.CONFIRM, "d-1")
    dismiss = decide("acct-d", ReviewOutcome.DISMISS, "d-2")
    publish_decisions(stack, prefix, [confirm, dismiss, confirm])  # the confirm twice

    def actions() -> list[EnforcementEvent]:
        return decode_all(
            EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
        )

    wait_for(lambda: len(actions()) >= 2, 60, "the decisions applied")
    decisions_read(stack, prefix, "every decision read")
    applied, released = sorted(actions(), key=lambda a: a.account_id != "acct-h")
    assert len(actions()) == 2  # the repeated confirm changed nothing
    assert applied.enforcement_id == held["acct-h"].enforcement_id
    assert applied.evidence["confirmed_by"] == "ana"
    assert released.reverses == held["acct-d"].enforcement_id
    client = operator_settings(stack, prefix)
    assert asyncio.run(account_view(client, "acct-h")).strikes == {"spam": 1}
    assert asyncio.run(account_view(client, "acct-d")).strikes.get("spam", 0) == 0


def decisions_read(stack: Stack, prefix: str, what: str) -> None:
    """Wait until the enforcer has read every decision on the topic."""
    topic = REVIEW_DECISIONS.full_name(prefix)
    wait_for(
        lambda: group_lag(stack.bootstrap, f"{prefix}usewatch-enforcement", topic) == 0, 60, what
    )


def publish_decisions(stack: Stack, prefix: str, decisions: list[ReviewDecision]) -> None:
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    for d in decisions:
        producer.send(
            REVIEW_DECISIONS.full_name(prefix), key=encode_key(d.account_id), value=encode(d)
        )
    producer.flush()
    producer.close()


def test_a_lost_console_store_rebuilds_itself_from_the_topics(
    stack: Stack, prefix: str, tmp_path: Path
) -> None:
    db = tmp_path / "console.db"
    port = free_port()

    def console() -> ServiceProcess:
        return console_process(stack, prefix, db, port)

    def shows(path: str, text: str) -> None:
        page = ConsolePage(f"http://127.0.0.1:{port}")
        page.login("ana", PASSWORD)
        wait_for(lambda: text in page.get(path), 60, f"{text} on {path}")

    review = spam_verdict("acct-l", 0, score=0.6).model_copy(update={"label": Label.SUSPECT})
    first = console()
    try:
        publish_verdicts(stack, prefix, [review])
        # No enforcer here: the review item is published as the enforcer would have.
        item = EnforcementEvent(
            enforcement_id="sus-lost",
            event_id=review.event_id,
            account_id="acct-l",
            app_id="app-1",
            category=review.category,
            action=Action.FLAG_FOR_REVIEW,
            severity=Severity.LOW,
            reason="Possible spam; a person should decide.",
            policy_version="p",
            strikes=0,
            decided_at=datetime.now(UTC),
        )
        producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
        producer.send(
            ENFORCEMENT_REVIEW.full_name(prefix), key=encode_key("acct-l"), value=encode(item)
        ).get(timeout=30)
        producer.close()
        shows("/", "sus-lost")
    finally:
        first.stop()
    for leftover in tmp_path.glob("console.db*"):  # the database and its write-ahead log
        leftover.unlink()
    second = console()
    try:
        shows("/", "sus-lost")  # read again from the topic's beginning
        assert db.exists()
    finally:
        second.stop()


def test_a_confirmed_suspect_is_enforced_and_reported_as_a_violation(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess]
) -> None:
    service("enforcement")
    suspect = spam_verdict("acct-q", 0, score=0.6).model_copy(update={"label": Label.SUSPECT})
    publish_verdicts(stack, prefix, [suspect])
    settle(stack, prefix)
    [item] = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_REVIEW.full_name(prefix))
    )
    assert read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix)) == []
    confirm = ReviewDecision(
        decision_id="d-q",
        enforcement_id=item.enforcement_id,
        account_id="acct-q",
        outcome=ReviewOutcome.CONFIRM,
        reviewer="ana",
        reason="a phishing run, not a newsletter",
        decided_at=datetime.now(UTC),
    )
    publish_decisions(stack, prefix, [confirm, confirm])

    def reports() -> list[ViolationReport]:
        return decode_all(
            ViolationReport, read_all(stack.bootstrap, ENFORCEMENT_REPORTS.full_name(prefix))
        )

    wait_for(lambda: len(reports()) == 1, 60, "the confirmed suspect's report")
    decisions_read(stack, prefix, "both deliveries of the decision read")
    [report] = reports()  # the decision twice: one report
    assert report.event_id == suspect.event_id
    assert report.report_due_at == suspect.subject.occurred_at + REPORT_DEADLINE
    [action] = decode_all(
        EnforcementEvent, read_all(stack.bootstrap, ENFORCEMENT_ACTIONS.full_name(prefix))
    )
    assert action.evidence["confirmed_by"] == "ana"
    assert action.enforcement_id != item.enforcement_id  # enf-…, beside the suspect's sus-…
    client = operator_settings(stack, prefix)
    assert asyncio.run(account_view(client, "acct-q")).strikes == {"spam": 1}
