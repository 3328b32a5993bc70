"""A literal prefilter for regular expressions: the strings one of which every text a pattern
matches must contain, read off the pattern itself (as RE2's prefilter and Hyperscan's literal
extraction do), so a text that holds none of them is answered without running the pattern.

The detectors' cue patterns are long alternations of phrases tried at every position of a
text: 5-30 µs each on an ordinary prompt, most of the misrepresentation stage's time, and they
fail on almost every text. A substring test costs tens of nanoseconds.

The literals are a necessary condition by construction: a sequence requires what any one of its
parts requires (consecutive literal parts joined, alternatives multiplied out), an alternation
requires one of its alternatives' requirements, a repeat what its body requires if it must run
at least once; anything else (a class like `\\w`, an optional part, a negative lookaround)
requires nothing. A pattern with no requirement is always run. For case-insensitive patterns the
test is on the lower-cased text, and only for ASCII texts: Unicode case folding has pairs that
lower-casing does not join (`ſ` and `s`), so a non-ASCII text always runs the patterns.

One scan finds every pattern's literals at once (`PatternSet`, Aho-Corasick): testing each
literal with `in` cost as much as the patterns themselves (2-11 µs per pattern in Python's loop),
the automaton ~3 µs for all twelve spam cues.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parser's opcodes: stable since Python 3.11, checked by tests
import re._parser as sre_parse
from typing import Any

import ahocorasick

MAX_STRINGS = 64
"""Past this many, an alternation's strings are not multiplied out further (the requirement
stops growing, it does not become wrong)."""

Items = Any  # a parsed sequence: re._parser.SubPattern or a list of (opcode, argument)


def _exact(items: Items) -> set[str] | None:
    """Every string the sequence can match, if it is a small finite set of literals."""
    out = {""}
    for op, av in items:
        strings: set[str] | None
        if op is sre.LITERAL:
            strings = {chr(av)}
        elif op is sre.AT:
            continue  # zero width: the literals around it stay contiguous
        elif op is sre.SUBPATTERN:
            _, add_flags, del_flags, inner = av
            strings = None if add_flags or del_flags else _exact(inner)
        elif op is sre.BRANCH:
            strings = set()
            for alternative in av[1]:
                one = _exact(alternative)
                if one is None:
                    return None
                strings |= one
        elif op is sre.IN:
            strings = _chars(av)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, inner = av
            body = _exact(inner)
            if body is None or high > 3:
                return None
            strings = {""} if low == 0 else set()
            for n in range(max(low, 1), high + 1):
                strings |= _power(body, n)
        else:
            return None
        if strings is None:
            return None
        out = {a + b for a in out for b in strings}
        if len(out) > MAX_STRINGS:
            return None
    return out


def _power(strings: set[str], n: int) -> set[str]:
    out = {""}
    for _ in range(n):
        out = {a + b for a in out for b in strings}
    return out


def _chars(members: list[tuple[Any, Any]]) -> set[str] | None:
    """The characters of a small class ([- ], [sz]), or None (a negation, a category, a range
    wider than four)."""
    out: set[str] = set()
    for op, av in members:
        if op is sre.LITERAL:
            out.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < 4:
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return out


def _better(candidate: set[str], best: set[str] | None) -> bool:
    if best is None:
        return True
    shortest = min(map(len, candidate)), -len(candidate)
    return shortest > (min(map(len, best)), -len(best))


def _required(items: Items) -> set[str] | None:
    """Strings one of which any match of the sequence contains, or None."""
    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and "" not in candidate and _better(candidate, best):
            best = candidate

    run = {""}
    for item in items:
        exact = _exact([item])
        if exact is not None:
            joined = {a + b for a in run for b in exact}
            if len(joined) <= MAX_STRINGS:
                run = joined
                continue
            consider(run)
            run = exact
            continue
        consider(run)
        run = {""}
        consider(_required_of(item))
    consider(run)
    return best


def _required_of(item: tuple[Any, Any]) -> set[str] | None:
    op, av = item
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, inner = av
        return None if add_flags or del_flags else _required(inner)
    if op is sre.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            one = _required(alternative)
            if one is None:
                return None
            union |= one
        return union
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, inner = av
        return _required(inner) if low >= 1 else None
    if op is sre.ASSERT:  # a positive lookaround: what it sees is in the text too
        return _required(av[1])
    if op is sre.ATOMIC_GROUP:
        return _required(av)
    return None


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which every text the pattern matches contains (lower case if the pattern
    ignores case), or None when none can be read off it."""
    folded = bool(pattern.flags & re.IGNORECASE)
    found = _required(sre_parse.parse(pattern.pattern, pattern.flags))
    if found is None:
        return None
    if folded:
        if not all(s.isascii() for s in found):
            return None
        found = {s.lower() for s in found}
    # A literal that contains another adds nothing: every text that holds it holds the shorter
    # one too ("xz" beside "z").
    kept = {s for s in found if not any(t != s and t in s for t in found)}
    # Longest first: a stable order to read (the automaton finds them all in one pass).
    return tuple(sorted(kept, key=lambda s: (-len(s), s)))


class PatternSet:
    """Named patterns judged together: one Aho-Corasick pass (pyahocorasick, in C) over the text
    finds which patterns' literals it holds, and only those patterns run. Answers as running
    every pattern would (`tests/unit/test_prefilter.py` checks it on every text we have). The
    patterns share one case mode: all case-sensitive or all ignoring case."""

    def __init__(self, patterns: dict[str, re.Pattern[str]]) -> None:
        folded = {bool(p.flags & re.IGNORECASE) for p in patterns.values()}
        if len(folded) > 1:
            raise ValueError("a PatternSet's patterns either all ignore case or none does")
        self.patterns = patterns
        self.folded = folded == {True}
        self.literals = {name: required_literals(p) for name, p in patterns.items()}
        self._always = frozenset(name for name, lits in self.literals.items() if lits is None)
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, set[str]] = {}
        for name, lits in self.literals.items():
            for literal in lits or ():
                owners.setdefault(literal, set()).add(name)
        for literal, names in owners.items():
            self._automaton.add_word(literal, frozenset(names))
        if owners:
            self._automaton.make_automaton()
        self._any_literal = bool(owners)

    def candidates(self, text: str) -> frozenset[str]:
        """The patterns that may match `text` (a superset of those that do)."""
        if self.folded:
            if not text.isascii():
                return frozenset(self.patterns)
            text = text.lower()
        found = set(self._always)
        if self._any_literal:
            for _, names in self._automaton.iter(text):
                found |= names
        return frozenset(found)

    def search(self, text: str) -> dict[str, bool]:
        """Per pattern, whether it matches anywhere in `text`."""
        may = self.candidates(text)
        return {
            name: name in may and p.search(text) is not None for name, p in self.patterns.items()
        }

    def count(self, text: str) -> dict[str, int]:
        """Per pattern, its number of non-overlapping matches (`findall`)."""
        may = self.candidates(text)
        return {
            name: len(p.findall(text)) if name in may else 0 for name, p in self.patterns.items()
        }
