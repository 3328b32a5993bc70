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
   Letters of other alphabets that NFKD cannot take apart get their usual transliteration
   (ø → o, ł → l, ß → ss, ƒ → f).
3. Letter spacing: three or more single letters separated by one and the same spacer (a space,
   dot, dash, underscore, star, plus, tilde, bar or bullet: "f r e e", "F.R.E.E", "f*r*e*e")
   are joined, and a joined run that is several words is split where they end ("f r e e c a s h"
   → "free cash", `services/word_split.py`).
4. Leetspeak: in a word where a digit or symbol touches a letter, the ones that stand in for
   letters become them (0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s, €→e, ¢→c, ¥→y); numbers (a phone
   number, an amount, a code) and numbers with their unit (10am, 24hrs, 2nd) are left alone,
   and so are words joined to a link, or by a hyphen or a slash to digits (07/10/2019). In a
   text of leetspeak (two words or more folded into English words), a number that spells a
   word is that word too: "m4ke 17 4 r4ce" is "make it a race", "4nd" (no ordinal) "and",
   "don'7" "don't", and so is a word of symbols alone ("@" a, "+0" to, "@!" ai; a lone "!"
   stays an exclamation mark); elsewhere "4", "15" and "1s" stay numbers.
   Punctuation that stands in for a letter (! → i, | → l, ( → c, + → t, © → c, ® → r), and an @
   that opens a word, are letters only where that makes an English word: cl!ck, |eaks and @nd
   are click, leaks and and; foo(bar, a|b, yahoo!mail and @home (a handle) stay; "(" opens a
   word only where no ")" closes it ("(ash" is cash, "(all of us)" stays) and "!" never ends
   one (fr€€! keeps its mark; wha+ is what).
5. Broken words: a piece that is no word is joined to a neighbour with which it makes one
   ("fr ee" → "free", "acco unt" → "account"; `word_split.rejoin_broken`).
6. Defanged links: hxxp → http, "[.]", "(.)", "[dot]" → ".", "[:]" → ":".

"A word" is one of the English word list `services/word_split.py` reads (126k words by
frequency).

It reads text as the gateway hands it to detectors (`services/gateway/normalize.py`: NFKC,
zero-width and control characters gone, lines kept); training reads its texts through the same
normalisation (`services/spam/train.py`), so this module does not repeat that work.

Known costs: "1" always reads as "i" ("he11o" becomes "heiio"); alphanumeric names get folded
too ("mp3" becomes "mpe"), and in a text of leetspeak a number that spells a word is read as
one ("s3nd 4 f0r 15" is "send a for is"), identically in training and serving. Hosts and
addresses are left as they are: the brand matcher reads them with its own digit swaps
(`services/spam/brands.py`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from services.word_split import is_word, rejoin_broken, split_run

MAX_CHARS = 8_000
"""Only the opening of a text is put into this form: everything that reads it (the model's
tokens, the cues, the SEO signals) reads at most this much, and the cost of every scan stays
bounded. 8,000 characters hold the whole of most mail; reading 3,000 lost 0.04-0.05 of e-mail
spam recall on held-out rows."""

_LEET = str.maketrans("013457@$€¢¥" + "!|(+©®", "oieastase" + "cy" + "ilctcr")
_LEET_ALONE = str.maketrans("013457@$€¢¥", "oieastase" + "cy")
"""The stand-ins that are not also punctuation."""
_PUNCT = frozenset("!|(+©®")
"""Stand-ins that are punctuation too: read as letters only where that makes a word."""
# Where a stand-in touches a letter (fr33, c@sh, 0ffer, 7h3, cl!ck, |oan); most texts have none,
# and only the words around these hits are looked at.
PAREN_REACH = 80
"""How far a ")" may follow a "(" that opens a word for the pair to be read as a parenthesis."""
_LEET_HIT = re.compile(
    r"[0-9@$€¢¥|+©®](?:(?<=[a-z].)|(?=[a-z]))"
    r"|!(?:(?<=[a-z]!)(?=[a-z0-9@$€¢¥|+])|(?=[a-z]))"
    rf"|\((?=[a-z])(?![^)]{{0,{PAREN_REACH}}}\))|(?<=[a-z])\((?=[0-9@$€¢¥|])"
)
"""A stand-in with a letter on either side; "!" and "(" only inside a word or opening one
("free!" and "(see" are in most texts, and fold nothing; an opening "(" that a ")" closes within
PAREN_REACH characters is not looked at). The pattern starts at the stand-in, which most
characters are not: 1 µs a text where starting at the letter cost 6-18."""
STAND_INS = "@$€¢¥!|(+©®"
"""The symbols that may stand in for letters (besides digits): a word is a run of letters,
digits and these (`_fold_leet`), and what the skeleton leaves of a handle is too."""
_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789" + STAND_INS)
_GRADES = frozenset("abcdef")
"""a+ is a grade; i+ is "it"."""
_TRAILING_ONLY_PUNCT = "!("
"""Never a letter at the end of a word: "free!" is an exclamation, not "freei"."""
_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|k|m|g|x|s|h|hrs?|mins?|secs?|gb|mb|kb|tb|px|km|kg|lbs?|ml|cm|mm|"
    r"d|yrs?|wks?|mo|p|fps|mph|kph)"
)
"""A number with its unit (10am, 24hrs, 2nd, 4g, 5k): not leetspeak."""
_LINKISH = frozenset("./:-")
_JOINERS = frozenset("-/")
"""Touching a word, these make it part of a link only where its chunk (the text between two
spaces) is one: "paypa1-secure.com" is a host, "st3p-by-st3p" and "f13lds/farm5" are words."""
_LINK_CHUNK = re.compile(r"\.[a-z]{2}|://")
LEETY_WORDS = 2
"""A text in which at least this many words were folded into English words is written in
leetspeak (a code or a hex string folds into no word), and only there are numbers and words of
symbols read as the words they spell: "m4ke 17 4 ra7e" is "make it a rate", while "15 minutes"
and "2nd floor, 1s delay, 0k" elsewhere stay what they are."""
_NUMBER_WORD = re.compile(r"(?<![\w£$€¢¥#%.,:/'@!|(+©®=&\[-])\d{1,3}(?![\w%'@$€+=&.)\]]|[,:/-]\w)")
"""A number of up to three digits standing alone ("4", "70", "175"), not part of an amount, a
time, a phone number, a decimal, a code, a link's query or a list's numbering ("1.", "[1]")."""
_CONTRACTION = re.compile(r"(?<=[a-z]')[57+](?![\w'])|(?<![\w'])[1!](?='[a-z])")
"""The stand-in of a contraction: don'7, what'5, don'+, 1'm, !'ll."""
_STAND_IN_WORD = re.compile(r"(?<![\w@$€¢¥!|(+©®'])[@$€¢¥!|(+©®0-9]{1,3}(?![\w@$€¢¥!|(+©®'])")
"""A word of stand-ins alone ("@" for a, "+0" for to, "@!" for ai; `_stand_in_word`)."""


def _touching(text: str, start: int, end: int) -> str:
    """The link character (`_LINKISH`) that text[start:end], a word, touches, or ""."""
    before = text[start - 1] if start else " "
    if before in _LINKISH:
        return before
    after = text[end : end + 2]
    if len(after) == 2 and after[0] in _LINKISH and after[1].isalnum():
        return after[0]
    return ""


def _in_a_link(text: str, start: int, end: int, touching: str) -> bool:
    """Whether text[start:end], a word touching `touching`, is part of a link, an address or a
    code (a host, an e-mail address: the brand matcher reads hosts with its own digit swaps; a
    date or a reference, digits joined by a hyphen or a slash to digits: 07/10/2019, 6465-0012tm;
    "14-ye@r-old" is words)."""
    if touching not in _JOINERS:
        return True
    beyond = (
        text[start - 2 : start - 1]
        if text[start - 1 : start] == touching
        else text[end + 1 : end + 2]
    )
    if beyond.isdigit() and text[start].isdigit():
        return True
    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    right = min(i for i in (text.find(" ", end), text.find("\n", end), len(text)) if i >= 0)
    return bool(_LINK_CHUNK.search(text, left, right))


def _folded(word: str) -> str:
    """`word` with its stand-ins folded. Punctuation, and an @ that opens the word, only where
    that makes an English word: cl!ck, |eaks and @nd are click, leaks and and; foo(bar, a|b,
    yahoo!mail and @home are code, a pipe, a name and a handle, and stay."""
    folded = word.translate(_LEET)
    if word[0] != "@" and _PUNCT.isdisjoint(word):
        return folded
    if is_word(folded):
        return folded
    if word[0] == "@":
        return word  # a handle
    return word.translate(_LEET_ALONE)


def _is_ordinal(word: str) -> bool:
    """1st, 2nd, 3rd, 4th, 11th, 22nd: a number with its own ordinal suffix ("4nd" is not)."""
    digits, suffix = word[:-2], word[-2:]
    if not digits.isdigit() or suffix not in ("st", "nd", "rd", "th"):
        return False
    n = int(digits)
    return suffix == ("th" if n % 100 in (11, 12, 13) else _ORDINALS.get(n % 10, "th"))


_ORDINALS = {1: "st", 2: "nd", 3: "rd"}


def _spelt(word: str, stand_ins: dict[int, int] = _LEET_ALONE) -> str:
    """A number, a number with a unit or a word of symbols, as the word its stand-ins spell
    ("4nd" → "and", "70" → "to", "+0" → "to"), where they spell one."""
    folded = word.translate(stand_ins)
    return folded if is_word(folded) and not _ROMAN.fullmatch(folded) else word


_ROMAN = re.compile(r"i{2,}")
"""11 and 111 are numbers, not "ii" and "iii"."""


def _fold_leet(text: str) -> str:
    """Each word (letters, digits and stand-ins) with a stand-in touching a letter, folded,
    unless it is a number with its unit or part of a link or an address. In a text of
    leetspeak (`LEETY_WORDS`), numbers that spell a word are that word too: numbers with a unit
    that is no ordinal of theirs ("4nd", "1s", "0k"), numbers alone ("4", "70"), words of
    symbols alone ("@", "+0", "@!") and the stand-ins of contractions ("don'7", "1'm")."""
    edits: list[tuple[int, int, str]] = []
    units: list[tuple[int, int, str]] = []
    last = 0
    folds = 0
    for hit in _LEET_HIT.finditer(text):
        if hit.start() < last:
            continue  # inside a word already handled
        start, end = hit.start(), hit.end()
        while start > 0 and text[start - 1] in _RUN_CHARS:
            start -= 1
        while end < len(text) and text[end] in _RUN_CHARS:
            end += 1
        while start < end and text[start] == "(" and text.find(")", start, start + PAREN_REACH) > 0:
            start += 1  # a parenthesis
        while end > start and text[end - 1] in _TRAILING_ONLY_PUNCT:
            end -= 1  # fr€€! keeps its exclamation mark
        if end - start < 3 and text[end - 1] == "+" and text[start] in _GRADES:
            end -= 1  # a grade (a+), not a word
        if start >= end or start < last:
            continue
        last = end
        word = text[start:end]
        touching = _touching(text, start, end)
        if touching and _in_a_link(text, start, end, touching):
            continue
        if _UNIT.fullmatch(word):
            if not _is_ordinal(word):
                units.append((start, end, _spelt(word)))
            continue
        folded = _folded(word)
        if touching and not is_word(folded):
            continue  # a code joined by a hyphen or a slash: i386-redhat, emu10k1-tools
        folds += folded != word and is_word(folded)
        edits.append((start, end, folded))
    leety = folds >= LEETY_WORDS
    if leety and units:
        edits = sorted(edits + units)
    parts, at = [], 0
    for start, end, folded in edits:
        parts += [text[at:start], folded]
        at = end
    parts.append(text[at:])
    text = "".join(parts)
    if leety:
        text = _NUMBER_WORD.sub(lambda m: _spelt(m.group(0)), text)
        text = _STAND_IN_WORD.sub(_stand_in_word, text)
        text = _CONTRACTION.sub(lambda m: m.group(0).translate(_LEET), text)
    return text


def _stand_in_word(match: re.Match[str]) -> str:
    """A word made only of stand-ins, with at least one symbol (numbers are `_NUMBER_WORD`'s),
    as the word it spells where it spells one: "@" is "a", "+0" "to", "@!" "ai"."""
    word = match.group(0)
    if word.isdigit() or word == "!":
        return word  # a number, or an exclamation mark set apart ("wow !")
    return _spelt(word, _LEET)


# Three or more single letters joined by one and the same spacer.
_SPACED = re.compile(r"\b[a-z]([ ._*+~|·•-])[a-z](?:\1[a-z])+\b")
_SPACERS = re.compile(r"[ ._*+~|·•-]")
_TRANSLITERATED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ƒ": "f", "∂": "d", "ß": "ss", "æ": "ae", "œ": "oe"}
)
"""Letters NFKD leaves whole (ø is not o + a mark), lower case: the step runs after `lower`."""
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


SPLIT_LETTERS = 2_000
"""At most this many joined letters per text are split into words (a whole text spelt out
letter by letter is split over its first 2,000 letters, about 400 words: services/word_split.py
costs ~10 µs a letter); the rest stays joined, so an adversarial text costs no more."""


def _join_spaced(text: str) -> str:
    budget = SPLIT_LETTERS

    def join(match: re.Match[str]) -> str:
        nonlocal budget
        letters = _SPACERS.sub("", match.group(0))
        if len(letters) > budget:  # split the first letters, the rest stays joined
            head, letters = letters[:budget], letters[budget:]
            budget = 0
            return (split_run(head) + " " + letters) if head else letters
        budget -= len(letters)
        return split_run(letters)

    return _SPACED.sub(join, text)


def skeleton(text: str) -> str:
    """The matching form of the first MAX_CHARS characters of `text` (see the module docstring).
    Idempotent; keeps line breaks."""
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = _NON_ASCII.sub(_unconfuse, text)
    text = text.lower()
    if not text.isascii():
        text = text.translate(_TRANSLITERATED)
    # Spacing before leetspeak: "f|r|e|e" is a spaced word, not the letters of "flrlele".
    if _SPACED.search(text):
        text = _join_spaced(text)
    if _LEET_HIT.search(text):
        text = _fold_leet(text)
    text = rejoin_broken(text)
    for marker, pattern, replacement in _DEFANGED:
        if marker in text:
            text = pattern.sub(replacement, text)
    return text
