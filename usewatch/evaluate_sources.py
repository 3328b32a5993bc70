"""`make eval-sources`: the spam detector on a source of abuse it never saw.

`make eval` judges held-out rows of sets the model was trained on: spam from the same corpus,
the same years, the same senders. Traffic from another source looks different, and the product
is judged on it too (an e-mail corpus nobody here trains on). No such corpus is here, so this
measures the nearest thing: for each source of positives, the content model is trained again
without any of that source's positives (its legitimate rows stay, so every channel keeps its
thresholds' budgets) and judges all of them, fitted and held-out rows alike, since none was
trained on. Beside it, the shipped model on the same source's held-out rows: the gap between the
two is what a new source of the same kind would cost.

Each left-out source is one retraining (1-3 minutes here), which is why this is its own target
and not part of `make eval`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.spam.corpus import Example, load_split
from services.spam.model import ContentModel
from services.spam.train import fit_model
from usewatch.eval_replay import to_review
from usewatch.evaluate import caught, judge_texts

Source = tuple[str, str, str]
"""(set, label, group): the positives of a set, or of one group of it ("" = all of them)."""

LEFT_OUT: tuple[Source, ...] = (
    # Another collection of the same kind: SpamAssassin's 2003 spam, trained on its 2002 spam.
    ("spamassassin", "spam", "spam-2"),
    # A kind of abuse no e-mail it was trained on shows: all of SpamAssassin's spam.
    ("spamassassin", "spam", ""),
    ("nazario", "phishing", ""),
    # Comments under another video (the one with most spam), and all comment spam.
    ("youtube", "spam", "Eminem"),
    ("youtube", "spam", ""),
    ("sms", "spam", ""),
    ("sms", "phishing", ""),
)
"""Each source of positives left out in turn."""

CARD_BEGIN = "<!-- make eval-sources: begin -->"
SOURCES_END = "<!-- make eval-sources: end -->"


def _rates(model: ContentModel, rows: Sequence[Example]) -> dict[str, Any]:
    verdicts = judge_texts(model, rows)
    return {
        "rows": len(rows),
        "flagged": round(sum(map(caught, verdicts)) / len(rows), 4),
        "to_review": round(sum(map(to_review, verdicts)) / len(rows), 4),
    }


def _of(e: Example, source: Source) -> bool:
    set_name, label, group = source
    return e.set == set_name and e.label == label and (not group or e.group == group)


def evaluate_sources(data: Path, left_out: Sequence[Source] = LEFT_OUT) -> dict[str, Any]:
    split = load_split(data)
    shipped = ContentModel.load()
    out: dict[str, Any] = {}
    result = {"shipped_model": shipped.version, "sources": out}
    for source in left_out:
        rows = [e for e in (*split.fit, *split.held_out) if _of(e, source)]
        held = [e for e in split.held_out if _of(e, source)]
        if not rows:
            continue
        fitted = fit_model([e for e in split.fit if not _of(e, source)], lambda _: None)
        name = ":".join(part for part in source if part)
        without = ContentModel(
            f"without-{name}", fitted.heads, fitted.weighting, fitted.thresholds, {}
        )
        channel = rows[0].channel
        legitimate = [e for e in split.held_out if e.label == "ham" and e.channel == channel]
        out[name] = {
            "channel": channel.value,
            "never_trained_on": _rates(without, rows),
            "trained_on_held_out": _rates(shipped, held),
            "held_out_legitimate_same_channel": {
                "shipped": _rates(shipped, legitimate),
                "retrained_without": _rates(without, legitimate),
            },
        }
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Shipped model `{result['shipped_model']}`.",
        "",
        "| source left out | channel | rows | caught, never trained on | to review | "
        "caught, trained on (held out) | legitimate flagged, same channel (retrained / shipped) |",
        "|---|---|---|---|---|---|---|",
    ]
    for source, r in result["sources"].items():
        unseen, seen = r["never_trained_on"], r["trained_on_held_out"]
        legit = r["held_out_legitimate_same_channel"]
        lines.append(
            f"| `{source}` | {r['channel']} | {unseen['rows']} | {unseen['flagged']:.3f} | "
            f"{unseen['to_review']:.3f} | {seen['flagged']:.3f} | "
            f"{legit['retrained_without']['flagged']:.3f} / {legit['shipped']['flagged']:.3f} |"
        )
    return "\n".join(lines)


def write_card_block(path: Path, block: str) -> None:
    card = path.read_text()
    start = card.index(CARD_BEGIN) + len(CARD_BEGIN)
    path.write_text(card[:start] + "\n" + block + "\n" + card[card.index(SOURCES_END) :])


def _source(spec: str) -> Source:
    set_name, label, group = [*spec.split(":"), "", ""][:3]
    return set_name, label, group


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here")
    parser.add_argument("--card", type=Path, default=None, help="rewrite this card's block")
    parser.add_argument(
        "--only", default=None, help="comma-separated set:label[:group] (default: all)"
    )
    args = parser.parse_args(argv)
    left_out = [_source(s) for s in args.only.split(",")] if args.only else list(LEFT_OUT)
    result = evaluate_sources(args.data, left_out)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if args.card:
        write_card_block(args.card, table(result))
    print(table(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
