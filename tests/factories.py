"""Factories for test events and hostile payloads, shared by every tier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import Channel, DeadLetterReason, GenerationEvent, VerdictSubject

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def subject(**overrides: Any) -> VerdictSubject:
    """What a verdict says of its event; app-1 on e-mail at T0 unless overridden."""
    fields: dict[str, Any] = {"app_id": "app-1", "channel": Channel.EMAIL, "occurred_at": T0}
    return VerdictSubject(**(fields | overrides))


def event_fields(n: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid GenerationEvent's fields; `n` varies ids, account and time. Each account gets
    its own API key and client fingerprints unless the caller shares them on purpose: unrelated
    accounts on one device would be evidence the multi-identity detector reads."""
    fields: dict[str, Any] = {
        "event_id": f"evt-{n:06d}",
        "occurred_at": (T0 + timedelta(seconds=n)).isoformat(),
        "account_id": f"acct-{n % 37:03d}",
        "app_id": "app-1",
        "api_key_id": f"key-{n % 37:03d}",
        "identity": "Support Team",
        "channel": "email",
        "recipients": [f"r-{n}"],
        "prompt": f"Draft a short reply to ticket {n} that I will review.",
        "generation": f"Hi,\u200b thanks   for\tyour message about ticket {n}. ｗｅ will reply.",
        "model": "gen-1",
        "ai_disclosure": True,
        "attributes": {"locale": "en"},
    }
    fields.update(overrides)
    account = fields["account_id"]
    fields.setdefault("client", {"ip_hash": f"ip-{account}", "device_hash": f"dev-{account}"})
    if "api_key_id" not in overrides:
        fields["api_key_id"] = f"key-{account}"
    return fields


def event(n: int = 0, **overrides: Any) -> GenerationEvent:
    return GenerationEvent.model_validate(event_fields(n, **overrides))


def _json(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()


def invalid_payloads(count_per_kind: int = 20) -> list[tuple[bytes, bytes, DeadLetterReason]]:
    """(key, value, expected reason) for ten kinds of bad input; the key names the case."""
    cases: list[tuple[str, DeadLetterReason, Any]] = [
        ("bad-json", DeadLetterReason.INVALID_JSON, lambda i: b'{"event_id": "x", ' + bytes(i)),
        ("not-json-object", DeadLetterReason.SCHEMA, lambda i: b"[1, 2, 3]"),
        (
            "wrong-types",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, recipients="everyone", red_team="yes", channel=5)),
        ),
        (
            "missing-fields",
            DeadLetterReason.SCHEMA,
            lambda i: _json(
                {k: v for k, v in event_fields(i).items() if k not in ("account_id", "prompt")}
            ),
        ),
        (
            "unknown-channel",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, channel="carrier_pigeon")),
        ),
        (
            "naive-datetime",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, occurred_at="2026-11-01T12:00:00")),
        ),
        (
            "oversize-text",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, generation="x" * 32_001)),
        ),
        (
            "too-many-recipients",
            DeadLetterReason.SCHEMA,
            lambda i: _json(event_fields(i, recipients=[f"r{j}" for j in range(1_001)])),
        ),
        ("too-large", DeadLetterReason.TOO_LARGE, lambda i: b"{" + b" " * 600_000 + b"}"),
        ("not-utf8", DeadLetterReason.NOT_UTF8, lambda i: b'{"event_id": "\xff\xfe' + bytes([i])),
    ]
    out = []
    for name, reason, build in cases:
        for i in range(count_per_kind):
            out.append((f"{name}-{i}".encode(), build(i), reason))
    return out


CAMPAIGN_SLOTS = (
    ("40% off all trainers", "RUN40"),
    ("2 for 1 on running socks", "SOCKS2"),
    ("free delivery on every order", "SHIPFREE"),
    ("30% off rain jackets", "DRY30"),
    ("half price gym bags", "BAG50"),
)


