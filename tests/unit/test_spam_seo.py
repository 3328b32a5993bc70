from __future__ import annotations

from services.spam.seo import seo_signals

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
