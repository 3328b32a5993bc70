"""The command line as people expect it: user errors in one line and a non-zero exit, never a
traceback; --version; the environment in --help. Run as a process, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import event

pytestmark = pytest.mark.unit


def usewatch(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usewatch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    one_line_error(usewatch("backtest", str(tmp_path / "nope.jsonl")), "cannot read", "nope")


def test_a_bad_policy_file_is_one_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event(1).model_dump_json() + "\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: x\nshadow_mode: sometimes\n")
    one_line_error(usewatch("backtest", str(events), "--policy", str(policy)), "invalid policy")


def test_an_unknown_topic_is_one_line() -> None:
    one_line_error(usewatch("tail", "no.such.topic"), "unknown topic", "enforcement.actions")


def test_an_unreachable_broker_is_one_line() -> None:
    result = usewatch("apps", "list", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    one_line_error(result, "no Kafka broker answers", "127.0.0.1:1")


def test_backtest_exits_non_zero_when_it_skipped_invalid_lines(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event(1).model_dump_json() + "\n" + '{"event_id": 3}\n')
    result = usewatch("backtest", str(events))
    assert result.returncode == 1
    assert "skipped 1 invalid line" in result.stderr
    assert result.stdout.count("\n") >= 1  # the valid line was still judged


def test_version_and_the_environment_in_help() -> None:
    version = usewatch("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("usewatch ")
    helped = usewatch("--help")
    assert helped.returncode == 0
    for variable in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "TOPIC_PREFIX"):
        assert variable in helped.stdout


def test_console_user_adds_an_account_and_refuses_an_empty_password(tmp_path: Path) -> None:
    from services.console import reviewers

    users = tmp_path / "users"
    made = usewatch("console-user", "ana", "--file", str(users), stdin="long enough\n")
    assert made.returncode == 0, made.stderr
    assert reviewers.check(reviewers.load(users), "ana", "long enough")
    empty = usewatch("console-user", "bo", "--file", str(users), stdin="\n")
    one_line_error(empty, "cannot be empty")
    # The console refuses a broken accounts file in one line too.
    users.write_text("ana:plaintext\n")
    one_line_error(usewatch("console", CONSOLE_USERS=str(users)), "expected name:scrypt")
