"""One trace per generation across processes: the services started as `make up` starts them,
in either topology (each detector its own service, or all of them in one `detectors` worker),
export OTLP/HTTP (configured only by the standard OTEL_* variables) to a receiver this test
runs, and every hop's span joins the trace the SDK started, parented on the hop before it; the
enforcement that follows is the same in both."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas.topics import GENERATIONS
from tests.factories import credential_lure_sms
from tests.integration.harness import approve, read_all, wait_for
from tests.integration.otlp_receiver import ReceivedSpan, otlp_receiver
from usewatch.localstack import ServiceProcess, Stack
from usewatch.sdk import Emitter

RECEIVER_PORT = 14318
DETECTORS = ("spam", "misrepresentation", "multi_identity", "content_safety")
TOPOLOGIES = {
    "separate": ("gateway", *DETECTORS, "enforcement"),
    "shared": ("gateway", "detectors", "enforcement"),
}


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_one_trace_runs_through_every_service(
    stack: Stack, prefix: str, service: Callable[..., ServiceProcess], topology: str
) -> None:
    stages = TOPOLOGIES[topology]
    approve(stack.bootstrap, prefix, "app-1")
    lure = credential_lure_sms("acct-trace")
    otel = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{RECEIVER_PORT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    with otlp_receiver(RECEIVER_PORT) as spans:
        for stage in stages:
            service(stage, **otel)
        with Emitter(stack.bootstrap, prefix) as emitter:
            emitter.emit(lure)
        (sent,) = read_all(stack.bootstrap, GENERATIONS.full_name(prefix))
        traceparent = dict(sent.headers)["traceparent"].decode()
        _, trace_id, sdk_span_id, _ = traceparent.split("-")

        def of(name: str) -> list[ReceivedSpan]:
            """The trace's spans of a service, or of a detector in whichever worker hosts it."""
            return [
                s
                for s in list(spans)
                if s.trace_id == trace_id
                and (
                    s.service == name
                    or (name in DETECTORS and s.attributes.get("usewatch.detector") == name)
                )
            ]

        wait_for(
            lambda: all(of(stage) for stage in (*stages, *DETECTORS)),
            60,
            "a span from every service and detector in the generation's trace",
        )

    (gateway,) = of("gateway")
    assert gateway.parent_span_id == sdk_span_id
    assert gateway.attributes["messaging.system"] == "kafka"
    assert gateway.attributes["messaging.destination.name"] == GENERATIONS.full_name(prefix)
    for detector in DETECTORS:
        (span,) = of(detector)
        assert span.service == (detector if topology == "separate" else "detectors")
        assert span.parent_span_id == gateway.span_id
        assert span.attributes["usewatch.detector"] == detector
    (spam,) = of("spam")
    assert spam.attributes["usewatch.label"] == "violation"
    assert spam.attributes["usewatch.category"] == "fraud.phishing"
    assert "usewatch.model_version" in spam.attributes
    enforcement = of("enforcement")
    detector_spans = {s.span_id for d in DETECTORS for s in of(d)}
    assert {s.parent_span_id for s in enforcement} <= detector_spans
    assert any(s.attributes.get("usewatch.action") for s in enforcement)

    # No span carries the generation or the prompt, in whole or in part.
    texts = (lure.generation, lure.prompt)
    pieces = {t[i : i + 16] for t in texts for i in range(0, len(t) - 16, 8)}
    for s in spans:
        for value in s.attributes.values():
            assert not any(p in str(value) for p in pieces), (s.name, value)
