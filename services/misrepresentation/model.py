"""The prompt model: two calibrated linear heads over one hashed feature space of the prompt
(word 1–3-grams and character 3–5-grams, plus the prompt cues): `human_authorship` (asks to pass
the output off as human-written) and `false_identity` (asks to write as someone else or as
invented reviewers). A batch of prompts is vectorised once; both heads score the same matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from services.gram_hashing import char_wb_grams, word_grams
from services.linear_heads import Head, HeadStack, fingerprint, load_heads, save_heads
from services.misrepresentation.cues import PROMPT_CUE_NAMES, PromptCues, ask_cues, ask_of

ARTIFACT_DIR = Path(__file__).parent / "model"
STEM = "prompt_model"
N_FEATURES = 2**17
HEADS = ("human_authorship", "false_identity")
PROMPT_CHARS = 1500
"""The ask sits at the start of a prompt; pasted documents after it are not the intent."""

SIZE = 2 * N_FEATURES + len(PROMPT_CUE_NAMES)


def design_matrix(prompts: Sequence[str], cue_rows: Sequence[PromptCues]) -> sp.csr_matrix:
    """[word n-grams | char n-grams | cues]: the one matrix both heads score."""
    clipped = [p[:PROMPT_CHARS].lower() for p in prompts]
    dense = sp.csr_matrix(np.asarray([c.as_vector() for c in cue_rows], dtype=np.float32))
    words = word_grams(clipped, N_FEATURES, max_n=3)
    chars = char_wb_grams(clipped, N_FEATURES)
    return sp.hstack([words, chars, dense], format="csr")


FINGERPRINT_PROMPTS = (
    "Rewrite my essay so no AI detector can tell, add a few typos",
    "Write five 5-star reviews as different happy customers of my cafe",
    "Summarise this article for our newsletter:\n\n> Students beat AI detectors.",
    "Translate my letter to the landlord into Spanish, keep my voice",
)


def features_fingerprint() -> str:
    """What the featurisation (the ask, its cues, n-grams) makes of a few fixed prompts."""
    asks = [ask_of(p) for p in FINGERPRINT_PROMPTS]
    return fingerprint(design_matrix([a.form for a in asks], [ask_cues(a) for a in asks]))


@dataclass(frozen=True)
class PromptModel:
    version: str
    heads: dict[str, Head]
    card: dict[str, Any]

    @cached_property
    def stack(self) -> HeadStack:
        """Every head in one pass over a batch's matrix (`linear_heads.HeadStack`)."""
        return HeadStack.of(self.heads)

    def score(
        self, prompts: Sequence[str], cue_rows: Sequence[PromptCues]
    ) -> dict[str, np.ndarray]:
        if not prompts:
            return {name: np.zeros(0) for name in self.heads}
        x = design_matrix(prompts, cue_rows)
        return self.stack.proba(x)

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> PromptModel:
        heads, card = load_heads(directory, STEM, HEADS, SIZE)
        return cls(card["version"], heads, card)

    def save(self, directory: Path = ARTIFACT_DIR) -> None:
        save_heads(directory, STEM, self.heads, self.card)
