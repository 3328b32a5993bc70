"""The 24-hour reporting clock as this enforcer process sees it: how late its reports were
published, and how old the oldest report still inside its 24-hour window is. Pure bookkeeping;
the agent turns it into metrics (per process: Prometheus takes the max across workers)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime

from schemas.events import ViolationReport


@dataclass
class ReportClock:
    """Bounded by the reports of the last 24 h: those past their deadline are dropped first."""

    _open: list[tuple[float, float]] = field(default_factory=list)  # (due, occurred) epoch s

    def published(self, report: ViolationReport) -> float:
        """Note a published report; return its latency (occurred → reported) in seconds."""
        heapq.heappush(
            self._open, (report.report_due_at.timestamp(), report.occurred_at.timestamp())
        )
        return (report.reported_at - report.occurred_at).total_seconds()

    def oldest_open_age_s(self, now: datetime) -> float:
        """Age of the oldest report not yet past its deadline (0 when there is none)."""
        t = now.timestamp()
        while self._open and self._open[0][0] <= t:
            heapq.heappop(self._open)
        return t - self._open[0][1] if self._open else 0.0

    def __len__(self) -> int:
        return len(self._open)
