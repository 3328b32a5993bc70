"""Text normalisation at the gateway: one canonical form so that look-alike tricks do not split
counts (fullwidth letters, ligatures, zero-width joiners inside words, odd spacing), while the
text keeps its lines and paragraphs.

NFKC folds compatibility characters (ｆｒｅｅ → free, ﬁ → fi); zero-width and other format
characters are removed because spammers put them inside words to dodge exact matching; control
characters are removed. Whitespace is collapsed *horizontally* only: a run of spaces and tabs
becomes one space, every line break (CR, LF, CRLF, U+2028, U+2029, form feeds) becomes "\n",
trailing spaces on a line go, and more than one blank line becomes one. Line structure is kept
because detectors read it: a request followed by pasted material is two paragraphs
(misrepresentation's `instruction_of`), a doorway page is a column of short keyword lines
(spam's SEO signals). Case is kept: detectors decide whether it matters (`services/skeleton.py`
is the case-, look-alike- and spacing-blind form they match on).
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
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Horizontal whitespace: every str.isspace() character that does not break a line.
_HORIZONTAL = re.compile(r"[^\S\n]+")
_SPACE_AROUND_BREAK = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """NFKC, without invisible or control characters, horizontal whitespace collapsed to one
    space, line breaks unified to "\n" with at most one blank line in a row, ends stripped."""
    if text.isascii():
        # Fast path for the common case: ASCII is already NFKC; only controls and spacing remain.
        cleaned = _ASCII_CONTROLS.sub("", text)
    else:
        cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    cleaned = _HORIZONTAL.sub(" ", _LINE_BREAK.sub("\n", cleaned))
    return _BLANK_LINES.sub("\n\n", _SPACE_AROUND_BREAK.sub("\n", cleaned)).strip()
