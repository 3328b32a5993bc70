"""The form detectors match on: one string in which case, look-alike letters, leetspeak, letter
spacing, accents and defanged links make no difference, so that "FR€€ ｃａѕһ", "f r e e cash",
"fr33 c@sh" and "free cash" are the same words to a model and to a cue.

Steps, in order (each is what an evader does to dodge an exact match):
1. Look-alikes: every character that Unicode's confusables table (UTS #39, as shipped by the
   maintained `confusable_homoglyphs` package) says is confusable with an ASCII letter or digit
   becomes that letter (Cyrillic "а", Greek "ο", mathematical "𝐟"); other accented letters lose
   their accents (NFKD, combining marks dropped). Only what maps to ASCII changes: a Hindi or
   Chinese text keeps its script.
2. Case: lower-cased.
3. Leetspeak: in a word where a digit or symbol touches a letter, the ones that stand in for
   letters become them (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s); numbers (a phone number, an
   amount, a code), numbers with their unit (10am, 24hrs, 2nd) and handles (@name) are left
   alone.
4. Letter spacing: three or more single letters separated by one space, dot, dash or
   underscore ("f r e e", "F.R.E.E") are joined.
5. Defanged links: hxxp → http, "[.]", "(.)", "[dot]" → ".", "[:]" → ":".

It reads text as the gateway hands it to detectors (`services/gateway/normalize.py`: NFKC,
zero-width and control characters gone, lines kept); training reads its texts through the same
normalisation (`services/spam/train.py`), so this module does not repeat that work.

Known costs: "1" always reads as "i" ("he11o" becomes "heiio"); alphanumeric names get folded
too ("mp3" becomes "mpe"), identically in training and serving. Hosts and addresses are left as
they are: the brand matcher reads them with its own digit swaps (`services/spam/brands.py`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

MAX_CHARS = 8_000
"""Only the opening of a text is put into this form: everything that reads it (the model's
tokens, the cues, the SEO signals) reads at most this much, and the cost of every scan stays
bounded. 8,000 characters hold the whole of most mail; reading 3,000 lost 0.04-0.05 of e-mail
spam recall on held-out rows."""

_LEET = str.maketrans("013457@$", "oieasta" + "s")
# Where a stand-in touches a letter (fr33, c@sh, 0ffer, 7h3); most texts have none, and only
# the words around these hits are looked at.
_LEET_HIT = re.compile(r"[a-z][0-9@$]|[0-9@$][a-z]")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")
_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|k|m|g|x|s|h|hrs?|mins?|secs?|gb|mb|kb|tb|px|km|kg|lbs?|ml|cm|mm|"
    r"d|yrs?|wks?|mo|p|fps|mph|kph)"
)
"""A number with its unit (10am, 24hrs, 2nd, 4g, 5k): not leetspeak."""
_LINKISH = frozenset("./:-")


def _fold_leet(text: str) -> str:
    """Each word (letters, digits, @, $) with a stand-in touching a letter, folded, unless it is
    a number with its unit, a handle (@name), or part of a link or an address (a host or an
    e-mail address: the brand matcher reads hosts with its own digit swaps)."""
    out: list[str] = []
    last = 0
    for hit in _LEET_HIT.finditer(text):
        if hit.start() < last:
            continue  # inside a word already handled
        start, end = hit.start(), hit.end()
        while start > 0 and text[start - 1] in _WORD_CHARS:
            start -= 1
        while end < len(text) and text[end] in _WORD_CHARS:
            end += 1
        word = text[start:end]
        before = text[start - 1] if start else " "
        after = text[end : end + 2]
        linkish = before in _LINKISH or (
            len(after) == 2 and after[0] in _LINKISH and after[1].isalnum()
        )
        handle = word.startswith("@")
        if not linkish and not handle and not _UNIT.fullmatch(word):
            out += [text[last:start], word.translate(_LEET)]
            last = end
    out.append(text[last:])
    return "".join(out)


# Three or more single letters joined by one and the same spacer.
_SPACED = re.compile(r"\b[a-z]([ ._-])[a-z](?:\1[a-z])+\b")
_SPACERS = re.compile(r"[ ._-]")
_DEFANGED = (
    ("hxxp", re.compile(r"\bhxxp(s?)\b"), r"http\1"),
    ("[.]", re.compile(r"\s?\[\.\]\s?"), "."),
    ("(.)", re.compile(r"\s?\(\.\)\s?"), "."),
    ("[dot]", re.compile(r"\s?\[dot\]\s?"), "."),
    ("[:]", re.compile(r"\[:\]"), ":"),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_LATIN = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")


@lru_cache(maxsize=1)
def _lookalikes() -> dict[int, str]:
    """Character → ASCII letter or digit, for every non-ASCII character the confusables table
    pairs with exactly one ASCII letter or digit (case folded)."""
    table = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    out: dict[int, str] = {}
    for char, homoglyphs in table.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = {
            h["c"].lower() for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()
        } & set("abcdefghijklmnopqrstuvwxyz0123456789")
        if len(targets) == 1:
            out[ord(char)] = targets.pop()
    return out


def _deaccent(match: re.Match[str]) -> str:
    """A Latin letter without its accents (é → e); other scripts keep their marks."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", match.group(0)) if not unicodedata.combining(c)
    )


def _unconfuse(match: re.Match[str]) -> str:
    return _LATIN.sub(_deaccent, match.group(0).translate(_lookalikes()))


def _join_spaced(match: re.Match[str]) -> str:
    return _SPACERS.sub("", match.group(0))


def skeleton(text: str) -> str:
    """The matching form of the first MAX_CHARS characters of `text` (see the module docstring).
    Idempotent; keeps line breaks."""
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = _NON_ASCII.sub(_unconfuse, text)
    text = text.lower()
    if _LEET_HIT.search(text):
        text = _fold_leet(text)
    text = _SPACED.sub(_join_spaced, text)
    for marker, pattern, replacement in _DEFANGED:
        if marker in text:
            text = pattern.sub(replacement, text)
    return text
