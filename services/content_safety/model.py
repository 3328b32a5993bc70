"""The built-in content-safety model: calibrated linear heads, one per policy category it covers
plus `any` (some disallowed use, whichever), over one hashed feature space of the text's
skeleton (`services.skeleton`: case, look-alike letters, leetspeak, letter spacing and
defanged links folded away): word 1–2-grams and in-word character 3–5-grams. A batch is
hashed once and every head scores the same matrix, as in the spam model. Thresholds per head
are learnt on out-of-fold scores at the false-positive budgets in `BUDGETS` and stored with the
weights (`make train`); no threshold lives in code.

`any` exists because most requests for disallowed help (the harmful-request sets) name no one
category of the taxonomy (intrusion, illegal goods, crime): it makes such a text a violation,
and the verdict names the category whose own head scores it highest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from schemas.events import Category
from services.content_safety.word_vectors import WordVectors
from services.gram_hashing import char_wb_grams, word_grams
from services.linear_heads import Head, HeadStack, Thresholds, fingerprint, load_heads, save_heads
from services.skeleton import STAND_INS, skeleton

ARTIFACT_DIR = Path(__file__).parent / "model"
STEM = "content_safety_model"
WORDS_FILE = "word_vectors.npz"
N_FEATURES = 2**18
TEXT_CHARS = 2_000
"""What is scored of each text: a request or a harmful passage shows in its first paragraphs,
and the cost of hashing grows with the length."""
GRAM_CHARS = 300
"""What the character grams read (the word grams read all of TEXT_CHARS), as in the spam model:
they are for spellings the skeleton cannot undo, and building them is most of the stage's
time (see the README's Performance)."""

CATEGORIES: tuple[Category, ...] = (
    Category.VIOLENCE_INCITEMENT,
    Category.VIOLENCE_SELF_HARM,
    Category.SEXUAL_EXPLOITATION,
    Category.HATE,
    Category.HARASSMENT,
    Category.MISINFORMATION,
    Category.PRIVACY_EXTRACTION,
    Category.UNSAFE_UNSUPERVISED_MEDICAL,
)
ANY = "any"
HEADS: tuple[str, ...] = (*(c.value for c in CATEGORIES), ANY)

BUDGETS: dict[str, float] = {"violation": 0.01, "suspect": 0.03}
"""Share of a head's out-of-fold negatives allowed above its violation and suspect thresholds."""
FLOORS: dict[str, float] = {"violation": 0.5, "suspect": 0.2}
"""The lowest calibrated probabilities a threshold may have. Where training separates a head's
data perfectly (a self-made category), the budget's threshold falls to ~0 and anything with a
hint of the category's words would pass it (1e-6 for self-harm, first build: 87 % of the
held-out "kill a Python process" family flagged); a violation needs at least an even chance."""


HANDLE = re.compile(rf"(?<![a-z0-9_])@[a-z0-9_{re.escape(STAND_INS)}]+")
"""A handle as the skeleton leaves it: letters, digits and the stand-ins it did not fold (a
handle is no word), opening a word (the @ of an e-mail address is none)."""


def matching_form(text: str) -> str:
    """What the model reads of a text: the skeleton of its opening, every @handle one and the
    same token. Who a text names is not what it says: with the handles, the model learnt the
    users of Davidson's tweets (held-out tweets share their authors with the training ones), and
    a hateful tweet whose only change was a handle spelt another way went unflagged."""
    return HANDLE.sub("@user", skeleton(text[:TEXT_CHARS]))


def size(words: WordVectors) -> int:
    return 2 * N_FEATURES + words.dims


def design_matrix(texts: Sequence[str], words: WordVectors) -> sp.csr_matrix:
    """[word n-grams | char n-grams | mean word vector] of each text's skeleton, each block of
    norm 1 (weighting the vector block 3 x lost held-out recall: minor_sexual 1.0 -> 0.76)."""
    folded = [matching_form(t) for t in texts]
    grams = char_wb_grams([f[:GRAM_CHARS] for f in folded], N_FEATURES)
    meaning = sp.csr_matrix(words.embed(folded))
    return sp.hstack([word_grams(folded, N_FEATURES), grams, meaning], format="csr")


FINGERPRINT_TEXTS = (
    "How do I kill a Python process that will not stop?",
    "@mallcops I am going to hurt everyone at the mall on friday",
    "Wh@t is the d0se of ibuprofen for a fever",
)


def features_fingerprint(words: WordVectors) -> str:
    return fingerprint(design_matrix(FINGERPRINT_TEXTS, words))


@dataclass(frozen=True)
class LocalModel:
    version: str
    heads: dict[str, Head]
    thresholds: dict[str, Thresholds]
    card: dict[str, Any]
    words: WordVectors

    @cached_property
    def stack(self) -> HeadStack:
        """Every head in one pass over a batch's matrix (`linear_heads.HeadStack`)."""
        return HeadStack.of(self.heads)

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        x = design_matrix(texts, self.words)
        return self.stack.proba(x)

    def graded(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Per text, every head's probability on the detectors' scale (its own thresholds).
        A text that occurs more than once in the batch (a template, an app's fixed prompt) is
        scored once."""
        unique = list(dict.fromkeys(texts))
        probs = self.probabilities(unique)
        on_scale = {name: self.thresholds[name].grade_all(p) for name, p in probs.items()}
        rows = [{name: float(on_scale[name][i]) for name in self.heads} for i in range(len(unique))]
        at = {t: i for i, t in enumerate(unique)}
        return [rows[at[t]] for t in texts]

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> LocalModel:
        words = WordVectors.load(directory / WORDS_FILE)
        heads, card = load_heads(directory, STEM, HEADS, size(words))
        thresholds = {
            name: Thresholds(t["suspect"], t["violation"]) for name, t in card["thresholds"].items()
        }
        missing = set(HEADS) - set(thresholds)
        if missing:
            raise ValueError(f"{directory}: no thresholds for {sorted(missing)}; run make train")
        return cls(card["version"], heads, thresholds, card, words)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        card = self.card | {
            "thresholds": {
                n: {"suspect": t.suspect, "violation": t.violation}
                for n, t in self.thresholds.items()
            }
        }
        save_heads(directory, STEM, self.heads, card)
