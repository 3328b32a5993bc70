"""A model's heads scored together (`HeadStack`) give what each head gives alone, to the last
bit, and the stack of an artifact's heads is no second copy of their weights."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from services.content_safety.model import LocalModel
from services.linear_heads import Head, HeadStack
from services.misrepresentation.model import PromptModel
from services.spam.model import ContentModel

pytestmark = pytest.mark.unit


def _batch(features: int, rows: int = 40, seed: int = 3) -> sp.csr_matrix:
    x = sp.random(rows, features, density=min(1.0, 400 / features), format="csr", random_state=seed)
    return x.astype(np.float32)


@pytest.mark.parametrize("load", [ContentModel.load, LocalModel.load, PromptModel.load])
def test_the_stack_scores_as_each_head_does_from_the_shipped_weights(load: object) -> None:
    model = load()  # type: ignore[operator]
    heads: dict[str, Head] = model.heads
    stack = model.stack
    assert stack.weights.shape[1] == len(heads)
    for i, head in enumerate(heads.values()):
        assert np.shares_memory(head.weights, stack.weights[:, i])  # no second copy
    x = _batch(stack.weights.shape[0])
    together = stack.proba(x)
    for name, head in heads.items():
        assert np.array_equal(together[name], head.proba(x)), name


def test_heads_fitted_apart_are_stacked_by_copying() -> None:
    rng = np.random.default_rng(0)
    heads = {
        n: Head(rng.standard_normal(64).astype(np.float32), 0.3 * i, 1.1, -0.2)
        for i, n in enumerate(("a", "b", "c"))
    }
    stack = HeadStack.of(heads)
    # Not laid out as one matrix's columns: the stack holds its own copy, and scores the same.
    assert not any(np.shares_memory(stack.weights, h.weights) for h in heads.values())
    x = _batch(64, seed=4)
    for name, head in heads.items():
        assert np.array_equal(stack.proba(x)[name], head.proba(x))
