"""`usewatch backtest`: offline, deterministic, and the same decisions as the live services."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from schemas.events import Action, Category, Label
from services.enforcement.policy import DEFAULT_POLICY, load_policy
from tests.factories import ham_traffic, spam_campaign
from usewatch.backtest import backtest
from usewatch.cli import app

EVENTS = spam_campaign(30, "acct-spam") + ham_traffic(30, "acct-ham")


def test_the_same_input_gives_the_same_output_in_any_order() -> None:
    first = [(t.name, m) for t, m in asyncio.run(backtest(EVENTS))]
    shuffled = [(t.name, m) for t, m in asyncio.run(backtest(list(reversed(EVENTS)) + EVENTS[:5]))]
    assert first == shuffled
    assert len(first) == 180  # spam, misrepresentation, content safety judge every event


def test_with_a_policy_it_shows_what_the_enforcer_would_publish() -> None:
    published = list(asyncio.run(backtest(EVENTS, load_policy(DEFAULT_POLICY))))
    verdicts = [m for t, m in published if t.name == "verdicts"]
    actions = [m for t, m in published if t.name == "enforcement.actions"]
    reports = [m for t, m in published if t.name == "enforcement.reports"]
    violations = [v for v in verdicts if v.label == Label.VIOLATION]  # type: ignore[attr-defined]
    assert violations
    assert len(reports) == len(violations)
    # A campaign of 30 within the hour is one case: one sanction, every violation reported.
    assert [a.action for a in actions] == [Action.FLAG_FOR_REVIEW]  # type: ignore[attr-defined]
    assert len({r.case_id for r in reports}) == 1  # type: ignore[attr-defined]
    assert all(r.category == Category.SPAM for r in reports)  # type: ignore[attr-defined]


def test_the_command_prints_one_json_per_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(e.model_dump_json() + "\n" for e in EVENTS))
    plain = CliRunner().invoke(app, ["backtest", str(path)])
    assert plain.exit_code == 0, plain.output
    lines = [json.loads(line) for line in plain.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 180
    assert {line["detector"] for line in lines} == {"spam", "misrepresentation", "content_safety"}
    with_policy = CliRunner().invoke(app, ["backtest", str(path), "--policy", str(DEFAULT_POLICY)])
    assert with_policy.exit_code == 0, with_policy.output
    topics = {
        json.loads(line)["topic"]
        for line in with_policy.stdout.splitlines()
        if line.startswith("{")
    }
    assert {"verdicts", "enforcement.actions", "enforcement.reports"} <= topics
    assert topics <= {
        "verdicts",
        "enforcement.actions",
        "enforcement.reports",
        "enforcement.review",
    }
