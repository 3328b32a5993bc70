from __future__ import annotations

import pytest

from services.gateway.normalize import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain text", "plain text"),
        ("  padded\n\n\tand   spaced  ", "padded\n\nand spaced"),  # lines are kept
        ("a  \r\n\r\n\r\n\r\nb \t\n  c", "a\n\nb\nc"),  # one blank line at most
        ("ｆｕｌｌｗｉｄｔｈ ＦＲＥＥ", "fullwidth FREE"),  # compatibility forms fold
        ("ﬁnancial ﬂow", "financial flow"),  # ligatures fold
        ("fr\u200bee mo\u200cn\u200dey\ufeff", "free money"),  # zero-width characters go
        ("soft\u00adhyphen", "softhyphen"),
        ("bidi\u202etrick\u202c", "biditrick"),
        ("bell\x07 and\x00null", "bell andnull"),
        ("line\u2028para\u2029next", "line\npara\nnext"),  # Unicode separators break lines
        ("nbsp\u00a0space", "nbsp space"),
        ("Café", "Café"),  # composed, and case is kept
        ("Cafe\u0301", "Café"),  # decomposed becomes composed
        ("", ""),
        ("\u200b\u200b", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("control", [chr(c) for c in range(0x20)] + ["\x7f"])
def test_ascii_fast_path_agrees_with_the_unicode_path(control: str) -> None:
    # "é" makes the text non-ASCII, so the second call takes the NFKC path.
    assert normalize_text(f"a{control}b") + "é" == normalize_text(f"a{control}bé")


def test_normalising_twice_changes_nothing() -> None:
    once = normalize_text("ｆｒ\u200bee  ﬁne\u00a0Cafe\u0301")
    assert normalize_text(once) == once
