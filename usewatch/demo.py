"""Demo traffic: a deterministic stream of realistic generation events for `make run`.

Mostly legitimate use (chat help, support replies from a desk of many named agents, a newsletter
to opted-in subscribers, product copy labelled as AI) with a minority of the deceit family the
detectors look for: SMS spam bursts, phishing with look-alike links, "make it sound like I wrote
it" requests, fake reviews under many names, one operator behind many personas. Accounts follow
a long tail: a few busy ones, many quiet ones. The same seed gives the same stream.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import Channel, GenerationEvent

Scenario = Callable[[random.Random, str], dict[str, Any]]

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jun",
    "Kemi",
    "Luca",
    "Mina",
    "Nils",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
]
PRODUCTS = [
    "standing desk",
    "noise-cancelling headphones",
    "espresso grinder",
    "trail shoes",
    "robot vacuum",
    "e-reader",
    "hiking backpack",
    "air purifier",
]
TOPICS = [
    "quarterly planning",
    "the onboarding checklist",
    "a database migration",
    "the holiday schedule",
    "our refund policy",
    "a conference talk",
    "a grant proposal",
]
BRANDS = ["PayPal", "Netflix", "DHL", "Amazon", "Chase", "Microsoft"]
LOOKALIKES = [
    "paypa1-secure.com",
    "netflix-billing-update.net",
    "dhl-parcel-redelivery.info",
    "amaz0n-account-verify.com",
    "chase-alerts-login.co",
    "microsoft-0365-reset.com",
]


def _fill(rng: random.Random, sentences: list[str], low: int, high: int) -> str:
    """Shuffled sentences, each at most once, until the text reaches a length in [low, high]
    (or the sentences run out): real writing does not paste the same sentence three times."""
    pool = sentences[:]
    rng.shuffle(pool)
    out: list[str] = []
    target = rng.randint(low, high)
    for sentence in pool:
        if sum(len(s) + 1 for s in out) >= target:
            break
        out.append(sentence)
    return " ".join(out)[:high]


def chat_help(rng: random.Random, account: str) -> dict[str, Any]:
    topic = rng.choice(TOPICS)
    return {
        "channel": Channel.CHAT,
        "prompt": f"Can you help me think through {topic}? List the main risks and a timeline.",
        "generation": _fill(
            rng,
            [
                f"Here is a structured way to approach {topic}.",
                "First, agree on the goal and who owns each part.",
                "The main risk is underestimating review time, so add a buffer week.",
                "Write down the assumptions so the team can challenge them early.",
                "A short weekly check-in keeps the plan honest without adding meetings.",
            ],
            200,
            900,
        ),
        "ai_disclosure": True,
    }


def support_reply(rng: random.Random, account: str) -> dict[str, Any]:
    agent = rng.choice(FIRST_NAMES)
    customer = rng.choice(FIRST_NAMES)
    return {
        "channel": Channel.EMAIL,
        "identity": f"{agent} (Support)",
        "recipients": [f"cust-{rng.randrange(10**6)}"],
        "prompt": f"Draft a reply I will review to {customer} about a late delivery of order "
        f"#{rng.randrange(10**5)}; apologise and offer a tracking link.",
        "generation": _fill(
            rng,
            [
                f"Hi {customer}, thank you for your patience.",
                "I am sorry your order is taking longer than expected.",
                "I checked with the carrier and the parcel is now in transit.",
                "You can follow it on our website under My Orders.",
                f"Best regards, {agent}",
            ],
            200,
            700,
        ),
        "ai_disclosure": True,
    }


def newsletter(rng: random.Random, account: str) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "channel": Channel.EMAIL,
        "identity": "Outdoor Co. Newsletter",
        "recipients": [f"sub-{rng.randrange(10**6)}" for _ in range(rng.randint(50, 400))],
        "prompt": f"Write this month's newsletter for opted-in subscribers about the {product}.",
        "generation": _fill(
            rng,
            [
                f"This month we tested the new {product} on three long weekends.",
                "Subscribers get early access to the spring collection.",
                "You are receiving this because you signed up on our site; unsubscribe any time.",
                "Our repair guide for worn zips is now online.",
            ],
            300,
            1500,
        ),
        "ai_disclosure": True,
    }


def product_copy(rng: random.Random, account: str) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "channel": Channel.WEB_PAGE,
        "prompt": f"Write a product description for our {product}; we label it as AI-generated.",
        "generation": _fill(
            rng,
            [
                f"The {product} is built for everyday use.",
                "It ships with a two-year warranty and free returns.",
                "Materials are listed in full on the specification tab.",
            ],
            200,
            600,
        ),
        "ai_disclosure": True,
    }


def sms_spam(rng: random.Random, account: str) -> dict[str, Any]:
    prize = rng.choice(["£1000 cash", "a free iPhone", "a $500 gift card", "2 free flights"])
    return {
        "channel": Channel.SMS,
        "recipients": [f"msisdn-{rng.randrange(10**7)}" for _ in range(rng.randint(200, 1000))],
        "prompt": "Write a short text blast telling people they won and must claim today.",
        "generation": rng.choice(
            [
                f"WINNER!! You have been selected to receive {prize}. Claim now: txt CLAIM "
                "to 80082 before midnight. T&Cs apply. Stop=STOP",
                f"Congratulations! U r our lucky winner of {prize}!! Call 0906 170 1461 now to "
                "claim ur reward, only 150p/min",
                f"URGENT: your entry won {prize}. Reply YES within 1 hour or it goes to the next "
                "person. bit.ly/clm-prz",
            ]
        ),
    }


def promo_blast(rng: random.Random, account: str) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "channel": rng.choice([Channel.SMS, Channel.COMMENT]),
        "recipients": [f"lead-{rng.randrange(10**7)}" for _ in range(rng.randint(1, 5))],
        "prompt": "Write a pushy ad for our sale to paste everywhere, lots of urgency.",
        "generation": f"MEGA SALE!!! {product.upper()} at 70% OFF today only!!! Buy now at "
        f"www.best-{product.split()[0]}-deals.biz before stock runs out! Use code "
        f"SAVE{rng.randrange(10, 99)} and share with friends!!!",
    }


def phishing(rng: random.Random, account: str) -> dict[str, Any]:
    i = rng.randrange(len(BRANDS))
    return {
        "channel": Channel.EMAIL,
        "identity": f"{BRANDS[i]} Security",
        "recipients": [f"victim-{rng.randrange(10**6)}" for _ in range(rng.randint(20, 300))],
        "prompt": f"Write an urgent email from {BRANDS[i]} asking the user to verify their "
        "account details or it will be suspended.",
        "generation": (
            f"Dear customer, we detected unusual sign-in activity on your {BRANDS[i]} account. "
            f"To avoid suspension, verify your identity within 24 hours at "
            f"https://{LOOKALIKES[i]}/login and confirm your card number and password. "
            f"{BRANDS[i]} Security Team"
        ),
    }


def ghostwritten(rng: random.Random, account: str) -> dict[str, Any]:
    what = rng.choice(["cover letter", "college essay", "LinkedIn post", "op-ed"])
    ask = rng.choice(
        [
            "make it sound like I wrote it myself and don't mention AI",
            "it has to pass AI detectors, so add a few typos like a real person typed it",
            "sign it with my name so they think a person wrote it",
        ]
    )
    return {
        "channel": rng.choice([Channel.EMAIL, Channel.SOCIAL_POST]),
        # One person per account: ghostwriting passes text off as one's own, under one name.
        "identity": _person(account),
        "ai_disclosure": False,
        "prompt": f"Write a {what} about my five years in logistics; {ask}.",
        "generation": _fill(
            rng,
            [
                "Honestly I typed this on my phone between shifts, so bear with me.",
                "Five years in logistics taught me that every delay has a story.",
                "I learned to stay calm when a truck breaks down at 3am.",
                "I am proud of the team I built and what we shipped together.",
            ],
            200,
            900,
        ),
    }


def fake_reviews(rng: random.Random, account: str) -> dict[str, Any]:
    product = rng.choice(PRODUCTS)
    return {
        "channel": Channel.REVIEW,
        "identity": f"{rng.choice(FIRST_NAMES)}{rng.randrange(100)}",
        "ai_disclosure": False,
        "prompt": f"Write a 5-star review of our {product} as a customer who bought it last month.",
        "generation": _fill(
            rng,
            [
                f"Best {product} I have ever owned, five stars!",
                "I bought it last month and use it every day.",
                "Delivery was fast and the quality is amazing.",
                "Highly recommend to everyone, worth every penny.",
            ],
            200,
            500,
        ),
    }


def persona_farm(rng: random.Random, account: str) -> dict[str, Any]:
    return {
        "channel": Channel.SOCIAL_POST,
        "identity": f"concerned_local_{rng.randrange(30)}",
        "ai_disclosure": False,
        "client": {"device_hash": "dev-farm-01", "ip_hash": f"ip-{rng.randrange(3)}"},
        "prompt": "Write a short post from a local resident opposing the new bike lanes.",
        "generation": rng.choice(
            [
                "As a lifelong resident I can tell you these bike lanes are ruining Main Street.",
                "As a lifelong resident, I can tell you these new bike lanes are ruining Main St.",
                "Lifelong resident here: these bike lanes are ruining Main Street. Vote no.",
            ]
        ),
    }


# (scenario, weight, number of accounts running it). About 10 % of traffic is violative.
SCENARIOS: list[tuple[Scenario, float, int]] = [
    (chat_help, 0.445, 400),
    (support_reply, 0.25, 30),
    (newsletter, 0.07, 10),
    (product_copy, 0.13, 60),
    (sms_spam, 0.015, 3),
    (promo_blast, 0.015, 3),
    (phishing, 0.02, 3),
    (ghostwritten, 0.02, 20),
    (fake_reviews, 0.02, 4),
    (persona_farm, 0.015, 8),
]


def _account(rng: random.Random, scenario: Scenario, accounts: int) -> str:
    # Zipf-like long tail: low indices are picked far more often.
    index = min(int(rng.paretovariate(1.2)) - 1, accounts - 1)
    return _account_name(scenario, index)


def _account_name(scenario: Scenario, index: int) -> str:
    return f"{scenario.__name__.replace('_', '-')}-{index:04d}"


def generate(
    count: int,
    seed: int = 7,
    start: datetime | None = None,
    run: str | None = None,
    live: bool = False,
) -> Iterator[GenerationEvent]:
    """`count` events, one every ~50 ms of event time from `start` (default: now, UTC); `live`:
    each event occurs when it is generated (the wall clock), for a stream sent at any rate, whose
    event time must not run ahead of the gateway's clock (it refuses more than a few minutes).

    Content depends only on `seed`; event ids also carry `run` (default: random), so a second
    `make run` sends new events instead of duplicates the gateway would drop."""
    run = run if run is not None else uuid.uuid4().hex[:8]
    rng = random.Random(seed)
    clock = start or datetime.now(UTC)
    weights = [w for _, w, _ in SCENARIOS]
    for n in range(count):
        scenario, _, accounts = rng.choices(SCENARIOS, weights)[0]
        account = _account(rng, scenario, accounts)
        step = timedelta(milliseconds=rng.expovariate(1 / 50))  # drawn either way: same content
        clock = datetime.now(UTC) if live else clock + step
        fields = scenario(rng, account)
        fields.setdefault(
            "client", {"ip_hash": _hash(account, "ip"), "device_hash": _hash(account, "dev")}
        )
        yield GenerationEvent(
            event_id=f"demo-{seed}-{run}-{n:08d}",
            occurred_at=clock,
            account_id=account,
            app_id=f"app-{account}",
            api_key_id=f"key-{account}",
            model="gen-large-2",
            **fields,
        )


def _person(account: str) -> str:
    digest = int(_hash(account, "person"), 16)
    return f"{FIRST_NAMES[digest % len(FIRST_NAMES)]} {['Keller', 'Osei', 'Novak'][digest % 3]}"


def _hash(*parts: str) -> str:
    return hashlib.blake2b("/".join(parts).encode(), digest_size=8).hexdigest()


def demo_apps() -> dict[str, frozenset[Channel]]:
    """Every app id the demo stream can use, with the channels its scenario sends on: what
    `make run` approves, so demo traffic is not all `policy.unapproved_use`."""
    rng = random.Random(0)
    out: dict[str, frozenset[Channel]] = {}
    for scenario, _, accounts in SCENARIOS:
        channels = frozenset(Channel(scenario(rng, "x")["channel"]) for _ in range(20))
        for index in range(accounts):
            out[f"app-{_account_name(scenario, index)}"] = channels
    return out