def spam_campaign(n: int, account: str, start: datetime = T0) -> list[GenerationEvent]:
    """One account blasting the same unsolicited promotion, slightly varied, to n recipients in
    n minutes (plain advertising: no prize, no lure, so it is spam and not phishing)."""
    out = []
    for i in range(n):
        offer, code = CAMPAIGN_SLOTS[i % len(CAMPAIGN_SLOTS)]
        out.append(
            event(
                i,
                event_id=f"{account}-c{i:03d}",
                account_id=account,
                channel="sms",
                identity=None,
                recipients=[f"{account}-rcpt-{i}"],
                occurred_at=(start + timedelta(minutes=i)).isoformat(),
                prompt="Write a short promo text for our weekend sale.",
                generation=f"FLASH SALE this weekend only: {offer} at StrideShop! Use code {code} "
                f"at checkout, shop now www.strideshop-deals.com. Reply STOP to opt out",
            )
        )
    return out


HAM_LINES = (
    "Running ten minutes late, start without me and I'll catch up on the slides.",
    "Can you send me the invoice for March when you get a chance? Thanks!",
    "The plumber says Thursday morning works, does that suit you?",
    "Great game last night. Same time next week for the rematch?",
    "I've pushed the fix to the branch, the tests pass on my machine now.",
    "Mum asked if you're still bringing the salad on Sunday.",
    "Meeting moved to room 4B, same time. Bring the printed budget please.",
    "Your table for four is confirmed for 7:30 on Saturday. See you then.",
    "Could you review the contract draft before Friday? Only section 3 changed.",
    "Landed safely, grabbing a taxi now. Talk tomorrow.",
)


DAYS = ("Mon", "Tue", "Wed")


def ham_traffic(n: int, account: str, start: datetime = T0) -> list[GenerationEvent]:
    """The same volume of ordinary, distinct messages to n different people."""
    return [
        event(
            i,
            event_id=f"{account}-h{i:03d}",
            account_id=account,
            channel="sms",
            identity=None,
            recipients=[f"{account}-friend-{i}"],
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt="Help me write a quick text.",
            generation=f"{HAM_LINES[i % len(HAM_LINES)]} (re: item {i}, {DAYS[i % 3]})",
        )
        for i in range(n)
    ]


def stuffed_page(account: str, links: int = 20) -> GenerationEvent:
    body = "\n".join(
        f"[cheap car insurance quotes](https://quotes-{i}.example.biz/go) cheap car insurance "
        f"quotes online, compare cheap car insurance quotes today"
        for i in range(links)
    )
    return event(
        0,
        event_id=f"{account}-page",
        account_id=account,
        channel="web_page",
        identity=None,
        recipients=None,
        prompt="Write an SEO landing page.",
        generation=body,
    )


def credential_lure_sms(account: str) -> GenerationEvent:
    return event(
        0,
        event_id=f"{account}-lure",
        account_id=account,
        channel="sms",
        identity="HSBC",
        recipients=[f"{account}-victim"],
        prompt="Text from the bank about a blocked card.",
        generation="HSBC: a payment from your account was declined and your card is on hold. "
        "Confirm your card number and PIN at http://hsbc-secure-verify.com/unlock "
        "within 2 hours to avoid suspension.",
    )


OPINIONS = (
    "Honestly the new stadium plan is a waste of our taxes, vote NO on Measure 12.",
    "Honest take: the new stadium plan wastes our taxes. Vote NO on Measure 12!",
    "The new stadium plan is honestly a waste of our taxes - vote NO on Measure 12.",
)


def sockpuppets(account: str, handles: int = 30, start: datetime = T0) -> list[GenerationEvent]:
    """One account publishing near-identical opinions under `handles` different names."""
    return [
        event(
            i,
            event_id=f"{account}-s{i:03d}",
            account_id=account,
            channel="social_post",
            identity=f"@local_voice_{i}",
            recipients=None,
            ai_disclosure=False,
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt="Write a short post against the stadium measure as a local resident.",
            generation=OPINIONS[i % len(OPINIONS)] + f" #{['city', 'vote', 'taxes'][i % 3]}",
        )
        for i in range(handles)
    ]


