from __future__ import annotations

from services.gateway.normalize import normalize_text
from services.spam.features import extract
from services.spam.seo import SeoSignals
from services.spam.seo import seo_signals as signals_of_extracted


def seo_signals(text: str) -> SeoSignals:
    """The signals of a text as the gateway hands it to the detector."""
    return signals_of_extracted(extract(normalize_text(text)))


PROSE = (
    "Our team tested twelve standing desks over three months. We measured wobble at full "
    "height, motor noise, and how long each took to assemble. The best overall balanced a "
    "sturdy frame with a quiet motor, and it comes with a ten-year warranty. Read the full "
    "methodology on our testing page, where we also explain how we pick models to review and "
    "why we buy every product ourselves instead of accepting samples from manufacturers."
)


def stuffed_page(links: int = 20) -> str:
    lines = [
        f"[cheap payday loans](https://loans-{i}.example.biz/apply) cheap payday loans "
        "best cheap payday loans online fast cheap payday loans"
        for i in range(links)
    ]
    return "\n".join(lines)


def test_a_keyword_stuffed_link_farm_scores_high() -> None:
    s = seo_signals(stuffed_page())
    assert s.links == 20
    assert s.top_term in {"cheap", "payday", "loans"}
    assert s.repeated_anchor_share == 1.0
    assert s.score >= 0.8


def test_editorial_prose_with_a_link_scores_low() -> None:
    assert seo_signals(PROSE + " https://example.org/methodology").score < 0.3


def test_a_link_directory_alone_is_not_enough_for_a_high_score() -> None:
    directory = "\n".join(
        f"https://site{i}.example.org/ {name}"
        for i, name in enumerate(
            ["Docs", "Blog", "Careers", "Press", "Status", "Security", "Privacy", "Terms", "Help"]
        )
    )
    assert seo_signals(directory).score < 0.8


def test_extreme_keyword_stuffing_is_enough_without_links() -> None:
    page = " ".join(
        f"best cheap hotels {city} cheap hotels deals cheap hotels tonight"
        for city in ("rome", "rome", "milan", "rome", "venice")
    )
    s = seo_signals(page)
    assert s.links == 0
    assert s.score >= 0.8


def test_a_short_page_that_names_its_subject_often_is_not_stuffing() -> None:
    product = (
        "The Linden kettle boils a litre in three minutes. The Linden kettle has a stainless "
        "body, a 360-degree base and a limescale filter; every Linden kettle carries a two-year "
        "guarantee. Compare the Linden kettle in matte black, cream and sage, or see it in store."
    )
    faq = (
        "Rust FAQ. What is Rust? Rust is a systems language focused on safety. Is Rust hard to "
        "learn? Rust takes time, but the compiler's messages help. Where do I start with Rust? "
        "Read the Rust book online, then try small command-line tools."
    )
    for text in (product, faq):
        assert seo_signals(text).score < 0.5


def test_links_to_many_different_sites_under_their_own_names_count_half() -> None:
    sites = [
        "docs.python.org",
        "redis.io",
        "kafka.apache.org",
        "go.dev",
        "react.dev",
        "git-scm.com",
    ]
    names = ["Python", "Redis", "Kafka", "Go", "React", "Git"]
    directory = "Our reading list:\n" + "\n".join(
        f"- [{n} docs](https://{h}/) and [{n} blog](https://blog.{h}/)"
        for n, h in zip(names, sites, strict=True)
    )
    assert seo_signals(directory).score < 0.5
