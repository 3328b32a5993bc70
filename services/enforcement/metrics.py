"""The enforcer's own metrics (besides the stage metrics every service exports): decisions and
actions by category, the 24-hour reporting clock, and fail-open health. Instruments live on the
API's proxy meter, bound to the provider the agent installs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from opentelemetry import metrics
from opentelemetry.metrics import Observation

from schemas.events import EnforcementEvent
from services.enforcement.decide import source_of
from services.enforcement.enforcer import Outcome
from services.enforcement.report_clock import ReportClock
from services.stage_metrics import UP_TO_TWO_DAYS_S

_meter = metrics.get_meter("usewatch.enforcement")
report_clock = ReportClock()

decided = _meter.create_counter(
    "usewatch.enforcement.decisions", description="Verdicts decided, by category and outcome."
)
actions_applied = _meter.create_counter(
    "usewatch.enforcement.actions", description="Actions published, by action and category."
)
report_latency = _meter.create_histogram(
    "usewatch.report.latency",
    unit="s",
    description="Generation occurred → violation report published (the 24-hour duty).",
    explicit_bucket_boundaries_advisory=UP_TO_TWO_DAYS_S,
)
_meter.create_observable_gauge(
    "usewatch.report.oldest_open_age",
    callbacks=[lambda _: [Observation(report_clock.oldest_open_age_s(datetime.now(UTC)))]],
    unit="s",
    description="Age of the oldest report still inside its 24-hour window (this worker).",
)
review_decisions = _meter.create_counter(
    "usewatch.review.decisions",
    description="People's decisions applied (review.decisions), by outcome, the detector, "
    "category and model version they judge, and whether the enforcement had been applied "
    "(sanction) or only sent to a person (review): the precision a dashboard shows.",
)
rebuilds = _meter.create_counter(
    "usewatch.enforcement.state_rebuilds",
    description="Times the state store came back empty and was rebuilt from the topics.",
)
reconciled = _meter.create_counter(
    "usewatch.enforcement.reconciled_effects",
    description="Effects found on the enforcement topics without their marks (a worker killed "
    "between publish and mark) and marked before deciding anything.",
)
decided_without_state = _meter.create_counter(
    "usewatch.enforcement.decided_without_state",
    description="Verdicts decided without Redis under a fail-open policy.",
)


def observe_pending(size: Callable[[], int]) -> None:
    _meter.create_observable_gauge(
        "usewatch.enforcement.pending_state_writes",
        callbacks=[lambda _: [Observation(size())]],
        description="State writes decided while Redis was away, not yet written (fail open).",
    )


def count_decision(outcome: str, target: EnforcementEvent, was_applied: bool) -> None:
    detector, category, version = source_of(target)
    review_decisions.add(
        1,
        {
            "outcome": outcome,
            "detector": detector,
            "category": category,
            "model_version": version,
            "stage": "sanction" if was_applied else "review",
        },
    )


def count(outcome: Outcome) -> None:
    """Record one batch's decisions: outcomes by category, actions, report latency."""
    for verdict in outcome.below_suspect:
        decided.add(1, {"category": verdict.category.value, "outcome": "none"})
    for verdict, d in outcome.decisions:
        category = verdict.category.value
        decided.add(1, {"category": category, "outcome": d.outcome})
        if d.action is not None:
            actions_applied.add(1, {"action": d.action.action.value, "category": category})
        if d.report is not None:
            report_latency.record(
                report_clock.published(d.report),
                {"category": category, "red_team": d.report.red_team},
            )
