"""Readers that drain a topic and wait for a consumer group, for integration tests. The broker,
Redis and service processes come from `usewatch.localstack`."""

from __future__ import annotations

import asyncio
import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kafka import KafkaConsumer, TopicPartition
from pydantic import BaseModel

from schemas.codec import decode
from schemas.events import Channel
from schemas.topics import REGISTRY
from services.registry import approval, publish_approvals
from usewatch.admin import group_lag as group_lag  # re-exported for the tests
from usewatch.admin import read_records
from usewatch.localstack import ROOT
from usewatch.prometheus import scrape as scrape  # re-exported for the tests
from usewatch.prometheus import total as total

M = TypeVar("M", bound=BaseModel)


@dataclass
class Received:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def read_topic(
    bootstrap: str,
    name: str,
    *,
    until: Callable[[list[Received]], bool],
    timeout_s: float = 60.0,
) -> list[Received]:
    """Everything on a topic from the start, read until `until(received)` or the timeout."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        received: list[Received] = []
        deadline = time.monotonic() + timeout_s
        while not until(received) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200, max_records=5000).values():
                received.extend(Received(r.key, r.value, list(r.headers or ())) for r in records)
        return received
    finally:
        consumer.close()


def read_all(bootstrap: str, name: str, timeout_s: float = 30.0) -> list[Received]:
    """Everything on a topic now: reads up to the end offsets taken when the call starts."""
    return [
        Received(r.key, r.value, list(r.headers or ()))
        for r in read_records(bootstrap, name, timeout_s=timeout_s)
    ]


def decode_all(model: type[M], received: list[Received]) -> list[M]:
    return [decode(model, r.value) for r in received]


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


def approve(bootstrap: str, prefix: str, app_id: str, red_team: bool = False) -> None:
    """Approve an app on every channel, as `usewatch apps approve` does: on the registry topic."""
    change = {app_id: approval(app_id, "tests", list(Channel), red_team)}
    asyncio.run(
        publish_approvals({"bootstrap_servers": bootstrap}, REGISTRY.full_name(prefix), change)
    )


def usewatch_cli(bootstrap: str, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `usewatch` command line against the test broker, as a user would."""
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "TOPIC_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "usewatch.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class ConsolePage:
    """The console over plain HTTP with a cookie jar, as a browser would use it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return str(response.read().decode())

    def post(self, path: str, form: dict[str, str]) -> str:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return str(response.read().decode())

    def login(self, reviewer: str, password: str) -> None:
        form = urllib.parse.urlencode({"reviewer": reviewer, "password": password}).encode()
        with self.opener.open(self.base + "/login", data=form, timeout=10) as response:
            assert "Review queue" in response.read().decode()
