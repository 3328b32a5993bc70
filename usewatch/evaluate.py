"""`make eval` (`python -m usewatch.evaluate`): the shipped detectors judged on labelled rows
they never trained on, per set and per channel, at the shipped thresholds, plus how recall holds
under evasions and what each rule of the spam detector adds.

Every text goes through what production does to it: the gateway's normalisation, then the
spam stage's own batch pipeline (in-memory state), each text from a fresh account, so only
content can tell. A positive counts as caught when its verdict is a `violation` in `spam`,
`fraud.phishing` or `security.spearphishing`; `review` is the share judged `suspect`.

Output: a JSON document (`--out`), a terminal table, and (`--card`) the model card's figures.
The content-safety stage's section is `usewatch/evaluate_safety.py`.
`--limit N` judges at most N rows per set and skips the misrepresentation and stream sections,
for a quick look. The test suite runs the whole harness on a small self-written stand-in for the
datasets (`tests/fixtures/make_eval_fixture.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from schemas.events import MAX_TEXT_CHARS, Category, GenerationEvent, Label, Verdict
from services.gateway.admission import with_normalized_text
from services.gateway.normalize import normalize_text
from services.spam.corpus import Example, legitimate_prompts, load_split, self_made_mail
from services.spam.detector import RULE_NAMES, RULES
from services.spam.model import ContentModel
from services.spam.pipeline import SpamPipeline
from services.state.near_duplicates import MemoryNearDuplicateIndex
from services.state.windows import MemoryBehaviourWindows
from usewatch import evaluate_safety
from usewatch.backtest import WINDOW_MS
from usewatch.eval_replay import WHEN, judge_all, to_review

CAUGHT = frozenset({Category.SPAM, Category.FRAUD_PHISHING, Category.SECURITY_SPEARPHISHING})

# ----------------------------------------------------------------------------------------------
# Evasions: what an evader does to a text. Seeded, so every run is the same.

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_CYRILLIC = {"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "x": "х", "y": "у"}


def _per_letter(text: str, table: dict[str, str], share: float, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(
        table[c.lower()] if c.lower() in table and rng.random() < share else c for c in text
    )


def leetspeak(text: str, seed: int) -> str:
    return _per_letter(text, _LEET, 0.6, seed)


def confusables(text: str, seed: int) -> str:
    return _per_letter(text, _CYRILLIC, 0.6, seed)


def zero_width(text: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(c + "\u200b" if c.isalpha() and rng.random() < 0.3 else c for c in text)


def letter_spacing(text: str, seed: int) -> str:
    """Every third word of four letters or more spelt out with spaces (f r e e)."""
    rng = random.Random(seed)
    words = text.split(" ")
    return " ".join(
        " ".join(w) if len(w) >= 4 and w.isalpha() and rng.random() < 0.33 else w for w in words
    )


_SYMBOLS = {"a": "@", "c": "(", "e": "€", "i": "!", "l": "|", "o": "0", "s": "$", "t": "+"}


def symbol_leetspeak(text: str, seed: int) -> str:
    """Letters swapped for symbols that look like them (fr€€ c@$h, cl!ck, |oan)."""
    return _per_letter(text, _SYMBOLS, 0.5, seed)


def separated_letters(text: str, seed: int) -> str:
    """Every third word of four letters or more spelt out with a symbol (f*r*e*e, c.a.s.h)."""
    rng = random.Random(seed)
    out = []
    for w in text.split(" "):
        if len(w) >= 4 and w.isalpha() and rng.random() < 0.33:
            w = rng.choice("*.-_+~|").join(w)
        out.append(w)
    return " ".join(out)


def split_words(text: str, seed: int) -> str:
    """Every other word of five letters or more broken in two by a space (fr ee, acco unt)."""
    rng = random.Random(seed)
    out = []
    for w in text.split(" "):
        if len(w) >= 5 and w.isalpha() and rng.random() < 0.5:
            cut = rng.randint(2, len(w) - 2)
            w = w[:cut] + " " + w[cut:]
        out.append(w)
    return " ".join(out)


def spaced_out(text: str, seed: int) -> str:
    """The whole text spelt out letter by letter, words kept apart by three spaces."""
    del seed
    return "\n".join("   ".join(" ".join(w) for w in line.split()) for line in text.split("\n"))


def url_obfuscation(text: str, seed: int) -> str:
    """Defanged links: hxxp:// and [.] in every host."""
    import re

    def defang(m: re.Match[str]) -> str:
        return m.group(0).replace("http", "hxxp").replace(".", "[.]")

    return re.sub(r"(?:https?://|www\.)[^\s/<>\"']+", defang, text)