def persona_farm(accounts: int = 8, start: datetime = T0) -> list[GenerationEvent]:
    """`accounts` accounts on one device, each posting the talking points under 2-3 handles,
    interleaved in time."""
    out = []
    n = 0
    for round_ in range(3):
        for a in range(accounts):
            if round_ == 2 and a % 2:
                continue  # some accounts use two handles, some three
            account = f"farm-{a}"
            out.append(
                event(
                    n,
                    event_id=f"{account}-f{round_}",
                    account_id=account,
                    channel="comment",
                    identity=f"{account}-persona-{round_}",
                    recipients=None,
                    ai_disclosure=False,
                    client={"device_hash": "dev-shared-1", "ip_hash": f"ip-{a}"},
                    api_key_id=f"key-{account}",
                    occurred_at=(start + timedelta(minutes=n)).isoformat(),
                    prompt="Comment in favour of the pipeline project as a concerned citizen.",
                    generation=OPINIONS[n % len(OPINIONS)].replace("stadium", "pipeline"),
                )
            )
            n += 1
    return out


SUPPORT_TOPICS = (
    "refund for order",
    "password reset",
    "delivery window",
    "invoice copy",
    "warranty claim",
    "address change",
    "plan upgrade",
    "cancelled booking",
)


OUTCOMES = ("approved it", "need one more detail", "sent a new link", "escalated it")


def crm_agents(account: str, agents: int = 40, start: datetime = T0) -> list[GenerationEvent]:
    """A CRM app where each of `agents` named agents writes their own distinct email."""
    return [
        event(
            i,
            event_id=f"{account}-m{i:03d}",
            account_id=account,
            channel="email",
            identity=f"Agent {i} (Acme Support)",
            recipients=[f"cust-{i}"],
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt=f"Draft my reply about the {SUPPORT_TOPICS[i % 8]} for customer {i}.",
            generation=f"Hello customer {i}, about your {SUPPORT_TOPICS[i % 8]}: I looked at "
            f"case {1000 + i * 7} and {OUTCOMES[i % 4]}. "
            f"Reference {i * 13 % 97}-{i}. Regards, agent {i}",
        )
        for i in range(agents)
    ]


def agency_posts(account: str, start: datetime = T0) -> list[GenerationEvent]:
    """An agency account posting different content for several clients under their names."""
    clients = ("Bloom Bakery", "Northside Gym", "Riverside Vet", "Cobalt Cafe", "Peak Cycles")
    lines = (
        "Fresh sourdough every morning from 7, come early for the rye.",
        "New spin classes on Tuesdays, first session free for members' friends.",
        "Vaccination clinic this Saturday, book a slot on our site.",
        "Try our cold brew flight, three single origins side by side.",
        "Spring service special: brakes and gears checked in one visit.",
    )
    return [
        event(
            i,
            event_id=f"{account}-a{i:03d}",
            account_id=account,
            channel="social_post",
            identity=clients[i % 5],
            recipients=None,
            ai_disclosure=True,
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt=f"Write this week's post for {clients[i % 5]}.",
            generation=f"{lines[i % 5]} Week {i // 5 + 1}, post {i}.",
        )
        for i in range(15)
    ]


def office_neighbours(start: datetime = T0) -> list[GenerationEvent]:
    """Two unrelated accounts behind one office address, each with its own content."""
    out = []
    firms = (
        ("firm-law", "contract law", "read the fine print"),
        ("firm-dental", "teeth", "floss daily"),
    )
    for a, (account, topic, advice) in enumerate(firms):
        for i in range(6):
            out.append(
                event(
                    10 * a + i,
                    event_id=f"{account}-o{i}",
                    account_id=account,
                    channel="social_post",
                    identity=f"{account} team",
                    recipients=None,
                    client={"device_hash": f"dev-{account}", "ip_hash": "ip-office-7"},
                    occurred_at=(start + timedelta(minutes=10 * a + i)).isoformat(),
                    prompt=f"A short tip about {topic}.",
                    generation=f"Tip {i} about {topic}: {advice} and ask us anything ({i}).",
                )
            )
    return out


