"""The multi-identity detector: one operator presenting many identities as if they were
independent people (sockpuppets, persona farms, coordinated accounts). Pure.

Patterns and why:
- Within one account: the same talking points, nearly word for word, published under several
  declared identities in one window. Only on public channels (posts, comments, reviews, pages,
  ads), where an audience weighs how many voices say something; a support desk whose named
  agents share macros in private replies presents no false crowd.
- Across accounts: accounts tied to one operator by a shared device or API key that publish
  near-duplicate content under different identities. One such account is suspect; two are one
  operator, and so is one whose own account also publishes the text under several identities
  (two independent signs, each suspect alone). A shared network address (an office, a
  carrier NAT) is weak evidence: it counts only with near-duplicate content from three or more
  accounts, and then only as suspect.
Known false positives, and what keeps them clean: many agents writing distinct mail (no shared
content), support agents answering in public with one macro (it speaks for the company), an
agency posting different content for its clients (no shared content), a viral quote reposted
by strangers (no shared fingerprint), a family sharing a laptop (no shared content), a
social-media manager's seasonal template for its clients (each post names its own business:
suspect at most), a brand's regional accounts (one name: suspect at most).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import Category, Channel, GenerationEvent, Verdict
from services.event_view import SUSPECT_AT, label_for, verdict_for
from services.state.links import Linked
from services.state.near_duplicates import Matches
from services.state.windows import WindowCounts

DETECTOR = "multi_identity"
VERSION = "multi-identity-1"
PUBLIC_CHANNELS = frozenset(
    {Channel.SOCIAL_POST, Channel.COMMENT, Channel.REVIEW, Channel.WEB_PAGE, Channel.AD}
)
CROSS_ACCOUNT_PROOF = "linked_accounts_same_text"
BOTH_WAYS = "several_identities_and_a_linked_account"
PROOF_SIGNALS = frozenset({CROSS_ACCOUNT_PROOF, BOTH_WAYS})
"""The signals that prove a cluster is one operator (and so flag it): the same text from two or
more accounts tied to this one by a device or an API key, or from one such account while this
account also publishes it under several identities."""


FLAGGED_CLUSTER_SCORE = 0.85
"""The score of any post of a cluster proven one operator, the new and the earlier alike."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    event: GenerationEvent
    text: str
    window: WindowCounts
    matches: Matches
    links: Linked


SELF_NAMED_CAP = 0.65
"""A post that names its own declared identity ("Happy holidays from all of us at Bloom
Bakery") speaks openly as that one party: a social-media manager's seasonal template for its
clients is not a false crowd, though a persona farm can sign its posts too, so it stays
suspect rather than clean."""


def names_itself(event: GenerationEvent, text: str) -> bool:
    identity = (event.identity or "").strip().lstrip("@").lower()
    return len(identity) >= 3 and identity in text.lower()


NAME_PART = re.compile(r"[a-z]{4,}")


def shared_name(identities: Sequence[str]) -> bool:
    """Do the identities all carry one name (@acme_uk, @acme_us, Acme Germany)? Then they are
    openly one organisation's regional or product accounts, not strangers agreeing: a brand
    cross-posting its announcement is not a false crowd (kept suspect: a farm can brand its
    personas too). Names that differ only in their digits are clones, not regions."""
    # Numbered clones (@local_voice_1, _2, …) share a name too, the bot way: not a brand.
    if len({re.sub(r"\d+", "", i.lower()) for i in identities}) < 2:
        return False
    parts = [set(NAME_PART.findall(i.lower())) for i in identities]
    return bool(set.intersection(*parts))


SERVICE_REPLY = re.compile(
    r"\b(?:our (?:team|support|staff|agents?)|reach out to us|contact us|dm us|message us|"
    r"let us know|we'?ll (?:look into|get back|follow up|be in touch|pass (?:this|it|your))|"
    r"thanks? (?:you )?(?:so much )?for (?:reaching out|getting in touch|letting us know|"
    r"choosing us|your (?:feedback|review|patience|kind words|order|message))|"
    r"(?:the|your) kind words)\b",
    re.IGNORECASE,
)
"""An organisation answering its customers ("thanks for reaching out, our team will…"): a
support desk's agents replying in public with one macro under their own names speak for the
company, not as independent people, so the shared text is no false crowd. Only what a company
says to a customer: "we're so happy with our new kitchen" is what a fake reviewer says."""