EVASIONS: dict[str, Callable[[str, int], str]] = {
    "leetspeak": leetspeak,
    "confusables": confusables,
    "zero_width": zero_width,
    "letter_spacing": letter_spacing,
    "separated_letters": separated_letters,
    "split_words": split_words,
    "spaced_out": spaced_out,
    "symbol_leetspeak": symbol_leetspeak,
    "url_obfuscation": url_obfuscation,
}

# ----------------------------------------------------------------------------------------------


def judge_texts(
    model: ContentModel,
    examples: Sequence[Example],
    texts: Sequence[str] | None = None,
    rules: frozenset[str] = RULE_NAMES,
) -> list[Verdict | None]:
    """The detector's verdicts on texts as fresh accounts would send them, through the
    gateway's normalisation and the spam stage's own batch pipeline (in-memory state)."""
    texts = texts if texts is not None else [e.text for e in examples]
    pipeline = SpamPipeline(
        model, MemoryBehaviourWindows(WINDOW_MS), MemoryNearDuplicateIndex(WINDOW_MS), rules
    )
    events = [
        with_normalized_text(
            GenerationEvent(
                event_id=f"eval-{i}",
                occurred_at=WHEN,
                account_id=f"eval-account-{i}",
                app_id="eval",
                channel=e.channel,
                prompt="",
                generation=text[:MAX_TEXT_CHARS],
                model="eval",
            )
        )
        for i, (e, text) in enumerate(zip(examples, texts, strict=True))
    ]

    return judge_all(pipeline, events)


def caught(v: Verdict | None) -> bool:
    """A positive caught: a violation of spam, phishing or spear-phishing."""
    return v is not None and v.label == Label.VIOLATION and v.category in CAUGHT


def figures(examples: Sequence[Example], verdicts: Sequence[Verdict | None]) -> dict[str, Any]:
    """Recall of the positives, the flagged and review shares of the legitimate rows, and the
    precision of the whole (when both kinds are present)."""
    pos = [v for e, v in zip(examples, verdicts, strict=True) if e.label != "ham"]
    neg = [v for e, v in zip(examples, verdicts, strict=True) if e.label == "ham"]
    tp = sum(map(caught, pos))
    fp = sum(map(caught, neg))
    out: dict[str, Any] = {"positives": len(pos), "legitimate": len(neg)}
    if pos:
        out["recall"] = round(tp / len(pos), 4)
        out["positives_to_review"] = round(sum(map(to_review, pos)) / len(pos), 4)
    if neg:
        out["legitimate_flagged"] = round(fp / len(neg), 4)
        out["legitimate_to_review"] = round(sum(map(to_review, neg)) / len(neg), 4)
    if pos and neg:
        out["precision"] = round(tp / (tp + fp), 4) if tp + fp else 1.0
    return out


