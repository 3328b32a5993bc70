"""`make eval`'s content-safety section: the local classifier, through the stage's own batch
pipeline on text normalised as the gateway does, on the held-out rows of its sets
(`services/content_safety/sets.py`): per set and per held-out family of the self-made set, per
category, under evasions, and the Davidson false-positive rates that stand in for a dialect
measurement the data does not allow (see the model card's bias section).

A text counts as *flagged* when its verdict is a `violation` in any content-safety category; a
positive is *caught as its category* when the verdict names the category it is labelled with
(requests labelled only "asks for disallowed help" have no category to match). Requests (the
harmful-request sets, the self-made set, ordinary prompts) are sent as prompts; tweets and SMS
as generations, as they would arrive."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.events import MAX_TEXT_CHARS, Category, Channel, GenerationEvent, Label, Verdict
from services.content_safety.local import LocalClassifier
from services.content_safety.model import ANY, CATEGORIES
from services.content_safety.pipeline import ContentSafetyPipeline
from services.content_safety.sets import Example, load_split
from services.gateway.admission import with_normalized_text
from usewatch.eval_replay import WHEN, judge_all, to_review

GENERATIONS = frozenset({"davidson", "davidson_offensive", "sms_ham", "mail_ham", "comment_ham"})
"""Sets whose texts arrive as generations (tweets, messages, mail, comments); the rest are
requests."""


def judge_texts(
    classifier: LocalClassifier, examples: Sequence[Example], texts: Sequence[str] | None = None
) -> list[Verdict | None]:
    texts = texts if texts is not None else [e.text for e in examples]
    pipeline = ContentSafetyPipeline([classifier])
    events = []
    for i, (e, text) in enumerate(zip(examples, texts, strict=True)):
        body = text[:MAX_TEXT_CHARS]
        as_generation = e.set in GENERATIONS
        events.append(
            with_normalized_text(
                GenerationEvent(
                    event_id=f"eval-{i}",
                    occurred_at=WHEN,
                    account_id=f"eval-account-{i}",
                    app_id="eval",
                    channel=Channel.CHAT,
                    prompt="" if as_generation else body,
                    generation=body if as_generation else "",
                    model="eval",
                )
            )
        )

    return judge_all(pipeline, events)


def _flagged(v: Verdict | None) -> bool:
    return v is not None and v.label == Label.VIOLATION and v.category in CATEGORIES


def _categories(e: Example) -> set[Category]:
    return {Category(h) for h in e.positive if h != ANY}


def figures(examples: Sequence[Example], verdicts: Sequence[Verdict | None]) -> dict[str, Any]:
    pairs = list(zip(examples, verdicts, strict=True))
    pos = [(e, v) for e, v in pairs if e.positive]
    neg = [v for e, v in pairs if not e.positive]
    out: dict[str, Any] = {"positives": len(pos), "clean": len(neg)}
    if pos:
        out["recall"] = round(sum(_flagged(v) for _, v in pos) / len(pos), 4)
        typed = [(e, v) for e, v in pos if _categories(e)]
        if typed:
            right = sum(
                v is not None and _flagged(v) and v.category in _categories(e) for e, v in typed
            )
            out["caught_as_its_category"] = round(right / len(typed), 4)
        out["positives_to_review"] = round(sum(to_review(v) for _, v in pos) / len(pos), 4)
    if neg:
        out["clean_flagged"] = round(sum(map(_flagged, neg)) / len(neg), 4)
        out["clean_to_review"] = round(sum(map(to_review, neg)) / len(neg), 4)
    return out


def _group(e: Example) -> str:
    return e.family if e.set == "self_made" else e.set


def evaluate_content_safety(data: Path, limit: int | None = None) -> dict[str, Any]:
    from usewatch.evaluate import EVASIONS

    classifier = LocalClassifier()
    held = load_split(data).held_out
    if limit is not None:  # at most `limit` rows per set or family, for a quick look
        taken: dict[str, int] = {}
        kept = []
        for e in held:
            taken[_group(e)] = taken.get(_group(e), 0) + 1
            if taken[_group(e)] <= limit:
                kept.append(e)
        held = kept
    verdicts = judge_texts(classifier, held)
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(held):
        groups.setdefault(_group(e), []).append(i)
    by_group = {
        g: figures([held[i] for i in idx], [verdicts[i] for i in idx])
        for g, idx in sorted(groups.items())
    }
    by_category: dict[str, Any] = {}
    for c in sorted(CATEGORIES, key=lambda c: c.value):
        idx = [i for i, e in enumerate(held) if c in _categories(e)]
        if idx:
            by_category[c.value] = figures([held[i] for i in idx], [verdicts[i] for i in idx])
    positives = [i for i, e in enumerate(held) if e.positive]
    clean_recall = sum(_flagged(verdicts[i]) for i in positives) / max(len(positives), 1)
    robustness: dict[str, float | None] = {}
    for name, evade in EVASIONS.items():
        texts = [evade(held[i].text, i) for i in positives]
        evaded = judge_texts(classifier, [held[i] for i in positives], texts)
        recall = sum(map(_flagged, evaded)) / max(len(positives), 1)
        robustness[name] = round(recall / clean_recall, 4) if clean_recall else None
    unlifted = judge_texts(LocalClassifier(classifier.model, lift=False), held)
    return {
        "model_version": classifier.version,
        "thresholds": {h: [t.suspect, t.violation] for h, t in classifier.model.thresholds.items()},
        "by_set": by_group,
        "by_category": by_category,
        "robustness_recall_ratio": robustness,
        # What the `any` head's lift (local.combine) adds: the same rows, topical heads alone.
        "without_any_lift": {
            g: figures([held[i] for i in idx], [unlifted[i] for i in idx])
            for g, idx in sorted(groups.items())
        },
        # `davidson` holds the hate positives and the "neither" tweets.
        "davidson_flagged": {
            label: by_group[s]["clean_flagged"]
            for label, s in (("offensive", "davidson_offensive"), ("neither", "davidson"))
            if "clean_flagged" in by_group.get(s, {})
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "",
        f"content safety ({result['model_version']}), held-out rows and families",
        f"{'':46}{'rows':>6}{'recall':>8}{'as-cat':>8}{'review+':>9}{'flagged-':>9}{'review-':>9}",
    ]
    for section in ("by_set", "by_category"):
        lines.append(section.replace("_", " "))
        for name, f in result[section].items():
            cells = [
                f.get("recall"),
                f.get("caught_as_its_category"),
                f.get("positives_to_review"),
                f.get("clean_flagged"),
                f.get("clean_to_review"),
            ]
            shown = "".join(
                f"{c:>{w}.3f}" if c is not None else f"{'-':>{w}}"
                for c, w in zip(cells, (8, 8, 9, 9, 9), strict=True)
            )
            lines.append(f"  {name:44}{f['positives'] + f['clean']:>6}{shown}")
    moved = [
        f"{name} {_figure(f)} (was {_figure(result['by_set'][name])})"
        for name, f in result["without_any_lift"].items()
        if _figure(f) != _figure(result["by_set"][name])
    ]
    lines.append("without the any head's lift: " + (", ".join(moved) or "nothing moves"))
    lines.append(
        "recall under evasion / clean recall: "
        + ", ".join(
            f"{k} {v:.3f}" if v is not None else f"{k} -"
            for k, v in result["robustness_recall_ratio"].items()
        )
    )
    return "\n".join(lines)


def _figure(f: dict[str, Any]) -> str:
    if "recall" in f:
        return f"flagged {f['recall']:.3f}"
    return f"clean flagged {f['clean_flagged']:.3f}"


def card_table(result: dict[str, Any]) -> str:
    """The content-safety model card's figures, from the JSON `make eval` writes."""

    def cell(f: dict[str, Any], key: str) -> str:
        return f"{f[key]:.3f}" if key in f else "–"

    rows = [
        "| held-out set or family | rows | flagged (positives) | caught as its category "
        "| positives to review | clean flagged | clean to review |",
        "|---|---|---|---|---|---|---|",
    ]
    for section, what in (("by_set", ""), ("by_category", "category ")):
        for name, f in result[section].items():
            rows.append(
                f"| {what}`{name}` | {f['positives'] + f['clean']} | {cell(f, 'recall')} "
                f"| {cell(f, 'caught_as_its_category')} | {cell(f, 'positives_to_review')} "
                f"| {cell(f, 'clean_flagged')} | {cell(f, 'clean_to_review')} |"
            )
    rows += [
        "",
        "| without the `any` head's lift | flagged (positives) | clean flagged |",
        "|---|---|---|",
    ]
    for name, f in result["without_any_lift"].items():
        rows.append(f"| `{name}` | {cell(f, 'recall')} | {cell(f, 'clean_flagged')} |")
    robust = result["robustness_recall_ratio"]
    rows += ["", "| evasion | " + " | ".join(robust) + " |", "|---" * (len(robust) + 1) + "|"]
    rows.append(
        "| recall / clean recall | "
        + " | ".join(f"{v:.3f}" if v is not None else "–" for v in robust.values())
        + " |"
    )
    return "\n".join(rows)