def viral_quote(accounts: int = 10, start: datetime = T0) -> list[GenerationEvent]:
    """Unrelated accounts, each on its own device and network, reposting one famous quote."""
    return [
        event(
            i,
            event_id=f"fan-{i}-q",
            account_id=f"fan-{i}",
            channel="social_post",
            identity=f"fan_{i}",
            recipients=None,
            client={"device_hash": f"dev-fan-{i}", "ip_hash": f"ip-fan-{i}"},
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt="Share a quote I like.",
            generation="The best way to predict the future is to invent it. - Alan Kay",
        )
        for i in range(accounts)
    ]


# Misrepresentation. Phrasings here are written apart from the training corpus on purpose: the
# tests check that the detector generalises, not that it remembers its training set.

UNDETECTABLE_ASKS = (
    "Polish my thread about {t} and make sure no detector can tell a machine was involved",
    "Rework this caption on {t} so it slips past the AI checkers; it goes on my personal page",
    "I'm posting this under my own name, scrub it of anything that sounds generated: {t}",
    "Make my post on {t} completely undetectable, it has to read as if I sat down and wrote it",
    "Write my take on {t} for my followers; they must never find out an AI wrote it",
    "Post about {t} in my voice and humanize it so detection tools score it as human",
)
TOPICS_SMALL = ("city cycling", "home espresso", "running a marathon", "learning Rust", "jazz")
HOTELS = ("the Alder Lodge", "Casa Verde", "the Pinewood Hotel", "Harbour House B&B")
GUESTS = (
    "Maya",
    "Jon",
    "Ines",
    "Raj",
    "Eli",
    "Tess",
    "Omar",
    "Lena",
    "Bo",
    "Yuki",
    "Finn",
    "Zara",
    "Ivo",
    "Nia",
    "Sam",
    "Ada",
    "Kai",
    "Lou",
    "Mo",
    "Pia",
    "Rex",
    "Uma",
)


def undetectable_posts(account: str, n: int, start: datetime = T0) -> list[GenerationEvent]:
    """Social posts whose prompts ask to hide the AI origin, with no AI disclosure."""
    return [
        event(
            i,
            event_id=f"{account}-u{i:03d}",
            account_id=account,
            channel="social_post",
            identity="jamie.writes",
            recipients=None,
            ai_disclosure=False,
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt=UNDETECTABLE_ASKS[i % len(UNDETECTABLE_ASKS)].format(
                t=TOPICS_SMALL[i % len(TOPICS_SMALL)]
            ),
            generation=f"Been thinking about {TOPICS_SMALL[i % len(TOPICS_SMALL)]} a lot "
            f"lately. Here's what week {i + 1} taught me: start small, stay curious.",
        )
        for i in range(n)
    ]


def guest_reviews(account: str, names: int, start: datetime = T0) -> list[GenerationEvent]:
    """5-star reviews 'as a guest', one per invented reviewer name, from one account."""
    return [
        event(
            i,
            event_id=f"{account}-r{i:03d}",
            account_id=account,
            channel="review",
            identity=f"{GUESTS[i % len(GUESTS)]}_{i}",
            recipients=None,
            ai_disclosure=False,
            occurred_at=(start + timedelta(minutes=3 * i)).isoformat(),
            prompt=f"Write a 5-star review as a guest who stayed at {HOTELS[i % len(HOTELS)]}.",
            generation=f"We stayed three nights at {HOTELS[i % len(HOTELS)]} and loved it. "
            "Spotless rooms, friendly staff, great breakfast. Five stars!",
        )
        for i in range(names)
    ]