def evaluate_spam(model: ContentModel, held_out: Sequence[Example]) -> dict[str, Any]:
    verdicts = judge_texts(model, held_out)
    by_set: dict[str, list[int]] = {}
    by_channel: dict[str, list[int]] = {}
    for i, e in enumerate(held_out):
        by_set.setdefault(e.set, []).append(i)
        by_channel.setdefault(e.channel.value, []).append(i)

    def of(rows: list[int], vs: Sequence[Verdict | None] = verdicts) -> dict[str, Any]:
        return figures([held_out[i] for i in rows], [vs[i] for i in rows])

    result: dict[str, Any] = {
        "model_version": model.version,
        "by_set": {name: of(rows) for name, rows in sorted(by_set.items())},
        "by_channel": {name: of(rows) for name, rows in sorted(by_channel.items())},
    }
    # Evasions: recall of each set's positives under each transformation, as a ratio to clean.
    positives = [i for i, e in enumerate(held_out) if e.label != "ham"]
    pos_examples = [held_out[i] for i in positives]
    clean = [caught(verdicts[i]) for i in positives]
    robustness: dict[str, Any] = {}
    for name, evade in EVASIONS.items():
        texts = [evade(e.text, i) for i, e in enumerate(pos_examples)]
        evaded = [caught(v) for v in judge_texts(model, pos_examples, texts)]
        row: dict[str, Any] = {}
        for set_name in sorted({e.set for e in pos_examples}):
            idx = [k for k, e in enumerate(pos_examples) if e.set == set_name]
            base = sum(clean[k] for k in idx)
            row[set_name] = round(sum(evaded[k] for k in idx) / base, 4) if base else None
        base = sum(clean)
        row["all"] = round(sum(evaded) / base, 4) if base else None
        robustness[name] = row
    result["robustness_recall_ratio"] = robustness
    # Rules: every set's figures with each rule switched off.
    prompts = legitimate_prompts("test")
    result["out_of_domain_prompts"] = figures(prompts, judge_texts(model, prompts))
    mail = self_made_mail(held_out=True)
    result["self_made_legitimate_mail"] = figures(mail, judge_texts(model, mail))
    ablation: dict[str, Any] = {}
    for rule in RULES:
        rules = RULE_NAMES - {rule.name}
        without = judge_texts(model, held_out, rules=rules)
        ablation[rule.name] = {
            "why": rule.why,
            "without": {
                **{name: of(rows, without) for name, rows in sorted(by_set.items())},
                "self_made_legitimate_mail": figures(mail, judge_texts(model, mail, rules=rules)),
            },
        }
    result["rules_switched_off"] = ablation
    return result


def evaluate_misrepresentation() -> dict[str, Any]:
    """The misrepresentation detector on the held-out families of its labelled prompt set
    (data/misrepresentation: phrasings it never trained on, hard negatives among the clean
    prompts), each prompt normalised as the gateway does, sent as an e-mail without AI
    disclosure by a fresh account."""
    from services.misrepresentation.corpus import read
    from services.misrepresentation.model import PromptModel
    from services.misrepresentation.train import evaluate_detector

    held = [r for r in read() if r.split == "test"]
    prompts = [normalize_text(r.text) for r in held]
    labels = np.array([r.label for r in held])
    model = PromptModel.load()
    result = {"model_version": model.version, **evaluate_detector(model, prompts, labels)}
    # Recall under each evasion as a share of clean recall, per head, and what the evasions do
    # to the clean prompts (a hard negative must stay clean however it is spelt).
    robustness: dict[str, dict[str, float | None]] = {}
    for name, evade in EVASIONS.items():
        evaded = [normalize_text(evade(r.text, i)) for i, r in enumerate(held)]
        under = evaluate_detector(model, evaded, labels)
        robustness[name] = {
            head: _ratio(under[head]["violation"]["recall"], result[head]["violation"]["recall"])
            for head in ("human_authorship", "false_identity")
        } | {"clean_flagged": under["clean_prompts"]["violation_rate"]}
    result["robustness_recall_ratio"] = robustness
    return result


def _ratio(evaded: float, clean: float) -> float | None:
    return round(evaded / clean, 4) if clean else None


STREAM_EXPECTED: dict[str, frozenset[Category]] = {
    "sms-spam": frozenset({Category.SPAM, Category.FRAUD_PHISHING}),
    "promo-blast": frozenset({Category.SPAM}),
    "phishing": frozenset({Category.FRAUD_PHISHING, Category.SECURITY_SPEARPHISHING}),
    "ghostwritten": frozenset({Category.HUMAN_AUTHORSHIP}),
    "fake-reviews": frozenset({Category.FALSE_IDENTITY, Category.MULTI_IDENTITY}),
    "persona-farm": frozenset({Category.MULTI_IDENTITY}),
}
"""What each violating scenario of the demo traffic should be caught as; every other scenario
(chat help, support replies from many agents, newsletters to subscribers, labelled product copy)
is legitimate, and any violation there is a false positive."""


