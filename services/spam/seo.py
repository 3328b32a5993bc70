"""Search-engine manipulation signals for pages, comments and ads: text written for crawlers,
not readers. Pure functions of one text.

Known false positives: link directories, glossaries and tag clouds look like doorway pages (a
list of links to many different sites under their own names counts half); product pages repeat
their product name. Hence these signals weigh only on the channels where ranking is the goal
(web_page, comment, ad), and a page needs several of them to add up, except keyword stuffing at
its extreme (a term over a fifth of the words, a phrase over a seventh of the phrases).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from services.spam.features import URL_RE, Extracted

ANCHOR_RE = re.compile(
    r"\[([^\]]{1,120})\]\((?:https?://|www\.)[^)\s]+\)|<a\s[^>]*href=[^>]*>(.{1,120}?)</a>",
    re.DOTALL,  # no IGNORECASE: it reads the skeleton, which is lower case (see features.URL_RE)
)
WORD_RE = re.compile(r"[a-z][a-z0-9'-]{2,}")
MIN_WORDS_FOR_STUFFING = 25
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "your",
        "with",
        "this",
        "that",
        "from",
        "have",
        "has",
        "was",
        "were",
        "will",
        "can",
        "our",
        "all",
        "any",
        "its",
        "more",
        "most",
        "very",
        "just",
        "than",
        "then",
        "them",
        "they",
        "their",
        "there",
        "here",
        "what",
        "when",
        "where",
        "which",
        "who",
        "how",
        "why",
        "about",
        "into",
        "over",
        "also",
        "only",
        "such",
        "each",
        "other",
        "some",
        "out",
        "off",
        "one",
        "two",
        "get",
        "got",
        "been",
        "being",
        "would",
        "could",
        "should",
        "may",
        "might",
        "must",
        "these",
        "those",
    ]
)


@dataclass(frozen=True, slots=True)
class SeoSignals:
    words: int
    links: int
    links_per_100_words: float
    top_term_share: float
    """Share of the prose's content words taken by the most frequent one (keyword stuffing)."""
    top_term: str
    repeated_trigram_share: float
    """Share of word trigrams that occur 3+ times (the same phrase pasted again and again)."""
    repeated_anchor_share: float
    """Share of link anchors whose text is used more than once."""
    doorway_shape: bool
    """Many links, little prose: most lines are links or keyword lists."""
    top_phrase_share: float = 0.0
    """Share of content-word bigrams taken by the most frequent one ("cheap flights")."""
    distinct_host_share: float = 0.0
    """Distinct link hosts / links: a directory points everywhere, a link farm at a few."""

    diversity: float = 1.0
    """Distinct content words / content words (of the prose outside link anchors)."""
    prose_words: int = 0
    """Words outside links and their anchors."""

    @property
    def stuffing(self) -> float:
        """0..1: one term or phrase far beyond what prose uses (natural text stays under ~8 %
        for a term and ~5 % for a phrase) in a text with few other words. A short product page
        or FAQ names its subject often too, but around it the words keep changing; a stuffed
        page says little else (under half its content words are new)."""
        if self.prose_words < MIN_WORDS_FOR_STUFFING:
            return 0.0
        term = min(max(self.top_term_share - 0.08, 0.0) / 0.12, 1.0)
        phrase = min(max(self.top_phrase_share - 0.05, 0.0) / 0.10, 1.0)
        monotony = min(max(0.7 - self.diversity, 0.0) / 0.25, 1.0)
        return max(term, phrase) * monotony

    @property
    def score(self) -> float:
        """0..1: how strongly the text reads as written for search engines."""
        # Link density and doorway shape both say "many links, little prose": one signal. A
        # list of links to as many different sites with their own names is a directory.
        linkiness = min(self.links_per_100_words / 10.0, 1.0) if self.links >= 5 else 0.0
        links = max(linkiness, 1.0 if self.doorway_shape else 0.0)
        if self.distinct_host_share >= 0.8 and self.repeated_anchor_share == 0.0:
            links *= 0.5
        parts = [
            links,
            self.stuffing,
            min(self.repeated_trigram_share / 0.3, 1.0),
            self.repeated_anchor_share if self.links >= 3 else 0.0,
        ]
        strongest = sorted(parts, reverse=True)
        # Two independent signals are needed for a high score; one alone stays moderate, except
        # stuffing at its extreme, which no reader-facing text does.
        combined = 0.55 * strongest[0] + 0.45 * strongest[1] + 0.2 * strongest[2]
        return min(1.0, max(combined, 0.85 * (self.stuffing >= 1.0)))


def seo_signals(x: Extracted) -> SeoSignals:
    """The signals of one extracted text, read on its skeleton (lower-cased, lines kept,
    bounded by `skeleton.MAX_CHARS`)."""
    text = x.skeleton
    prose = URL_RE.sub(" ", text)  # a link's letters are not the page's words
    words = WORD_RE.findall(prose)
    # Stuffing is measured on the page's own prose: anchor texts are names (a directory's
    # "Redis docs", "Kafka docs"), and a link farm stuffs its prose as well as its anchors.
    own = WORD_RE.findall(URL_RE.sub(" ", ANCHOR_RE.sub(" ", text)))
    content = [w for w in own if w not in STOPWORDS]
    links = len(x.links)
    counts = Counter(content)
    top_term, top = counts.most_common(1)[0] if counts else ("", 0)
    phrases = Counter(itertools.pairwise(content))
    top_phrase = phrases.most_common(1)[0][1] if phrases else 0
    hosts = [link.host for link in x.links]
    trigrams = Counter(zip(words, words[1:], words[2:], strict=False))
    repeated = sum(n for n in trigrams.values() if n >= 3)
    anchors = [(a or b).strip().lower() for a, b in ANCHOR_RE.findall(text)]
    anchor_counts = Counter(anchors)
    repeated_anchors = sum(n for n in anchor_counts.values() if n > 1)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    link_lines = sum(1 for ln in lines if URL_RE.search(ln) and len(ln.split()) <= 8)
    doorway = (
        links >= 8
        and len(words) / max(links, 1) < 12
        and (not lines or link_lines / len(lines) > 0.5 or len(lines) == 1)
    )
    return SeoSignals(
        words=len(words),
        links=links,
        links_per_100_words=100.0 * links / max(len(words), 1),
        top_term_share=top / len(content) if content else 0.0,
        top_term=top_term,
        repeated_trigram_share=repeated / max(sum(trigrams.values()), 1),
        repeated_anchor_share=repeated_anchors / len(anchors) if anchors else 0.0,
        doorway_shape=doorway,
        top_phrase_share=top_phrase / max(sum(phrases.values()), 1),
        distinct_host_share=len(set(hosts)) / len(hosts) if hosts else 0.0,
        diversity=len(counts) / len(content) if content else 1.0,
        prose_words=len(own),
    )
