"""The alerting rules (infra/prometheus/rules) are valid and fire when, and only when, they
should: `promtool test rules` on synthetic series (rules/usewatch_test.yml)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from usewatch.localstack import ROOT

RULES = ROOT / "infra/prometheus/rules"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool missing: `make setup` installs it (Debian's prometheus package)")
    return found


def test_rules_are_valid() -> None:
    done = subprocess.run(
        [promtool(), "check", "rules", str(RULES / "usewatch.yml")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_fire_when_they_should() -> None:
    done = subprocess.run(
        [promtool(), "test", "rules", "usewatch_test.yml"],
        cwd=RULES,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_runbook_and_a_test_and_prometheus_loads_them() -> None:
    groups = yaml.safe_load((RULES / "usewatch.yml").read_text())["groups"]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    assert all(a["annotations"].get("runbook") for a in alerts)
    tested = {
        t["alertname"]
        for case in yaml.safe_load((RULES / "usewatch_test.yml").read_text())["tests"]
        for t in case["alert_rule_test"]
    }
    assert {a["alert"] for a in alerts} == tested
    config = yaml.safe_load((ROOT / "infra/prometheus/prometheus.yml").read_text())
    assert config["rule_files"] == ["rules/usewatch.yml"]