def evaluate_streams(events: int = 6_000, seed: int = 11, ablate: bool = True) -> dict[str, Any]:
    """Every detector, with its state over time, on a stream of the demo's synthetic traffic
    (`usewatch/demo.py`, its own seed): per scenario, the share of events judged a violation of
    the expected category, and of legitimate scenarios, the share judged any violation. Weak
    evidence on its own (the scenarios were written with the detectors), it is where
    multi-identity and the behaviour rules are measured at all: no public set has streams. With
    `ablate`, the same per scenario with each spam rule switched off. Under `STREAM_EVASIONS`,
    the same stream with every generation rewritten by the evasion (its own seed per event):
    a farm whose copies are each spelt differently must still be one voice."""
    from usewatch import demo

    stream = list(demo.generate(events, seed=seed, start=WHEN, run="eval"))
    out: dict[str, Any] = {"events": events, "seed": seed, "by_scenario": _scenarios(stream)}
    if ablate:
        out["spam_rules_switched_off"] = {
            rule.name: _scenarios(stream, RULE_NAMES - {rule.name}) for rule in RULES
        }
        out["under_evasion"] = {
            name: _scenarios(
                [
                    e.model_copy(update={"generation": EVASIONS[name](e.generation, i)})
                    for i, e in enumerate(stream)
                ]
            )
            for name in STREAM_EVASIONS
        }
    return out


STREAM_EVASIONS = ("leetspeak", "confusables", "symbol_leetspeak")
"""The evasions a stream is replayed under: per-letter rewrites, which change most of a text's
character shingles (what the near-duplicate signatures are made of)."""


def _scenarios(
    stream: list[GenerationEvent], spam_rules: frozenset[str] = RULE_NAMES
) -> dict[str, Any]:
    from usewatch.backtest import Variant, backtest

    published = asyncio.run(backtest(stream, variant=Variant(spam_rules)))
    violations: dict[str, set[Category]] = {}
    suspects: set[str] = set()
    for _, message in published:
        if isinstance(message, Verdict) and message.label == Label.VIOLATION:
            violations.setdefault(message.event_id, set()).add(message.category)
        elif isinstance(message, Verdict) and message.label == Label.SUSPECT:
            suspects.add(message.event_id)
    by_scenario: dict[str, list[GenerationEvent]] = {}
    for e in stream:
        by_scenario.setdefault(e.account_id.rsplit("-", 1)[0], []).append(e)
    out: dict[str, Any] = {}
    for scenario, rows in sorted(by_scenario.items()):
        expected = STREAM_EXPECTED.get(scenario)
        got = [violations.get(e.event_id, set()) for e in rows]
        if expected is None:
            # What a person's review queue gets: suspects not already violations.
            review = sum(not g and e.event_id in suspects for e, g in zip(rows, got, strict=True))
            out[scenario] = {
                "events": len(rows),
                "legitimate_flagged": round(sum(bool(g) for g in got) / len(rows), 4),
                "legitimate_to_review": round(review / len(rows), 4),
            }
        else:
            out[scenario] = {
                "events": len(rows),
                "recall": round(sum(bool(g & expected) for g in got) / len(rows), 4),
            }
    return out


def streams_table(result: dict[str, Any]) -> str:
    lines = [
        "",
        f"all detectors on {result['events']} synthetic demo events (seed {result['seed']})",
    ]
    for scenario, f in result["by_scenario"].items():
        figure = (
            f"recall {f['recall']:.3f}"
            if "recall" in f
            else f"legitimate flagged {f['legitimate_flagged']:.4f}, "
            f"to review {f.get('legitimate_to_review', 0.0):.4f}"
        )
        lines.append(f"  {scenario:16} {f['events']:>6} events  {figure}")
    lines += _moved(
        "with one spam rule switched off", result.get("spam_rules_switched_off", {}), result
    )
    lines += _moved("every generation evaded", result.get("under_evasion", {}), result)
    return "\n".join(lines)


