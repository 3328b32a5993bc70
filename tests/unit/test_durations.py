from __future__ import annotations

from datetime import timedelta

import pytest

from usewatch.durations import readable

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=23, minutes=59, seconds=59, microseconds=899059), "23 h 59 min"),
        (timedelta(minutes=4, seconds=10), "4 min 10 s"),
        (timedelta(days=2, hours=3, minutes=7), "2 d 3 h"),
        (timedelta(hours=5), "5 h"),
        (timedelta(days=1, seconds=30), "1 d"),
        (12.7, "12 s"),
        (0, "0 s"),
        (timedelta(hours=-2, minutes=-5), "-2 h 5 min"),
    ],
)
def test_durations_read_as_people_say_them(span: timedelta | float, text: str) -> None:
    assert readable(span) == text
