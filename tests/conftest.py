"""Test tiers by folder: tests/unit (pure logic, no broker, no Redis) and tests/integration (a
real Kafka broker and a real Redis, started once per session by tests/integration/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        item.add_marker(getattr(pytest.mark, tier))
