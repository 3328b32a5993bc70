"""`make eval-sources`'s harness on the tiny stand-in for the shared datasets: a source left out
is judged by a model that never saw it, beside the shipped model, and the card's table shows
every source measured."""

from __future__ import annotations

from pathlib import Path

from services.spam.corpus import load_split
from tests.fixtures.make_eval_fixture import write_fixture
from usewatch import evaluate_sources


def test_a_left_out_source_is_judged_by_a_model_that_never_saw_it(tmp_path: Path) -> None:
    data = write_fixture(tmp_path / "datasets")
    result = evaluate_sources.evaluate_sources(data, [("youtube", "spam", "")])
    (source,) = result["sources"]
    r = result["sources"][source]
    split = load_split(data)
    everywhere = [
        e for e in (*split.fit, *split.held_out) if (e.set, e.label) == ("youtube", "spam")
    ]
    assert r["never_trained_on"]["rows"] == len(everywhere)  # fitted rows too: none was trained on
    assert r["trained_on_held_out"]["rows"] < len(everywhere)
    assert r["channel"] == "comment"
    for figures in (r["never_trained_on"], r["trained_on_held_out"]):
        assert 0.0 <= figures["flagged"] <= 1.0
    assert "`youtube:spam`" in evaluate_sources.table(result)


def test_the_card_block_is_the_committed_figures() -> None:
    import json

    root = Path(__file__).resolve().parents[2]
    committed = json.loads((root / "services/spam/model/eval_sources.json").read_text())
    card = (root / "services/spam/MODEL_CARD.md").read_text()
    start = card.index(evaluate_sources.CARD_BEGIN) + len(evaluate_sources.CARD_BEGIN)
    assert card[start : card.index(evaluate_sources.SOURCES_END)].strip() == (
        evaluate_sources.table(committed)
    )
