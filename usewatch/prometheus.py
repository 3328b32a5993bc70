"""Read what a service serves on its Prometheus endpoint (METRICS_PORT): for the tests, the
benchmark and anyone checking a running stack without a Prometheus server."""

from __future__ import annotations

import urllib.request


def scrape(port: int, host: str = "127.0.0.1") -> dict[str, float]:
    """The Prometheus text a service serves, as {"name{labels}": value} (comments dropped)."""
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def total(samples: dict[str, float], name: str, having: str = "") -> float:
    """The sum of a metric's samples over its labels (those that contain `having`)."""
    return sum(v for k, v in samples.items() if k.partition("{")[0] == name and having in k)