WRITING_HELP = (
    ("email", True, "Fix the grammar in this email to my landlord, keep my wording: {x}"),
    ("email", None, "Translate my note about {x} into Portuguese"),
    ("email", False, "Draft a reply about {x} that I'll edit before I send it"),
    ("chat", True, "Summarize these 40 guest reviews of {x} into what people liked and disliked"),
    ("chat", True, "You are the virtual assistant of Acme. Say you're a bot, then help with {x}"),
    ("social_post", None, "Write a post for our bakery's page announcing {x}"),
    ("review", None, "Reply to this review as the owner of our cafe, thanking them for {x}"),
    ("web_page", True, "Write a product description for {x}; the page marks it as AI-written"),
    ("email", None, "Write an email asking our customers to leave an honest review of {x}"),
    ("chat", None, "How do AI text detectors decide whether {x} was written by a person?"),
)
ITEMS = ("the spring menu", "the new opening hours", "the delayed parcel", "our oat cookies")


def writing_assistant(account: str, n: int, start: datetime = T0) -> list[GenerationEvent]:
    """Benign writing help that is close in wording to misrepresentation: must stay clean."""
    out = []
    for i in range(n):
        channel, disclosed, ask = WRITING_HELP[i % len(WRITING_HELP)]
        item = ITEMS[i % len(ITEMS)]
        out.append(
            event(
                i,
                event_id=f"{account}-w{i:03d}",
                account_id=account,
                channel=channel,
                identity="Bakery on 5th" if channel in ("social_post", "review") else None,
                recipients=None,
                ai_disclosure=disclosed,
                occurred_at=(start + timedelta(minutes=i)).isoformat(),
                prompt=ask.format(x=item),
                generation=f"Here is the text about {item}. Thanks for reading!",
            )
        )
    return out


def review_assistant(account: str, users: int, start: datetime = T0) -> list[GenerationEvent]:
    """A review-writing assistant: each end user writes up their own stay, under their own name,
    through one app account. Many reviewer names, none invented: must stay clean."""
    return [
        event(
            i,
            event_id=f"{account}-v{i:03d}",
            account_id=account,
            end_user_id=f"user-{i}",
            channel="review",
            identity=f"{GUESTS[i % len(GUESTS)]} {i}",
            recipients=None,
            ai_disclosure=None,
            occurred_at=(start + timedelta(minutes=2 * i)).isoformat(),
            prompt=f"Help me write my review of {HOTELS[i % len(HOTELS)]}: we stayed "
            f"{2 + i % 3} nights, the breakfast was great but the room was noisy.",
            generation=f"We stayed {2 + i % 3} nights at {HOTELS[i % len(HOTELS)]}. Great "
            "breakfast, friendly staff, though our room was noisy at night. Four stars.",
        )
        for i in range(users)
    ]


def seasonal_greetings(
    account: str, clients: int = 8, start: datetime = T0
) -> list[GenerationEvent]:
    """A social-media manager posting the same holiday template for each client business, under
    the client's name, each post naming its own business."""
    names = (
        "Bloom Bakery",
        "Northside Gym",
        "Riverside Vet",
        "Cobalt Cafe",
        "Peak Cycles",
        "Luna Salon",
        "Oak Dental",
        "Harbor Books",
        "Maple Florist",
        "Nova Optics",
    )
    return [
        event(
            i,
            event_id=f"{account}-h{i:03d}",
            account_id=account,
            channel="social_post",
            identity=names[i % len(names)],
            recipients=None,
            ai_disclosure=None,
            occurred_at=(start + timedelta(minutes=i)).isoformat(),
            prompt=f"Write a short Thanksgiving greeting post for {names[i % len(names)]}",
            generation=f"Happy Thanksgiving from all of us at {names[i % len(names)]}! We're "
            "grateful for our wonderful community and customers. Enjoy the holiday with your "
            "loved ones!",
        )
        for i in range(clients)
    ]
