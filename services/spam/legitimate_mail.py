"""A self-made set of legitimate business and personal mail: the hard negatives the shared
e-mail set lacks. SpamAssassin's legitimate mail is 2002 technical mailing lists; customer-facing
mail from today's businesses (a shop's newsletter to its subscribers, a support desk's reply, an
order notice, an appointment reminder) is written like marketing and was read as spam.

A grammar of families (one kind of mail each), several phrasings per family, filled with slots
(businesses, names, products, dates, amounts, places); deterministic (fixed seed). Every fourth
family in name order is held out whole, so `make eval` measures mail kinds the model never saw.
Written by us, with our idea of what such mail says: it measures generalisation to new kinds of
ordinary mail, not to every sender's style. English only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20261202
PER_FAMILY = 60

SLOTS: dict[str, tuple[str, ...]] = {
    "shop": (
        "Harbour Lane Books",
        "Greenleaf Pottery",
        "The Corner Deli",
        "Northside Cycles",
        "Maple Street Florist",
        "Blue Door Bakery",
        "Riverside Garden Centre",
        "Oak & Iron Tools",
    ),
    "name": ("Ana", "Omar", "Priya", "Tom", "Mei", "Lukas", "Fatima", "Jonas", "Grace", "Diego"),
    "agent": ("Sam", "Jo", "Alex", "Robin", "Kai", "Noor"),
    "item": (
        "the linen apron",
        "a pair of trail shoes",
        "the oak side table",
        "two ceramic mugs",
        "the winter jacket",
        "a set of pruning shears",
        "the road bike tune-up kit",
    ),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
    "time": ("9:30", "10:00", "11:15", "14:00", "15:45", "17:30"),
    "amount": ("12.40", "38.00", "64.99", "120.00", "7.50", "245.10"),
    "clinic": ("Elm Park Dental", "Westside Physio", "City Eye Care", "Brookfield Vets"),
    "team": ("the finance team", "the design team", "our support team", "the events committee"),
    "topic": (
        "the quarterly budget",
        "the new onboarding guide",
        "the spring fair",
        "the office move",
        "the website redesign",
    ),
    "school": ("Hillcrest Primary", "St Anne's School", "Lakeview Academy"),
}

FAMILIES: dict[str, tuple[str, ...]] = {
    "appointment_reminder": (
        "Hi {name}, this is a reminder of your appointment at {clinic} on {day} at {time}. If you "
        "need to change it, reply to this email or call the front desk. See you soon.",
        "Dear {name},\n\nYour visit to {clinic} is booked for {day}, {time}. Please arrive ten "
        "minutes early and bring any medication you take.\n\nKind regards,\nReception",
    ),
    "colleague_note": (
        "Hi {name},\n\nThanks for the draft of {topic}. I left a few comments in the document; the "
        "main one is about the timeline on page two. Could we talk on {day}?\n\nBest,\n{agent}",
        "{name}, quick one: {team} asked whether {topic} can move to {day}. Fine by me if it works "
        "for you. Let me know.",
    ),
    "event_for_members": (
        "Hello members,\n\nOur next meetup is on {day} at {time} in the community hall. We will "
        "talk about {topic}, and there will be tea. Reply if you would like a seat.\n\n{agent}",
        "Dear all, a reminder that {topic} is on {day}. Doors open at {time}. Members can bring "
        "a guest. You are receiving this as a member of the club; unsubscribe any time.",
    ),
    "invoice_from_freelancer": (
        "Hi {name},\n\nPlease find attached my invoice for last month's work on {topic}, "
        "{amount} in total, due in 30 days. Thanks again for the project.\n\n{agent}",
        "Dear {name}, attached is invoice 2041 for {amount}. Payment details are the same as "
        "before. Shout if anything looks off.",
    ),
    "newsletter_from_shop": (
        "Dear {name}, the {shop} monthly letter: {item} is back on the shelves, our {day} "
        "tasting starts at {time}, and the car park is closed for resurfacing. Write back if "
        "you want us to hold one for you. Sent to subscribers; opt out with the link below.",
        "{shop} news\n\nSpring is here and so is {item}. Our {day} evening session still has a "
        "few spots. Thanks for shopping local!\n\nManage your email preferences or unsubscribe "
        "at the bottom of this message.",
        "Hi {name}, it's {shop}. We have restocked {item} and are running a repair clinic on "
        "{day} at {time}. Members get 10% off. See you in store.",
    ),
    "order_shipped": (
        "Hi {name}, good news: your order from {shop} ({item}) has shipped and should arrive by "
        "{day}. You can follow it with the tracking link in your account.",
        "Your {shop} order is on its way. {item} left our warehouse today. If anything is wrong "
        "when it arrives, just reply and we'll sort it out.",
    ),
    "receipt": (
        "Thanks for your purchase at {shop}. Total paid: ${amount}. Items: {item}. Keep this "
        "email as your receipt; returns are accepted within 30 days.",
        "Receipt from {shop}\n\n{item}: ${amount}\nPaid by card ending 4412 on {day}.\n\nThank "
        "you for shopping with us.",
    ),
    "school_notice": (
        "Dear parents and carers,\n\n{school} will close early on {day} for staff training. "
        "Pick-up is at {time}. The after-school club will run as usual.\n\nThe office",
        "Hello families, a reminder from {school}: the trip on {day} needs signed forms by "
        "Friday. Children should bring a packed lunch and a raincoat.",
    ),
    "shipping_delay_apology": (
        "Hi {name}, we're sorry: {item} is taking longer than expected to reach us, so your order "
        "will ship on {day} instead. No action is needed. Thanks for your patience, {agent} at "
        "{shop}.",
        "Dear {name}, a quick update from {shop}: our courier is running behind this week and "
        "your parcel will be a few days late. We apologise for the wait.",
    ),
    "support_reply": (
        "Hi {name}, I have sent you a new link to set your password; it expires in an hour. If "
        "the email does not show up, let me know and I can change it for you over the phone. "
        "{agent}, {shop} support",
        "Hello {name}, sorry for the trouble with {item}. I have asked the warehouse to send a "
        "replacement today; you do not need to return the first one. Regards, {agent}",
        "Hello {name}, I have refunded ${amount} to your original payment method; it usually "
        "shows within five working days. Anything else, just reply. {agent}, {shop}",
    ),
    "team_update": (
        "Hi {team},\n\nA short update on {topic}: we are on track for {day}. Two open questions "
        "are listed in the shared notes. Thanks everyone for the effort this week.\n\n{agent}",
        "Team, the meeting about {topic} moves to {day} at {time}. The agenda is unchanged. "
        "Please send me any items by the day before.",
    ),
    "thank_you_personal": (
        "Dear {name},\n\nThank you so much for the lovely dinner on {day}. The kids have not "
        "stopped talking about your garden. Next time is at ours!\n\nLove,\n{agent}",
        "{name}, thanks for lending me {item}, it made the weekend. I'll drop it back on {day}.",
    ),
}
HELD_OUT = frozenset(name for i, name in enumerate(sorted(FAMILIES)) if i % 4 == 3)


@dataclass(frozen=True, slots=True)
class Mail:
    text: str
    family: str
    held_out: bool


def build() -> list[Mail]:
    rng = random.Random(SEED)
    out: list[Mail] = []
    seen: set[str] = set()
    for family in sorted(FAMILIES):
        phrasings = FAMILIES[family]
        for _ in range(PER_FAMILY):
            slots = {k: rng.choice(v) for k, v in SLOTS.items()}
            text = rng.choice(phrasings).format(**slots)
            if text not in seen:
                seen.add(text)
                out.append(Mail(text, family, family in HELD_OUT))
    return out
