"""Brands and link shapes, matched by word and by registrable domain, never by substring.

The lists are data (`data/brands.json`, `data/shorteners.txt`), loaded and validated once.
Registrable domains come from the public suffix list as bundled with tldextract (its snapshot;
no network at run time), so `example.co.uk` and `icicibank.co.in` are read as one registered
name each, and `login.paypal.com.evil.ru` belongs to `evil.ru`.

Known false positives: a brand's own domain missing from the list (a new country site) reads as
a look-alike; a company whose name is a brand word (a "chase" in "chase-plumbing.com") too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import tldextract

DATA = Path(__file__).parent / "data"
# Digits that stand in for letters; "1" is read both as "i" and as "l" (paypa1, 1nstagram).
_DIGIT_SWAPS = (str.maketrans("013457", "oieast"), str.maketrans("013457", "oleast"))
_HOST_WORD = re.compile(r"[a-z0-9]+")
_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


@dataclass(frozen=True)
class BrandList:
    own_domains: dict[str, frozenset[str]]
    """brand word → the registrable domains that are the brand's own."""
    shorteners: frozenset[str]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self.own_domains)


@cache
def brand_list() -> BrandList:
    raw = json.loads((DATA / "brands.json").read_text("utf-8"))["brands"]
    own: dict[str, frozenset[str]] = {}
    for brand, domains in raw.items():
        if not re.fullmatch(r"[a-z0-9]+", brand) or not all(isinstance(d, str) for d in domains):
            raise ValueError(f"brands.json: bad entry {brand!r}")
        own[brand] = frozenset(d.lower() for d in domains)
    shorteners = frozenset(
        line.strip().lower()
        for line in (DATA / "shorteners.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return BrandList(own, shorteners)


@cache
def _extract() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65_536)
def registrable_domain(host: str) -> str:
    """example.co.uk for www.shop.example.co.uk; the host itself when it has no public suffix."""
    parts = _extract()(host)
    return f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else host


@lru_cache(maxsize=65_536)
def link_shape(host: str) -> str:
    """One of ip, shortener, lookalike, plain."""
    if _IP.fullmatch(host):
        return "ip"
    if registrable_domain(host) in brand_list().shorteners:
        return "shortener"
    if lookalike_brand(host):
        return "lookalike"
    return "plain"


@lru_cache(maxsize=65_536)
def lookalike_brand(host: str) -> str | None:
    """The brand a host imitates: a word of the host (split at dots and hyphens), read with its
    digits swapped back to letters, is a brand's name while the host's registrable domain is not
    one of that brand's own. paypa1-secure.com → paypal; paypal.com, meetups.example.org → None."""
    host = host.lower().removeprefix("www.")
    brands = brand_list().own_domains
    words = set(_HOST_WORD.findall(host))
    candidates = {w.translate(s) for w in words for s in _DIGIT_SWAPS} | words
    hits = candidates & brands.keys()
    if not hits:
        return None
    domain = registrable_domain(host)
    for brand in sorted(hits):
        if domain not in brands[brand]:
            return str(brand)
    return None


def brands_named(words: AbstractSet[str]) -> frozenset[str]:
    """The brands a text names, by whole word."""
    return frozenset(words) & brand_list().words
