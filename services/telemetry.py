"""Tracing across hops (one trace per generation, carried in Kafka headers as W3C traceparent)
and metrics.

`setup_tracing` installs the SDK's TracerProvider so spans get real ids (and the SDK's emit can
start the trace). `setup_metrics` installs a MeterProvider whose readers are a Prometheus
endpoint (when the service's settings give a port) and OTLP (when OTEL_* say so). Exporters are
configured only by the standard OTEL_* variables; with no endpoint set nothing is exported and
nothing fails. Metric attributes are bounded enums (category, label, action, reason), never ids.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

KafkaHeaders = list[tuple[str, bytes]]

_configured = False
_metrics_configured = False


def setup_tracing(service_name: str) -> trace.Tracer:
    """Install a TracerProvider once per process and return this service's tracer."""
    global _configured
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        _maybe_add_otlp_exporter(provider)
        trace.set_tracer_provider(provider)
        _configured = True
    return trace.get_tracer(f"usewatch.{service_name}")


def _maybe_add_otlp_exporter(provider: TracerProvider) -> None:
    if not _otlp_wanted("TRACES"):
        return
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if _otlp_protocol("TRACES") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        provider.add_span_processor(BatchSpanProcessor(GrpcSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))


def _otlp_wanted(signal: str) -> bool:
    """The standard variables decide: an endpoint for all signals or for this one."""
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    )


def _otlp_protocol(signal: str) -> str:
    """`grpc` or `http/protobuf` (the default), per OTEL_EXPORTER_OTLP[_<SIGNAL>]_PROTOCOL."""
    return (
        os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )


def setup_metrics(service_name: str, port: int | None, host: str = "127.0.0.1") -> metrics.Meter:
    """Install a MeterProvider once per process and return this service's meter. With `port`,
    Prometheus scrapes http://host:port/metrics."""
    global _metrics_configured
    if not _metrics_configured:
        readers: list[MetricReader] = []
        if port is not None:
            from opentelemetry.exporter.prometheus import PrometheusMetricReader

            serve_metrics(port, host)
            readers.append(PrometheusMetricReader())
        readers.extend(_otlp_metric_readers())
        provider = MeterProvider(
            resource=Resource.create({"service.name": service_name}), metric_readers=readers
        )
        metrics.set_meter_provider(provider)
        _metrics_configured = True
    return metrics.get_meter(f"usewatch.{service_name}")


METRICS_PORT_TRIES = 16


def serve_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve Prometheus metrics on `port`, or on the next free one of the following
    METRICS_PORT_TRIES - 1 when it is taken (a second instance of a service on the same host);
    returns the port it got, and logs it when it is not the one asked for."""
    from prometheus_client import start_http_server

    for candidate in range(port, port + METRICS_PORT_TRIES):
        try:
            start_http_server(candidate, addr=host)
        except OSError:
            continue
        if candidate != port:
            logging.getLogger("usewatch.telemetry").warning(
                "metrics port %d is taken; serving metrics on %s:%d", port, host, candidate
            )
        return candidate
    raise OSError(f"no free metrics port in {port}..{port + METRICS_PORT_TRIES - 1} on {host}")


def _otlp_metric_readers() -> list[MetricReader]:
    if not _otlp_wanted("METRICS"):
        return []
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    if _otlp_protocol("METRICS") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        return [PeriodicExportingMetricReader(GrpcMetricExporter())]
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return [PeriodicExportingMetricReader(OTLPMetricExporter())]


def extract_context(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None,
) -> otel_context.Context:
    """The trace context a message carries, or an empty one."""
    if not headers:
        return otel_context.Context()
    items = headers.items() if isinstance(headers, Mapping) else headers
    carrier = {
        k: v.decode("latin-1") if isinstance(v, bytes) else str(v)
        for k, v in items
        if k in ("traceparent", "tracestate")
    }
    return propagate.extract(carrier)


def inject_headers(ctx: otel_context.Context | None = None) -> KafkaHeaders:
    """Kafka headers carrying the current (or given) span's context."""
    carrier: dict[str, Any] = {}
    propagate.inject(carrier, context=ctx)
    return [(k, str(v).encode()) for k, v in carrier.items()]


@contextmanager
def process_span(
    tracer: trace.Tracer,
    message: Any,
    operation: str,
    attributes: Mapping[str, str | int | float | bool] | None = None,
) -> Iterator[trace.Span]:
    """A CONSUMER span continuing the trace a Kafka message carries (messaging conventions:
    `process <destination>`, system, destination, partition, offset). `message` is faust's."""
    with tracer.start_as_current_span(
        f"process {operation}",
        context=extract_context(message.headers),
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": message.topic,
            "messaging.destination.partition.id": str(message.partition),
            "messaging.kafka.offset": message.offset,
            **(attributes or {}),
        },
    ) as span:
        yield span