def _moved(title: str, variants: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Per variant of the stream (a rule off, an evasion), the scenarios whose figure moves."""
    if not variants:
        return []
    lines = ["", f"  {title}: scenarios whose figure moves"]
    for variant, scenarios in variants.items():
        moved = [
            f"{name} {_figure(f)} (was {_figure(result['by_scenario'][name])})"
            for name, f in scenarios.items()
            if f != result["by_scenario"][name]
        ]
        lines.append(f"    {variant}: {', '.join(moved) or 'none'}")
    return lines


def _figure(f: dict[str, Any]) -> str:
    if "recall" in f:
        return f"recall {f['recall']:.3f}"
    return f"flagged {f['legitimate_flagged']:.4f}, to review {f['legitimate_to_review']:.4f}"


def _sample(examples: list[Example], limit: int | None) -> list[Example]:
    if limit is None:
        return examples
    out: list[Example] = []
    for name in sorted({e.set for e in examples}):
        out += [e for e in examples if e.set == name][:limit]
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"spam detector ({result['model_version']}), held-out rows, fresh account per text"]
    head = f"{'':24}{'rows':>6}{'recall':>8}{'review+':>9}{'flagged-':>9}{'review-':>9}{'prec':>7}"
    for section in ("by_set", "by_channel"):
        lines += ["", section.replace("_", " "), head]
        for name, f in result[section].items():
            cells = [
                f.get("recall"),
                f.get("positives_to_review"),
                f.get("legitimate_flagged"),
                f.get("legitimate_to_review"),
                f.get("precision"),
            ]
            shown = "".join(
                f"{c:>{w}.3f}" if c is not None else f"{'-':>{w}}"
                for c, w in zip(cells, (8, 9, 9, 9, 7), strict=True)
            )
            lines.append(f"{name:24}{f['positives'] + f['legitimate']:>6}{shown}")
    lines += ["", "recall under evasion / clean recall"]
    sets = sorted({k for row in result["robustness_recall_ratio"].values() for k in row})
    lines.append(f"{'':18}" + "".join(f"{s[:14]:>15}" for s in sets))
    for name, row in result["robustness_recall_ratio"].items():
        lines.append(
            f"{name:18}"
            + "".join(f"{row[s]:>15.3f}" if row.get(s) is not None else f"{'-':>15}" for s in sets)
        )
    lines += ["", "with one rule switched off: recall / legitimate flagged, per set"]
    for rule, info in result["rules_switched_off"].items():
        without = ", ".join(
            f"{s} {f.get('recall', '-')}/{f.get('legitimate_flagged', '-')}"
            for s, f in info["without"].items()
        )
        lines.append(f"  {rule}: {without}")
    ood = result["out_of_domain_prompts"]
    mail = result["self_made_legitimate_mail"]
    lines += [
        "",
        f"held-out legitimate prompts (chat, {ood['legitimate']}): flagged "
        f"{ood['legitimate_flagged']:.4f}, to review {ood['legitimate_to_review']:.4f}",
        f"held-out families of our legitimate mail ({mail['legitimate']}): flagged "
        f"{mail['legitimate_flagged']:.4f}, to review {mail['legitimate_to_review']:.4f}",
    ]
    return "\n".join(lines)


def misrepresentation_table(result: dict[str, Any]) -> str:
    lines = ["", f"misrepresentation detector ({result['model_version']}), held-out families"]
    for head in ("human_authorship", "false_identity"):
        v = result[head]["violation"]
        lines.append(
            f"  {head:18} violation recall {v['recall']:.3f} precision {v['precision']:.3f}"
            f" ({v['positives']} prompts)"
        )
    clean = result["clean_prompts"]
    lines.append(
        f"  clean prompts ({clean['prompts']}): violation {clean['violation_rate']:.4f}, "
        f"suspect or violation {clean['suspect_or_violation_rate']:.4f}"
    )
    robust = result.get("robustness_recall_ratio", {})
    if robust:
        lines.append("  evasions (recall / clean recall; clean prompts flagged):")
        for name, r in robust.items():
            cells = [f"{k} {v:.3f}" if v is not None else f"{k} –" for k, v in r.items()]
            lines.append(f"    {name:18} " + ", ".join(cells))
    return "\n".join(lines)


CARD_BEGIN = "<!-- make eval: begin -->"
CARD_END = "<!-- make eval: end -->"


def card_table(result: dict[str, Any]) -> str:
    """The model card's figures, rendered from the JSON `make eval` writes (a test checks that
    the card shows exactly this)."""

    def cell(f: dict[str, Any], key: str) -> str:
        return f"{f[key]:.3f}" if key in f else "–"

    rows = [
        "| set (channel) | rows | recall | positives to review | legitimate flagged "
        "| legitimate to review | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    sections = (("by_set", "set"), ("by_channel", "all sets on channel"))
    for section, what in sections:
        for name, f in result[section].items():
            rows.append(
                f"| {what} `{name}` | {f['positives'] + f['legitimate']} | {cell(f, 'recall')} "
                f"| {cell(f, 'positives_to_review')} | {cell(f, 'legitimate_flagged')} "
                f"| {cell(f, 'legitimate_to_review')} | {cell(f, 'precision')} |"
            )
    for key, what in (
        ("out_of_domain_prompts", "held-out legitimate prompts (chat; self-made)"),
        ("self_made_legitimate_mail", "held-out families of legitimate mail (e-mail; self-made)"),
    ):
        f = result[key]
        rows.append(
            f"| {what} | {f['legitimate']} | – | – | {cell(f, 'legitimate_flagged')} "
            f"| {cell(f, 'legitimate_to_review')} | – |"
        )
    sets = sorted({k for row in result["robustness_recall_ratio"].values() for k in row})
    rows += ["", "| evasion | " + " | ".join(sets) + " |", "|---" * (len(sets) + 1) + "|"]
    for name, row in result["robustness_recall_ratio"].items():
        rows.append(
            f"| {name} | "
            + " | ".join(f"{row[s]:.3f}" if row.get(s) is not None else "–" for s in sets)
            + " |"
        )
    return "\n".join(rows)


def card_block(card: str) -> str:
    """The figures block of a model card (between the make-eval markers)."""
    start = card.index(CARD_BEGIN) + len(CARD_BEGIN)
    return card[start : card.index(CARD_END)].strip()


def write_card_block(path: Path, block: str) -> None:
    card = path.read_text()
    start = card.index(CARD_BEGIN) + len(CARD_BEGIN)
    path.write_text(card[:start] + "\n" + block + "\n" + card[card.index(CARD_END) :])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Judge the shipped detectors on held-out rows.")
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here")
    parser.add_argument("--limit", type=int, default=None, help="at most N rows per set")
    parser.add_argument(
        "--card", type=Path, default=None, help="rewrite this model card's figures block"
    )
    parser.add_argument(
        "--safety-card", type=Path, default=None, help="the content-safety model card's too"
    )
    args = parser.parse_args(argv)
    held_out = _sample(load_split(args.data).held_out, args.limit)
    result = {"spam": evaluate_spam(ContentModel.load(), held_out)}
    result["content_safety"] = evaluate_safety.evaluate_content_safety(args.data, args.limit)
    if args.limit is None:
        result["misrepresentation"] = evaluate_misrepresentation()
        result["streams"] = evaluate_streams()
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if args.card:
        write_card_block(args.card, card_table(result["spam"]))
    if args.safety_card:
        write_card_block(args.safety_card, evaluate_safety.card_table(result["content_safety"]))
    print(table(result["spam"]))
    print(evaluate_safety.table(result["content_safety"]))
    if "misrepresentation" in result:
        print(misrepresentation_table(result["misrepresentation"]))
    if "streams" in result:
        print(streams_table(result["streams"]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
