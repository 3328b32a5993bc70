"""Distil the content-safety word vectors (`word_vectors.py`) from all-MiniLM-L6-v2:
`python -m services.content_safety.distil --data ../shared/datasets` (`make train` runs it before
the heads are fitted, whose features it is; about two minutes on two cores).

Vocabulary: every whole-word entry of the encoder's own vocabulary (general English, so words
no labelled row contains still have a vector) and every word seen at least `MIN_COUNT` times in
the training rows (names, slang and the sets' own spellings). Only training rows are read:
held-out rows lend neither words nor frequencies. Each word is encoded alone, the vectors are
centred and reduced by PCA to `DIMS`, and each is weighted by a / (a + p(word)) with p its
frequency in the training text (Arora et al.'s smooth inverse frequency)."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from services.content_safety.minilm import MiniLM
from services.content_safety.model import matching_form
from services.content_safety.sets import load_split
from services.content_safety.word_vectors import WORD, WordVectors

DIMS = 128
MIN_COUNT = 3
SIF_A = 1e-3
WORDS_PATH = Path(__file__).parent / "model" / "word_vectors.npz"


def vocabulary(
    encoder_vocab: Iterable[str], texts: Iterable[str]
) -> tuple[list[str], Counter[str]]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD.findall(matching_form(text)))
    whole = {w for w in encoder_vocab if WORD.fullmatch(w) and len(w) > 1}
    seen = {w for w, n in counts.items() if n >= MIN_COUNT}
    return sorted(whole | seen), counts


def distil(words: list[str], counts: Counter[str], encoder: MiniLM) -> WordVectors:
    raw = encoder.words(words)
    centred = raw - raw.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:DIMS].T
    total = sum(counts.values()) or 1
    p = np.array([counts.get(w, 0) / total for w in words])
    weighted = reduced * (SIF_A / (SIF_A + p))[:, None]
    return WordVectors({w: i for i, w in enumerate(words)}, weighted.astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description="Distil the content-safety word vectors.")
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=WORDS_PATH)
    args = parser.parse_args()
    started = time.monotonic()
    encoder = MiniLM.load()
    words, counts = vocabulary(encoder.vocab, (e.text for e in load_split(args.data).fit))
    distil(words, counts, encoder).save(args.out)
    print(f"{len(words)} words, {DIMS} dims in {time.monotonic() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
