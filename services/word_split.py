"""Where the spaces were: "freecashprize" → "free cash prize", and "fr ee" → "free".

An evader who spells a whole text out letter by letter ("f r e e   c a s h") leaves no word
boundary once the gateway has collapsed its spaces; the skeleton joins the letters back
(services/skeleton.py), and `split_run` puts the words apart again, so that the model and the
cues read "free cash", not one word nobody ever wrote. One who breaks words in two ("fr ee
ca sh") is undone by `rejoin_broken`.

The words and their order of frequency are the English word list that ships with the
`wordninja` package (MIT; Wikipedia unigram ranks), read from its data file without importing
the package, which would build its own table at import. A word's cost is its Zipf cost,
log(rank · log N); the split is the one of least total cost (dynamic programming over word
ends, words of at most MAX_WORD letters), where a piece that is no word (a name, a code, a
product) may be kept at a cost that grows with its length. A run is left whole when it is a word
itself or when less than KNOWN_SHARE of its letters fall in words: a wrong split would invent
words the text never had.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import re
from functools import lru_cache
from pathlib import Path

MAX_WORD = 20
SHORT_RANKS = {1: 0, 2: 800, 3: 3_000}
"""A word of one, two or three letters counts only among the list's first 0, 800 or 3,000 (the
two-letter words down to "me" and "am"): the list holds every letter and most initialisms
("sc", "bs", "ce"), and with them any run of letters splits into "words" ("scis" → "sc is",
"bobs" → "bo bs"). Only "a" and "i" are words of one letter (they are added back)."""
MIN_RUN = 6
"""Shorter runs are one spaced word or initials (u.s.a), never split."""
UNKNOWN_COST = (16.0, 2.5)
"""A piece that is no word costs 16 + 2.5 per letter: more than any listed word (at most ~14.2)
and more per letter than a run of words (~2), so the split prefers words wherever they fit,
and one long unknown piece costs less than several short ones."""
KNOWN_SHARE = 0.7
RANKED_AS: dict[str, str] = {"ai": "am"}
"""Words the list ranks below what the platform's traffic says of them, each costed as the word
it maps to: the list is Wikipedia's of about 2015, where "ai" is the 10,333rd word (and so no
two-letter word at all), while it is the subject of nearly every prompt the misrepresentation
detector reads ("don't mention AI"); spelt out, "a i" was two words. Costed as "am", the last
two-letter word admitted, "a i" (10.4) becomes "ai" (9.1) but "saidaid" stays "said aid"."""


@lru_cache(maxsize=1)
def _costs() -> dict[str, float]:
    spec = importlib.util.find_spec("wordninja")
    if spec is None or spec.origin is None:
        raise RuntimeError("the wordninja package (its word list) is not installed")
    path = Path(spec.origin).parent / "wordninja" / "wordninja_words.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        words = [w for w in f.read().split() if w.isalpha()]
    scale = math.log(len(words))
    costs = {
        w: math.log((rank + 1) * scale)
        for rank, w in enumerate(words)
        if rank < SHORT_RANKS.get(len(w), len(words))
    }
    for w in ("a", "i"):
        costs[w] = math.log((words.index(w) + 1) * scale)
    for w, like in RANKED_AS.items():
        costs[w] = costs[like]
    return costs


def is_word(letters: str) -> bool:
    """Whether `letters` (lower case) is one of the word list's words."""
    return letters in _costs()


def split_run(letters: str) -> str:
    """`letters` (lower-case a-z, no spaces) with spaces where its words end, or `letters`
    unchanged when it is one word or does not split into words."""
    costs = _costs()
    if len(letters) < MIN_RUN or letters in costs:
        return letters
    base, per_letter = UNKNOWN_COST
    n = len(letters)
    best = [0.0] + [math.inf] * n
    cut = [0] * (n + 1)
    known = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_WORD), end):
            piece = letters[start:end]
            word_cost = costs.get(piece)
            cost = best[start] + (
                word_cost if word_cost is not None else base + per_letter * len(piece)
            )
            if cost < best[end]:
                best[end] = cost
                cut[end] = start
                known[end] = known[start] + (len(piece) if word_cost is not None else 0)
    if known[n] < KNOWN_SHARE * n:
        return letters
    words: list[str] = []
    end = n
    while end:
        words.append(letters[cut[end] : end])
        end = cut[end]
    return " ".join(reversed(words))


_LETTERS = re.compile(r"([a-z]+)")
REJOIN_CHARS = 2_000
"""Broken words are looked for in the opening only (where a lure or a request shows)."""


def rejoin_broken(text: str) -> str:
    """A piece that is no word joined to a neighbour where together they are a word (fr ee →
    free, acco unt → account, e mail → email rather than "thee mail": of the two joins, the more
    frequent word); "he re" and "in to" stay, both halves being words. Only the neighbours of
    pieces that are no word are looked at: a text of known words costs one split and one set
    difference."""
    cut = len(text)
    if cut > REJOIN_CHARS:
        space = text.rfind(" ", 0, REJOIN_CHARS)
        cut = space if space > 0 else REJOIN_CHARS  # at a space, so that no word is cut in two
    head = text[:cut]
    costs = _costs()
    # [between, word, between, word, ..., between]: words at the odd places.
    parts = _LETTERS.split(head)
    unknown = set(parts[1::2]).difference(costs)
    if not unknown:
        return text
    at = [i for i in range(1, len(parts), 2) if parts[i] in unknown]
    last = len(parts) - 1
    for i in at:
        piece = parts[i]
        if not piece or _touches_a_digit(parts, i, last):
            continue  # emptied by an earlier join, or part of a code
        options: list[tuple[float, int]] = []
        if i > 1 and parts[i - 1] == " " and parts[i - 2] + piece in costs:
            options.append((costs[parts[i - 2] + piece], i - 2))
        if i < last - 1 and parts[i + 1] == " " and piece + parts[i + 2] in costs:
            options.append((costs[piece + parts[i + 2]], i))
        if options:
            _, first = min(options)
            parts[first] += parts[first + 2]
            parts[first + 1] = parts[first + 2] = ""
    return "".join(parts) + text[cut:]


def _touches_a_digit(parts: list[str], i: int, last: int) -> bool:
    before, after = parts[i - 1], parts[i + 1] if i < last else ""
    return (before[-1:].isdigit()) or (after[:1].isdigit())
