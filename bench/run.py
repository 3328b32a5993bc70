"""`make bench`: the whole pipeline's throughput and latency beside the raw Kafka limit, all
measured in the same run on a broker and Redis of its own (127.0.0.1:28092, :26379).

1. P0: a bare aiokafka passthrough (bench/passthrough.py); P0-F: a faust agent that only
   forwards (bench/forward.py). The limits to compare against.
2. The pipeline (gateway, three detectors, enforcer, as `make up` runs them) in each topology
   asked for (`--topology`: each detector its own process, or all in one `detectors` worker)
   on the same pre-loaded workload until the enforcer has caught up: events/s, and the records
   consumed per event.
3. Latency at 25/50/75 % of that maximum: produce → the enforcer's first output (action, report
   or review: violative and suspect events), produce → last verdict (all events); P0's produce
   → copy at the same rates.
4. Per stage: CPU µs per event, peak RSS, Redis round trips per micro-batch (from the services'
   own metrics); in-process detector costs, the enforcer alone, Redis memory per 100k accounts.

Absolute numbers on a shared 2-core machine are noisy: compare the ratios to P0 across runs.
Results: a table on the terminal and JSON at $BENCH_OUT (default .run/bench.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench import costs
from bench.pipeline import (
    BASELINES,
    TOPOLOGIES,
    Pipeline,
    copies_through,
    copy_latency,
    cpu_seconds,
    peak_rss_mb,
    preload,
    start_baseline,
    workload,
)
from schemas.topics import GENERATIONS
from usewatch.admin import ensure_topics
from usewatch.localstack import ROOT, Stack
from usewatch.prometheus import scrape, total

console = Console()
LOADS = (0.25, 0.5, 0.75)


def main() -> None:
    parser = argparse.ArgumentParser(description="usewatch benchmark")
    parser.add_argument("--events", type=int, default=200_000, help="saturation workload size")
    parser.add_argument(
        "--latency-seconds", type=float, default=20.0, help="length of each fixed-load phase"
    )
    parser.add_argument(
        "--topology",
        choices=(*TOPOLOGIES, "both"),
        default="both",
        help="how the detectors are hosted (STACK_TOPOLOGY): separate, shared, or both in turn",
    )
    args = parser.parse_args()
    n = args.events
    state_dir = ROOT / ".run" / "bench-stack"
    stack = Stack(kafka_port=28092, redis_port=26379, state_dir=state_dir)
    stack.stop()
    shutil.rmtree(state_dir, ignore_errors=True)  # fresh topics, offsets and Redis each run
    stack.start()
    results: dict[str, Any] = {"events": n}
    run = f"b{int(time.time())}"
    try:
        with Progress(console=console, transient=True) as progress:
            console.print(f"workload: {n:,} demo events")
            messages = workload(n, run)
            results["mean_event_bytes"] = sum(len(v) for _, v in messages) / n
            baselines(stack, run, messages, results, progress)
            topologies = list(TOPOLOGIES) if args.topology == "both" else [args.topology]
            results["pipelines"] = {}
            for topology in topologies:
                measured: dict[str, Any] = {}
                stages = saturate_pipeline(stack, run, topology, messages, measured, progress)
                latencies(
                    stack, f"{run}-{topology}", stages, measured, args.latency_seconds, progress
                )
                stages.stop()
                measured["ratio"] = measured["pipeline_eps"] / results["p0_eps"]
                results["pipelines"][topology] = measured
            copies_latency(stack, run, results, args.latency_seconds, progress)
        console.print("in-process costs: detectors, enforcer, Redis memory")
        in_process_costs(stack, results)
    finally:
        stack.stop()
    results["machine"] = {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
    }
    report(results)
    out = Path(os.environ.get("BENCH_OUT", ROOT / ".run" / "bench.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"wrote {out}")


def baselines(
    stack: Stack, run: str, messages: Any, results: dict[str, Any], progress: Progress
) -> None:
    n = len(messages)
    for kind, title in BASELINES.items():
        prefix = f"{run}-{kind}-"
        ensure_topics([stack.bootstrap], prefix)
        preload(stack.bootstrap, GENERATIONS.full_name(prefix), messages)
        console.print(title)
        pid, stop = start_baseline(stack, kind, prefix)
        cpu = cpu_seconds(pid)
        results[f"{kind}_eps"] = copies_through(stack, prefix, n, progress)
        results[f"{kind}_cpu_us_per_event"] = (cpu_seconds(pid) - cpu) / n * 1e6
        stop()


def saturate_pipeline(
    stack: Stack,
    run: str,
    topology: str,
    messages: Any,
    results: dict[str, Any],
    progress: Progress,
) -> Pipeline:
    n = len(messages)
    prefix = f"{run}-{topology}-"
    ensure_topics([stack.bootstrap], prefix)
    stages = Pipeline(stack, prefix, topology)
    console.print(f"pipeline, {topology}: " + " → ".join(reversed(stages.stages)))
    stages.start()
    pids = stages.pids()
    cpu = {s: cpu_seconds(pid) for s, pid in pids.items()}
    since = stages.topic_offsets()
    results["pipeline_eps"] = stages.saturate(messages, progress)
    results["reads_per_event"] = stages.reads_per_event(since)
    per_stage: dict[str, dict[str, float]] = {}
    for stage, pid in pids.items():
        metrics = scrape(stages.metrics_port(stage))
        batches = total(metrics, "usewatch_stage_batches_total")
        per_stage[stage] = {
            "cpu_us_per_event": (cpu_seconds(pid) - cpu[stage]) / n * 1e6,
            "peak_rss_mb": peak_rss_mb(pid),
            "batches": batches,
            "redis_round_trips_per_batch": (
                total(metrics, "usewatch_redis_round_trips_total") / batches if batches else 0.0
            ),
        }
    results["stages"] = per_stage
    return stages


def _phases(pipeline_eps: float, seconds: float) -> list[tuple[str, float, int]]:
    """(key, offered rate, workload size) at each load, as shares of `pipeline_eps`."""
    return [
        (f"{load:.2f}", load * pipeline_eps, max(int(load * pipeline_eps * seconds), 50))
        for load in LOADS
    ]


def latencies(
    stack: Stack,
    run: str,
    stages: Pipeline,
    results: dict[str, Any],
    seconds: float,
    progress: Progress,
) -> None:
    pipeline: dict[str, Any] = {}
    for i, (key, rate, size) in enumerate(_phases(results["pipeline_eps"], seconds)):
        console.print(
            f"latency at {float(key):.0%} of the pipeline's maximum: {rate:,.0f} events/s"
        )
        pipeline[key] = stages.latency(workload(size, f"{run}-l{i}"), rate, progress)
    results["latency"] = pipeline
    half = pipeline["0.50"]
    results["latency_ms"] = {"offered_eps": half["offered_eps"], **half["to_enforcement"]}


def copies_latency(
    stack: Stack, run: str, results: dict[str, Any], seconds: float, progress: Progress
) -> None:
    """P0 and P0-F at the rates of the first topology's phases. P0-F is one faust hop with the
    services' batching and no work: the pipeline makes three in a row (gateway, detector,
    enforcer), so three of these are its floor."""
    first = next(iter(results["pipelines"].values()))
    copies: dict[str, dict[str, Any]] = {}
    for kind in BASELINES:
        prefix = f"{run}-{kind}-"
        _, stop = start_baseline(stack, kind, prefix)
        copies[kind] = {}
        for i, (key, rate, size) in enumerate(_phases(first["pipeline_eps"], seconds)):
            console.print(f"{BASELINES[kind].split(':')[0]} latency at {rate:,.0f} events/s")
            batch = workload(size, f"{run}-{kind}{i}")
            copies[kind][key] = copy_latency(stack, prefix, batch, rate)
        stop()
    results["copy_latency"] = copies


def in_process_costs(stack: Stack, results: dict[str, Any]) -> None:
    sample = costs.sample_events(5_000)
    extremes = costs.extreme_events(64)
    detectors: dict[str, dict[str, float]] = {}
    for name in costs.DETECTORS:
        detectors[name] = {
            f"us_per_event_batch{size}": asyncio.run(
                costs.detector_cost(stack.redis_url, name, sample, size)
            )
            for size in (1, 64)
        }
        detectors[name]["us_per_extreme_event_batch64"] = asyncio.run(
            costs.detector_cost(stack.redis_url, name, extremes, 64)
        )
    results["detectors_in_process"] = detectors
    results["enforcer_decisions_per_s"] = asyncio.run(costs.enforcer_rate(stack.redis_url))
    results["redis_mb_per_100k_accounts"] = asyncio.run(costs.detectors_memory(stack.redis_url))


def report(r: dict[str, Any]) -> None:
    table = Table(title=f"throughput, {r['events']:,} events of ~{r['mean_event_bytes']:.0f} B")
    for col in ("", "events/s", "ratio to P0", "CPU µs/event", "reads/event"):
        table.add_column(col, justify="right")
    table.add_row("P0 aiokafka passthrough", f"{r['p0_eps']:,.0f}", "1.00", _us(r, "p0"), "1")
    table.add_row(
        "P0-F faust forward",
        f"{r['p0f_eps']:,.0f}",
        f"{r['p0f_eps'] / r['p0_eps']:.2f}",
        _us(r, "p0f"),
        "1",
    )
    for topology, p in r["pipelines"].items():
        table.add_row(
            f"pipeline, {topology} ({len(p['stages'])} processes)",
            f"{p['pipeline_eps']:,.0f}",
            f"{p['ratio']:.2f}",
            f"{sum(s['cpu_us_per_event'] for s in p['stages'].values()):.0f}",
            f"{p['reads_per_event']:.2f}",
        )
    console.print(table)

    for topology, p in r["pipelines"].items():
        stages = Table(title=f"per stage, under saturation ({topology})")
        for col in ("stage", "CPU µs/event", "peak RSS MB", "Redis round trips/batch", "batches"):
            stages.add_column(col, justify="right")
        for name, s in reversed(list(p["stages"].items())):
            stages.add_row(
                name,
                f"{s['cpu_us_per_event']:.0f}",
                f"{s['peak_rss_mb']:.0f}",
                f"{s['redis_round_trips_per_batch']:.2f}",
                f"{s['batches']:.0f}",
            )
        console.print(stages)

    copies = r["copy_latency"]
    for topology, p in r["pipelines"].items():
        lat = Table(title=f"latency, ms (p50 / p99 / p99.9), {topology}")
        for col in ("offered load", "events/s", "→ enforcement", "→ last verdict"):
            lat.add_column(col, justify="right")
        for key, m in p["latency"].items():
            lat.add_row(
                f"{float(key):.0%}",
                f"{m['offered_eps']:,.0f}",
                _pct(m["to_enforcement"]),
                _pct(m["to_last_verdict"]),
            )
        console.print(lat)
    first = next(iter(r["pipelines"].values()))
    base = Table(title="P0 / P0-F produce → copy, ms (p50 / p99 / p99.9), at the first's rates")
    for col in ("offered load", "events/s", "P0 → copy", "P0-F → copy"):
        base.add_column(col, justify="right")
    for key, m in first["latency"].items():
        base.add_row(
            f"{float(key):.0%}",
            f"{m['offered_eps']:,.0f}",
            _pct(copies["p0"][key]),
            _pct(copies["p0f"][key]),
        )
    console.print(base)

    d = r["detectors_in_process"]
    console.print(
        "in process, Redis state included, µs/event at batch 1 / 64: "
        + ", ".join(
            f"{k} {v['us_per_event_batch1']:.0f} / {v['us_per_event_batch64']:.0f}"
            for k, v in d.items()
        )
    )
    console.print(
        "at the schema's bounds (32,000-character texts, 1,000 recipients, 32 attributes), "
        "µs/event at batch 64: "
        + ", ".join(f"{k} {v['us_per_extreme_event_batch64']:.0f}" for k, v in d.items())
    )
    console.print(
        f"enforcer alone: {r['enforcer_decisions_per_s']:,.0f} decisions/s; detectors' Redis "
        f"state: {r['redis_mb_per_100k_accounts']:.0f} MB per 100k accounts (one event each)"
    )


def _us(r: dict[str, Any], key: str) -> str:
    return f"{r[f'{key}_cpu_us_per_event']:.0f}"


def _pct(p: dict[str, float]) -> str:
    if not p.get("n"):
        return "–"
    return f"{p['p50']:.0f} / {p['p99']:.0f} / {p['p999']:.0f}"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


if __name__ == "__main__":
    main()
