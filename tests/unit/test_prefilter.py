"""The literal prefilter (services/prefilter.py): the literals it reads off a pattern are a
necessary condition, and a PatternSet answers exactly as running every pattern would, on every
text we have (demo traffic, our labelled prompts, the shared sets where this checkout has them)."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import pytest

from services.misrepresentation.cues import ASK_CUES, OUTPUT_CUES
from services.prefilter import PatternSet, required_literals
from services.spam.features import CUES, extract
from tests.fixtures import make_eval_fixture
from usewatch import demo

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\b(?:won|winner)\b.{0,80}?\b(?:call|txt)\b", ("winner", "won")),
        (r"colou?r", ("colour", "color")),
        (r"sign[- ]in", ("sign in", "sign-in")),
        (r"a\w+b", ("a",)),  # "b" is required too; of equals, the first is kept
        (r"(?:x|y)?z", ("z",)),  # "xz" and "yz" hold "z": no need to look for them
        (r"\d+ dollars", (" dollars",)),
        (r"(?<=\$)\d+", ("$",)),
        (r"(?<!no )thanks", ("thanks",)),
        (r"\w+", None),
        (r"(?:abc|\w)d", ("d",)),
    ],
)
def test_the_literals_are_what_every_match_must_contain(
    pattern: str, literals: tuple[str, ...] | None
) -> None:
    assert required_literals(re.compile(pattern)) == literals


def test_case_insensitive_literals_are_lower_case_and_ascii_only() -> None:
    assert required_literals(re.compile(r"Hello World", re.I)) == ("hello world",)
    assert required_literals(re.compile(r"straße", re.I)) is None  # folding beyond lower()


def test_a_non_ascii_text_runs_every_case_insensitive_pattern() -> None:
    """Under IGNORECASE `s` matches the long s `ſ`, which lower-casing does not turn into `s`:
    a literal test would miss what the pattern finds."""
    patterns = PatternSet({"secret": re.compile(r"secret", re.I)})
    assert patterns.search("a ſecret") == {"secret": True}
    assert patterns.search("a SECRET") == {"secret": True}
    assert patterns.search("a sacred") == {"secret": False}


def test_a_set_mixes_no_case_modes() -> None:
    with pytest.raises(ValueError, match="ignore case"):
        PatternSet({"a": re.compile("a"), "b": re.compile("b", re.I)})


def _texts() -> list[str]:
    events = demo.generate(3_000, seed=5, run="prefilter")
    texts = [t for e in events for t in (e.prompt, e.generation) if t]
    with (ROOT / "data" / "misrepresentation" / "prompts.csv").open(newline="") as fh:
        texts += [row["text"] for row in csv.DictReader(fh)]
    templates = make_eval_fixture.HAM + make_eval_fixture.SPAM + make_eval_fixture.PHISH
    texts += [t.format(n=n) for t, n in itertools.product(templates, range(3))]
    if DATASETS.is_dir():  # the shared sets, where this checkout has them (CI does)
        from services.spam.corpus import load_split

        split = load_split(DATASETS)
        texts += [x.text for x in (*split.fit, *split.held_out)]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_the_spam_cues_count_as_their_patterns_do(texts: list[str]) -> None:
    fired = dict.fromkeys(CUES.patterns, 0)
    for text in texts:
        form = extract(text).skeleton  # what the spam cues read
        expected = {name: len(p.findall(form)) for name, p in CUES.patterns.items()}
        assert CUES.count(form) == expected, form[:200]
        for name, n in expected.items():
            fired[name] += n > 0
    assert all(fired.values()), fired  # every cue was exercised


def test_the_misrepresentation_cues_find_what_their_patterns_do(texts: list[str]) -> None:
    fired = dict.fromkeys(ASK_CUES.patterns, 0)
    for text in texts:
        form = text[:4000]  # they read the gateway's normalised text, case and all
        for patterns in (ASK_CUES, OUTPUT_CUES):
            expected = {name: bool(p.search(form)) for name, p in patterns.patterns.items()}
            assert patterns.search(form) == expected, form[:200]
            if patterns is ASK_CUES:
                for name, hit in expected.items():
                    fired[name] += hit
    assert all(fired.values()), fired
