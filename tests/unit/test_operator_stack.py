"""The operator's stack under infra/ stays true to the code: the compose file is valid (checked
by the same loader `docker compose config` uses), every service it runs is scraped by Prometheus,
and every metric the Grafana dashboard queries is one the services declare."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import yaml

from usewatch.localstack import ROOT

INFRA = ROOT / "infra"


def services_of_the_stack() -> list[str]:
    """SERVICES=(...) in infra/stack: the processes `make up` runs, in either topology."""
    found = re.findall(r"SERVICES=\(([^)]+)\)", (INFRA / "stack").read_text())
    assert len(found) == 2  # separate, shared
    return sorted({s for services in found for s in services.split()})


def test_the_compose_file_is_valid_and_the_console_needs_a_password() -> None:
    def check(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [INFRA / "compose-check" / "run", ROOT / "docker-compose.yml"],
            capture_output=True,
            text=True,
            check=False,
            env={k: v for k, v in os.environ.items() if k != "CONSOLE_PASSWORD"} | env,
        )

    result = check(CONSOLE_PASSWORD="for-the-check")
    assert result.returncode == 0, result.stderr
    refused = check()
    assert refused.returncode != 0
    assert "CONSOLE_PASSWORD" in refused.stderr


def test_compose_and_prometheus_run_and_scrape_every_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    prometheus = yaml.safe_load((INFRA / "prometheus" / "prometheus.yml").read_text())
    (job,) = prometheus["scrape_configs"]
    targets = {t.split(":")[0] for t in job["static_configs"][0]["targets"]}
    for service in services_of_the_stack():
        assert compose["services"][service]["command"][-1] == f"services.{service}"
        assert service in targets
    assert {"otel-collector", "jaeger", "prometheus", "grafana"} <= set(compose["services"])


def declared_metrics() -> set[str]:
    """Prometheus base names of every OpenTelemetry instrument created in services/."""
    names = set()
    pattern = re.compile(
        r"create_(counter|histogram|observable_gauge)\(\s*\"([a-z_.]+)\"(.*?)\)\n", re.S
    )
    for path in (ROOT / "services").rglob("*.py"):
        for kind, name, rest in pattern.findall(path.read_text()):
            base = name.replace(".", "_") + ("_seconds" if 'unit="s"' in rest else "")
            names.add(base + ("_total" if kind == "counter" else ""))
    return names


def test_every_metric_the_dashboard_and_the_alerts_query_is_declared() -> None:
    dashboard = json.loads((INFRA / "grafana" / "dashboards" / "usewatch.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((INFRA / "prometheus" / "rules" / "usewatch.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
    used = {m for e in exprs for m in re.findall(r"usewatch_[a-z_]+", e)}
    declared = declared_metrics()
    assert len(declared) >= 15
    for metric in used:
        base = re.sub(r"_(bucket|count|sum)$", "", metric)
        assert metric in declared or base in declared, metric


def test_the_collector_forwards_traces_to_jaeger() -> None:
    collector = yaml.safe_load((INFRA / "otel" / "collector.yaml").read_text())
    traces = collector["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"]
    assert collector["exporters"][traces["exporters"][0]]["endpoint"] == "jaeger:4317"
    assert Path(INFRA / "grafana" / "provisioning" / "datasources" / "datasources.yaml").exists()


def test_every_panel_says_what_it_shows_and_reads_the_chosen_datasource() -> None:
    dashboard = json.loads((INFRA / "grafana" / "dashboards" / "usewatch.json").read_text())
    (variable,) = dashboard["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    for panel in dashboard["panels"]:
        assert panel.get("description"), panel["title"]
        for source in [panel["datasource"], *(t["datasource"] for t in panel["targets"])]:
            assert source == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
    # The headroom is read from the oldest open report, not from a histogram that tops out
    # below the deadline.
    headroom = next(p for p in dashboard["panels"] if p["title"] == "Report deadline headroom")
    assert "usewatch_report_oldest_open_age_seconds" in headroom["targets"][0]["expr"]


def test_every_service_of_the_stack_has_a_principal_and_every_detector_is_hostable() -> None:
    """A new service added to infra/stack without a principal would be refused by a secured
    broker; a detector the shared worker cannot host would be missing from STACK_TOPOLOGY=shared."""
    from schemas.principals import grants
    from services.detectors.settings import KNOWN

    principals = {g.principal for g in grants()}
    assert set(services_of_the_stack()) <= principals
    stages = set(services_of_the_stack()) - {"gateway", "enforcement", "detectors"}
    assert stages == set(KNOWN)
