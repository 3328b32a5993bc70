"""The reporting clock behind the report-latency and oldest-open-report metrics."""

from __future__ import annotations

from datetime import timedelta

from schemas.events import REPORT_DEADLINE, Category, ViolationReport
from services.enforcement.report_clock import ReportClock
from tests.factories import T0


def report(n: int, occurred_min: int, latency_s: float) -> ViolationReport:
    occurred = T0 + timedelta(minutes=occurred_min)
    return ViolationReport(
        report_id=f"rep-{n}",
        event_id=f"evt-{n}",
        account_id="acct",
        app_id="app",
        category=Category.SPAM,
        score=0.9,
        occurred_at=occurred,
        reported_at=occurred + timedelta(seconds=latency_s),
        report_due_at=occurred + REPORT_DEADLINE,
    )


def test_latency_and_the_oldest_open_report() -> None:
    clock = ReportClock()
    assert clock.published(report(1, 0, 0.25)) == 0.25
    assert clock.published(report(2, 30, 3.0)) == 3.0
    assert clock.oldest_open_age_s(T0 + timedelta(hours=1)) == 3600
    # Past the first deadline only the second report is open, and the first is forgotten.
    assert clock.oldest_open_age_s(T0 + REPORT_DEADLINE) == 24 * 3600 - 30 * 60
    assert len(clock) == 1
    assert clock.oldest_open_age_s(T0 + REPORT_DEADLINE + timedelta(hours=1)) == 0.0
    assert len(clock) == 0
