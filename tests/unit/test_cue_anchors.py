"""The cues' anchors (`features.Cue`) are a necessary condition of their patterns: on every text
we have, counting with the anchors gives the counts of the patterns alone. A pattern edited
without its anchors fails here."""

from __future__ import annotations

import itertools
from pathlib import Path

from services.spam.corpus import load_split
from services.spam.features import CUES, extract
from tests.fixtures import make_eval_fixture
from usewatch import demo

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _texts() -> list[str]:
    events = demo.generate(3_000, seed=5, run="anchors")
    texts = [t for e in events for t in (e.prompt, e.generation) if t]
    texts += [
        t.format(n=n)
        for t, n in itertools.product(
            make_eval_fixture.HAM + make_eval_fixture.SPAM + make_eval_fixture.PHISH, range(3)
        )
    ]
    if DATASETS.is_dir():  # the shared sets, where this checkout has them (CI does)
        split = load_split(DATASETS)
        texts += [x.text for x in (*split.fit, *split.held_out)]
    return texts


def test_anchored_counts_equal_the_patterns_counts() -> None:
    texts = _texts()
    fired = dict.fromkeys(CUES, 0)
    for text in texts:
        x = extract(text)
        words = frozenset(x.words)
        for name, cue in CUES.items():
            full = len(cue.pattern.findall(x.skeleton))
            assert cue.count(x.skeleton, words) == full, (name, x.skeleton[:200])
            fired[name] += full > 0
    assert all(fired.values()), fired  # every cue was exercised