def within_account(s: Snapshot) -> tuple[float, list[str]]:
    # Two of its phrases (thanks for the feedback + reach out to us): one alone is how a
    # campaign talks too ("let us know what you think", "contact us to join").
    if len({m.group(0).lower() for m in SERVICE_REPLY.finditer(s.text)}) >= 2:
        return 0.0, []
    identities = s.matches.same_account_identities
    if identities >= 5:
        score, fired = min(1.0, 0.8 + 0.02 * (identities - 5)), ["same_text_many_identities"]
    elif identities >= 3:
        score, fired = 0.6, ["same_text_several_identities"]
    else:
        return 0.0, []
    if names_itself(s.event, s.text):
        return min(score, SELF_NAMED_CAP), [*fired, "names_its_own_identity"]
    if shared_name(s.matches.same_account_identity_names):
        return min(score, SELF_NAMED_CAP), [*fired, "identities_share_a_name"]
    return score, fired


def across_accounts(s: Snapshot) -> tuple[float, list[str], set[str]]:
    if s.links.cluster_flagged:
        # Once a cluster is judged one operator, each of its accounts' posts is reported, even
        # one whose text is new: the identity it is published under is still a false face.
        return FLAGGED_CLUSTER_SCORE, ["member_of_flagged_cluster"], set(s.links.strong)
    similar = set(s.matches.linked_accounts)
    coordinated = similar & set(s.links.strong)
    if len(coordinated) >= 2:
        return (
            min(1.0, 0.85 + 0.02 * (len(coordinated) - 2)),
            [CROSS_ACCOUNT_PROOF],
            coordinated,
        )
    if coordinated:
        return 0.65, ["linked_account_same_text"], coordinated
    by_address = similar & set(s.links.ip_only)
    if len(by_address) >= 2:
        return 0.55, ["shared_address_same_text"], by_address
    return 0.0, [], set()


def judge(s: Snapshot, decided_at: datetime) -> Verdict | None:
    """A verdict when the event's account looks like one of many faces of one operator; None
    when there is nothing to say (no declared identity, not published, or no evidence)."""
    e = s.event
    if not e.identity or e.channel not in PUBLIC_CHANNELS:
        return None
    inside, inside_signals = within_account(s)
    across, across_signals, cluster = across_accounts(s)
    score = max(inside, across)
    if inside and across_signals == ["linked_account_same_text"]:
        # Two independent signs of one operator, each only suspect alone: this account puts the
        # text out under several identities, and an account tied to it by a device or a key
        # puts out the same text. A farm whose accounts post one after another is caught from
        # its second account on, not only from its third.
        score = max(score, 1.0 - (1.0 - inside) * (1.0 - across))
        across_signals = [*across_signals, BOTH_WAYS]
    if score < SUSPECT_AT:
        return None
    members = sorted({e.account_id, *s.links.strong})
    evidence: dict[str, Any] = {
        "signals": inside_signals + across_signals,
        "cluster_id": f"cluster-{s.links.cluster_root or e.account_id}",
        "accounts_in_cluster": len(members),
        "linked_accounts": members[:10],
        "accounts_with_same_text": len(cluster) + 1,
        "identities_with_same_text": s.matches.same_account_identities,
        "identities_in_window": s.window.distinct_identities,
        "shared_fingerprints": list(s.links.shared_kinds),
        "similar_event_ids": list(s.matches.similar_event_ids),
    }
    return verdict_for(e, DETECTOR, Category.MULTI_IDENTITY, score, evidence, VERSION, decided_at)


REVISED = "revised_when_its_cluster_was_proven"


def revise(held: Verdict, proof: Verdict, decided_at: datetime) -> Verdict:
    """A suspect verdict on an earlier post of an account that a later event proved part of one
    operator's cluster: now a violation, as the cluster's later posts are. The farm's first
    posts deceived their audience as much as its last; judged alone they were only suspect.
    The evidence keeps what was seen then and names the event that proved the cluster."""
    score = round(max(held.score, FLAGGED_CLUSTER_SCORE), 4)
    signals = [*held.evidence.get("signals", []), REVISED]
    return held.model_copy(
        update={
            "score": score,
            "label": label_for(score),
            "evidence": {
                **held.evidence,
                "signals": signals,
                "cluster_id": proof.evidence.get("cluster_id"),
                "proven_by_event_id": proof.event_id,
            },
            "decided_at": decided_at,
        }
    )
