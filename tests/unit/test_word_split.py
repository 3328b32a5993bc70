"""Putting the spaces back (services/word_split.py): runs of letters split into the words they
hold, broken words joined, and neither invents words a text never had."""

from __future__ import annotations

import pytest

from services.gateway.normalize import normalize_text
from services.skeleton import skeleton
from services.word_split import rejoin_broken, split_run


@pytest.mark.parametrize(
    ("run", "words"),
    [
        ("freecashprizecallnow", "free cash prize call now"),
        ("youraccounthasbeensuspended", "your account has been suspended"),
        ("clickhere", "click here"),
        ("brainstormwaystocompromiseabsl", "brainstorm ways to compromise absl"),  # one non-word
        # "ai" is a word (word_split.RANKED_AS), but not where "aid" is meant.
        ("dontmentionaiatall", "dont mention ai at all"),
        ("saidaidwasgiven", "said aid was given"),
        # Left whole: a word itself, too short to be two, or mostly no words at all.
        ("unsubscribe", "unsubscribe"),
        ("usa", "usa"),
        ("xjkqz", "xjkqz"),
        ("peptobimbo", "peptobimbo"),
        ("bobs", "bobs"),
    ],
)
def test_split_run(run: str, words: str) -> None:
    assert split_run(run) == words


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("fr ee ca sh pri ze", "free cash prize"),
        ("the acco unt is locked", "the account is locked"),
        ("please open the e mail app", "please open the email app"),  # not "thee mail"
        # Both halves words: left apart ("he re" could be either; "in to" usually is two).
        ("go in to the shop", "go in to the shop"),
        # A name, a typo and a code are no words, but nothing joins with them into one.
        ("john smith wrote: teh cat ab12", "john smith wrote: teh cat ab12"),
    ],
)
def test_rejoin_broken(text: str, joined: str) -> None:
    assert rejoin_broken(text) == joined


def test_a_text_spelt_out_reads_as_its_words() -> None:
    spelt = "   ".join(" ".join(w) for w in ["Claim", "your", "free", "prize", "now"])
    assert skeleton(normalize_text(spelt)) == "claim your free prize now"


def test_splitting_is_bounded_per_text() -> None:
    """An adversarial text of spaced letters is split over its first SPLIT_LETTERS letters
    only; the rest stays joined (the cost of a text stays bounded)."""
    from services.skeleton import MAX_CHARS, SPLIT_LETTERS

    spelt = " ".join("claimyourfreeprizenow" * 400)
    words = skeleton(normalize_text(spelt)).split()
    assert words[:6] == ["claim", "your", "free", "prize", "now", "claim"]
    assert sum(map(len, words[:-1])) == SPLIT_LETTERS  # split as far as the budget goes
    assert len(words[-1]) == MAX_CHARS // 2 - SPLIT_LETTERS  # the rest of the opening, joined
