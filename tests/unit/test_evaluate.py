"""`make eval`'s harness on a tiny self-written stand-in for the shared datasets: every set and
channel is reported, every evasion and every rule has its row, and the JSON matches the table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from services.spam.detector import RULE_NAMES
from tests.fixtures.make_eval_fixture import write_fixture
from usewatch import evaluate


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("eval")
    data = write_fixture(root / "datasets")
    out = root / "eval.json"
    evaluate.main(["--data", str(data), "--out", str(out)])
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


@pytest.fixture(scope="module")
def result(whole: dict[str, Any]) -> dict[str, Any]:
    spam: dict[str, Any] = whole["spam"]
    return spam


def test_every_set_and_channel_is_reported(result: dict[str, Any]) -> None:
    by_set = result["by_set"]
    assert isinstance(by_set, dict)
    assert set(by_set) == {"sms", "spamassassin", "spamassassin_hard_ham", "nazario", "youtube"}
    assert set(result["by_channel"]) == {"sms", "email", "comment"}
    for figures in by_set.values():
        for key in ("recall", "legitimate_flagged", "legitimate_to_review", "precision"):
            if key in figures:
                assert 0.0 <= figures[key] <= 1.0


def test_every_evasion_and_rule_has_its_row(result: dict[str, Any]) -> None:
    assert set(result["robustness_recall_ratio"]) == set(evaluate.EVASIONS)
    assert set(result["rules_switched_off"]) == RULE_NAMES


@pytest.mark.parametrize("name", sorted(evaluate.EVASIONS))
def test_each_evasion_changes_the_text_and_the_skeleton_undoes_it(name: str) -> None:
    from services.gateway.normalize import normalize_text
    from services.skeleton import skeleton

    text = "Please verify your account today, dear customer"
    if name == "url_obfuscation":
        text += " at https://www.example.com/login"
    evaded = evaluate.EVASIONS[name](text, 3)
    assert evaded != text
    if name == "split_words":
        return  # not undone: a word broken in two is left to the model's character grams
    # Spaced-out punctuation stays spaced out; the words are the same.
    words = re.compile(r"[a-z0-9]+").findall
    assert words(skeleton(normalize_text(evaded))) == words(skeleton(text))


def test_the_table_prints_every_set(result: dict[str, Any]) -> None:
    shown = evaluate.table(result)
    for name in result["by_set"]:
        assert name in shown


def test_the_spam_model_card_shows_the_committed_eval_figures() -> None:
    """The card's table is rendered from services/spam/model/eval.json by `make eval`; editing
    either by hand, or retraining without `make eval`, fails here."""
    root = Path(__file__).resolve().parents[2] / "services" / "spam"
    committed = json.loads((root / "model" / "eval.json").read_text())["spam"]
    assert evaluate.card_block((root / "MODEL_CARD.md").read_text()) == evaluate.card_table(
        committed
    )


def test_the_committed_eval_is_of_the_shipped_model() -> None:
    from services.spam.model import ContentModel

    root = Path(__file__).resolve().parents[2] / "services" / "spam" / "model"
    committed = json.loads((root / "eval.json").read_text())["spam"]
    assert committed["model_version"] == ContentModel.load().version


def test_content_safety_is_reported_per_set_category_and_evasion(whole: dict[str, Any]) -> None:
    from usewatch import evaluate_safety

    safety = whole["content_safety"]
    assert {"davidson", "davidson_offensive", "harmful_requests", "sms_ham", "prompts"} <= set(
        safety["by_set"]
    )
    assert any(name.startswith("clean/") for name in safety["by_set"]), "held-out hard negatives"
    assert "hate" in safety["by_category"]
    assert set(safety["robustness_recall_ratio"]) == set(evaluate.EVASIONS)
    shown = evaluate_safety.table(safety)
    for name in safety["by_set"]:
        assert name in shown


def test_the_content_safety_card_shows_the_committed_eval_figures() -> None:
    from services.content_safety.local import LocalClassifier
    from usewatch import evaluate_safety

    root = Path(__file__).resolve().parents[2] / "services"
    committed = json.loads((root / "spam" / "model" / "eval.json").read_text())["content_safety"]
    card = (root / "content_safety" / "MODEL_CARD.md").read_text()
    assert evaluate.card_block(card) == evaluate_safety.card_table(committed)
    assert committed["model_version"] == LocalClassifier().version
