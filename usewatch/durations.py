"""Durations as people read them: "23 h 59 min", "4 min 10 s", "2 d 3 h"."""

from __future__ import annotations

from datetime import timedelta

_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def readable(span: timedelta | float) -> str:
    """The two largest units that are not zero, rounded down: precise enough to act on, short
    enough to read at a glance. Negative spans read as "-2 h 5 min"."""
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    sign, left = ("-" if seconds < 0 else ""), int(abs(seconds))
    if left == 0:
        return "0 s"
    parts: list[str] = []
    for unit, size in _UNITS:
        n, left = divmod(left, size)
        if n or parts:
            parts.append(f"{n} {unit}")
        if len(parts) == 2:
            break
    parts = [p for p in parts if not p.startswith("0 ")] or parts[:1]
    return sign + " ".join(parts)
