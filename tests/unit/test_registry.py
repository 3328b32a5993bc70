"""The registry's fold: records of the compacted topic in, approvals out."""

from __future__ import annotations

import logging

import pytest

from schemas.codec import encode
from schemas.events import Channel
from services.registry import approval, fold


def test_the_latest_record_per_app_wins_and_a_tombstone_revokes() -> None:
    first = approval("app-1", "support replies", [Channel.EMAIL])
    wider = approval("app-1", "support replies", [Channel.EMAIL, Channel.SMS])
    other = approval("app-2", "newsletters", [Channel.EMAIL])
    registry = fold(
        {},
        [
            (b"app-1", encode(first)),
            (b"app-2", encode(other)),
            (b"app-1", encode(wider)),
            (b"app-2", None),
        ],
    )
    assert list(registry) == ["app-1"]
    assert registry["app-1"].allows(Channel.SMS)
    assert fold(registry, [(b"app-1", None), (b"app-1", None)]) == {}


def test_a_bad_record_is_skipped_and_revokes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    kept = approval("app-1", "support replies", [Channel.EMAIL])
    with caplog.at_level(logging.ERROR, "usewatch.registry"):
        registry = fold(
            {},
            [
                (b"app-1", encode(kept)),
                (b"app-1", b"{not json"),
                (b"app-1", encode(approval("app-9", "other", [Channel.SMS]))),
                (None, encode(kept)),
            ],
        )
    assert registry == {"app-1": kept}
    assert "not an AppApproval" in caplog.text
    assert "names app 'app-9'" in caplog.text


def test_channels_are_a_sorted_set() -> None:
    a = approval("app-1", "x", [Channel.SMS, Channel.EMAIL, Channel.SMS])
    assert a.channels == [Channel.EMAIL, Channel.SMS]
