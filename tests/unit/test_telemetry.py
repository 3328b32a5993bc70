"""Trace propagation as every hop does it (in process, in-memory exporter): a producer span's
context goes into Kafka headers, each stage's `process_span` continues it and injects its own,
so the stages of one generation share one trace id, each parented on the stage before."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.telemetry import inject_headers, process_span, setup_tracing


@dataclass
class Message:
    """The parts of a faust message that `process_span` reads."""

    headers: list[tuple[str, bytes]]
    topic: str
    partition: int = 0
    offset: int = 0


def exporter() -> InMemorySpanExporter:
    setup_tracing("test")
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return memory


def test_one_trace_across_hops_each_parented_on_the_one_before() -> None:
    memory = exporter()
    sdk = trace.get_tracer("usewatch.sdk")
    with sdk.start_as_current_span("send generations", kind=trace.SpanKind.PRODUCER):
        headers = inject_headers()
    hops = ("gateway", "spam", "enforcement")
    topics = ("generations", "generations.accepted", "verdicts")
    for hop, topic in zip(hops, topics, strict=True):
        with process_span(trace.get_tracer(f"usewatch.{hop}"), Message(headers, topic), topic):
            headers = inject_headers()

    spans = {s.name: s for s in memory.get_finished_spans()}
    chain = [spans["send generations"]] + [spans[f"process {t}"] for t in topics]
    assert len({s.context.trace_id for s in chain}) == 1
    for parent, child in itertools.pairwise(chain):
        assert child.parent is not None
        assert child.parent.span_id == parent.context.span_id
    gateway = spans["process generations"]
    assert gateway.kind == trace.SpanKind.CONSUMER
    assert gateway.attributes is not None
    assert gateway.attributes["messaging.system"] == "kafka"
    assert gateway.attributes["messaging.destination.name"] == "generations"


def test_a_message_without_trace_headers_starts_a_new_trace() -> None:
    memory = exporter()
    with process_span(trace.get_tracer("usewatch.gateway"), Message([], "generations"), "x"):
        pass
    (span,) = memory.get_finished_spans()
    assert span.parent is None


def test_a_second_instance_serves_its_metrics_on_the_next_free_port() -> None:
    import socket
    import urllib.request

    from services.telemetry import serve_metrics

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        got = serve_metrics(port)
        assert got != port
        assert port < got < port + 16
        with urllib.request.urlopen(f"http://127.0.0.1:{got}/metrics", timeout=5) as reply:
            assert reply.status == 200
