"""Text normalisation for detectors: one canonical form so that look-alike tricks do not split
counts (fullwidth letters, ligatures, zero-width joiners inside words, odd spacing).

NFKC folds compatibility characters (ｆｒｅｅ → free, ﬁ → fi); zero-width and other format
characters are removed because spammers put them inside words to dodge exact matching; control
characters are removed; any run of whitespace (including the line and paragraph separators NFKC
leaves alone) becomes one space. Case is kept: detectors decide whether it matters.
"""

from __future__ import annotations

import re
import unicodedata


def _invisible_ranges() -> str:
    """A regex class of every Cf character and every non-whitespace Cc character, as ranges
    (a class of single characters is several times slower to match)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) in ("Cf", "Cc") and not char.isspace():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


# Format (Cf) characters: zero-width space/joiners, BOM, soft hyphen, bidi controls, ... and the
# control (Cc) characters except whitespace, which the collapse below handles.
_INVISIBLE = re.compile(f"[{_invisible_ranges()}]")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def normalize_text(text: str) -> str:
    """NFKC, without invisible or control characters, whitespace collapsed, ends stripped."""
    if text.isascii():
        # Fast path for the common case: ASCII is already NFKC; only controls and spacing remain.
        cleaned = _ASCII_CONTROLS.sub("", text)
    else:
        cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    # str.split() splits on exactly what str.isspace() calls whitespace, in C.
    return " ".join(cleaned.split())
