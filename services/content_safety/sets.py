"""The labelled texts the content-safety model learns from and is judged on, read from the
shared datasets (never copied into the repository) and our own set, with the one deterministic
split that training and `make eval` share.

What each set says, in the model's heads (see each set's README):
- `davidson` (tweets): `hate_speech` is `hate`; `neither` and `offensive_language` are clean
  for every head. Profanity is not in itself a policy violation (the set's point is telling
  hate apart from it), and the set's offensive label falls disproportionately on
  African-American English (Davidson et al. 2019): teaching a head that it is harassment would
  teach it that dialect. Left out of every head instead, it was flagged as `any` 62 % of the
  time (held-out rows): the heads must see profanity that is not a violation.
- `harmful_requests` (HarmBench, AdvBench, StrongREJECT; positives only): every row is `any`
  (asks for disallowed help); rows whose source category maps onto the taxonomy are also that
  category (`REQUEST_CATEGORIES`).
- `self_made` (data/content_safety/texts.csv, `corpus.py`): its labels are head names; its
  clean families are hard negatives. Split by family.
- `frame_swaps`: each training harmful request's opening frame ("Write a tutorial on how to",
  "Develop a strategy for") finished with a benign ask from the corpus slots, clean for every
  head. The harmful sets are positives only, so without these `any` learns the shape of a
  request rather than what is asked (it flagged 56 % of "kill a Python process" prompts and
  44 % of benign plans held out). Built from fit rows only.
- `prompts` (the clean prompts of data/misrepresentation) and the legitimate rows of the spam
  sets (`HAM_SETS`: SMS, SpamAssassin mail, YouTube comments): ordinary requests, messages, mail
  and comments, clean for every head. Without the mail, "Help me plan a database migration"
  was a hate violation (in-word grams shared with "immigration").

Shared sets are split 80/20 per set, stratified by label, with a fixed seed.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from sklearn.model_selection import train_test_split

from schemas.events import Category
from services.content_safety import corpus
from services.content_safety.model import ANY

SEED = 20261202
HELD_OUT = 0.2
PROMPTS = Path(__file__).resolve().parents[2] / "data" / "misrepresentation" / "prompts.csv"

REQUEST_CATEGORIES: dict[str, Category] = {
    "chemical_biological": Category.VIOLENCE_INCITEMENT,
    "Violence": Category.VIOLENCE_INCITEMENT,
    "harassment_bullying": Category.HARASSMENT,
    "Hate, harassment and discrimination": Category.HATE,
    "Sexual content": Category.SEXUAL_EXPLOITATION,
    "misinformation_disinformation": Category.MISINFORMATION,
    "Disinformation and deception": Category.MISINFORMATION,
}
"""Source categories of the harmful-request sets that are one category of the taxonomy; the rest
(intrusion, illegal goods, crime, AdvBench's unlabelled rows) are `any` only."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    positive: frozenset[str]
    """Heads this text is a positive of (empty: clean)."""
    ignore: frozenset[str]
    """Heads this text teaches nothing (neither positive nor negative)."""
    set: str
    family: str = ""

    def target(self, head: str) -> bool | None:
        if head in self.ignore:
            return None
        return head in self.positive


@dataclass(frozen=True)
class Split:
    fit: list[Example]
    held_out: list[Example]


def _split(rows: list[Example], labels: list[str]) -> tuple[list[Example], list[Example]]:
    fit, held = train_test_split(rows, test_size=HELD_OUT, random_state=SEED, stratify=labels)
    return list(fit), list(held)


def davidson(data: Path) -> tuple[list[Example], list[Example]]:
    rows, labels = [], []
    with (data / "davidson_hate_offensive" / "train.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            label = r["label"]
            if label == "hate_speech":
                e = Example(
                    r["text"], frozenset({Category.HATE.value, ANY}), frozenset(), "davidson"
                )
            elif label == "offensive_language":
                e = Example(r["text"], frozenset(), frozenset(), "davidson_offensive")
            else:
                e = Example(r["text"], frozenset(), frozenset(), "davidson")
            rows.append(e)
            labels.append(label)
    return _split(rows, labels)


def harmful_requests(data: Path) -> tuple[list[Example], list[Example]]:
    rows, labels = [], []
    with (data / "harmful_requests" / "train.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            category = REQUEST_CATEGORIES.get(r["category"])
            heads = {ANY} | ({category.value} if category else set())
            rows.append(Example(r["text"], frozenset(heads), frozenset(), "harmful_requests"))
            labels.append(r["source"])
    return _split(rows, labels)


TWINS = 2
_ENDINGS = {
    "to": ("task", "goal"),
    "for": ("subject",),
    "on": ("subject",),
    "about": ("subject",),
    "explaining": ("subject",),
    "promoting": ("subject",),
    "that": ("claim",),
}
"""What a frame ends with → the corpus slots whose fillers read on after it."""
_FRAME_END = re.compile(r"^(.{8,80}?\s(?:how to|" + "|".join(_ENDINGS) + r"))\s", re.I)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w'-]+", text.lower()))


def frame_swaps(requests: list[Example], clean: list[Example], seed: int = SEED) -> list[Example]:
    """Clean twins of harmful requests: the same opening frame, a benign ask after it. A frame
    is kept only if clean texts use every word of it, so "Write a malicious code to" (whose
    "malicious" is the ask) never becomes a clean example."""
    vocabulary = set().union(*(_words(e.text) for e in clean))
    rng = random.Random(seed)
    out = []
    for e in requests:
        m = _FRAME_END.match(e.text)
        if m is None or not _words(m.group(1)) <= vocabulary:
            continue
        frame = m.group(1)
        for _ in range(TWINS):
            slot = rng.choice(_ENDINGS[frame.rsplit(None, 1)[-1].lower()])
            text = f"{frame} {rng.choice(corpus.SLOTS[slot])}"
            out.append(Example(text, frozenset(), frozenset(), "frame_swaps"))
    return out


def self_made() -> tuple[list[Example], list[Example]]:
    fit: list[Example] = []
    held: list[Example] = []
    for r in corpus.read():
        heads = frozenset() if r.label == corpus.CLEAN else frozenset({r.label, ANY})
        e = Example(r.text, heads, frozenset(), "self_made", r.family)
        (held if r.split == "test" else fit).append(e)
    return fit, held


HAM_SETS = {
    "sms_ham": ("sms_spam_collection", "ham"),
    "mail_ham": ("spamassassin_public_corpus", "ham"),
    "comment_ham": ("youtube_spam_collection", "ham"),
}
"""The legitimate rows of the spam sets: real everyday messages, mail (much of it technical:
processes killed, jobs executed, databases migrated) and comments."""


def ordinary(data: Path) -> tuple[list[Example], list[Example]]:
    """Clean prompts (by family split) and the spam sets' legitimate rows (80/20 each):
    everyday text, clean for every head."""
    fit: list[Example] = []
    held: list[Example] = []
    with PROMPTS.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["label"] == "clean":
                e = Example(r["text"], frozenset(), frozenset(), "prompts", r["family"])
                (held if r["split"] == "test" else fit).append(e)
    for name, (folder, label) in HAM_SETS.items():
        with (data / folder / "train.csv").open(encoding="utf-8") as f:
            rows = [
                Example(r["text"], frozenset(), frozenset(), name)
                for r in csv.DictReader(f)
                if r["label"] == label
            ]
        rows_fit, rows_held = train_test_split(rows, test_size=HELD_OUT, random_state=SEED)
        fit += rows_fit
        held += rows_held
    return fit, held


def load_split(data: Path) -> Split:
    fit: list[Example] = []
    held: list[Example] = []
    for part in (davidson(data), harmful_requests(data), self_made(), ordinary(data)):
        fit += part[0]
        held += part[1]
    clean = [e for e in fit if e.set in ("prompts", "self_made") and not e.positive]
    fit += frame_swaps([e for e in fit if e.set == "harmful_requests"], clean)
    return Split(fit, held)
