"""Where every stage's keys live in Redis: one namespace per stage under `uw:<topic prefix>`, so
two deployments on one Redis (topic prefixes) never see each other's state and a service's Redis
user is granted `uw:*` alone (usewatch/security.py). Stores take the namespace as their key
prefix and add their own key names to it (each store's docstring lists them)."""

from __future__ import annotations

from enum import Enum

ROOT = "uw:"
"""Every key the product writes starts with this."""


class Namespace(Enum):
    """A stage's part of the key space (the value is the segment after the topic prefix)."""

    SHARED = ""
    """State more than one stage reads: the near-duplicate index (services/similarity.py), the
    gateway's de-duplication marks."""
    SPAM = "spam:"
    MISREPRESENTATION = "mr:"
    MULTI_IDENTITY = "mi:"
    ENFORCEMENT = "enf:"


def key_prefix(topic_prefix: str, namespace: Namespace) -> str:
    """`uw:<topic prefix><namespace>`: the prefix a stage's stores put before their keys."""
    return f"{ROOT}{topic_prefix}{namespace.value}"


def seen_prefix(topic_prefix: str, detector: str) -> str:
    """A detector's de-duplication marks (services/state/seen.py), one set per detector, since
    each detector publishes its own verdicts of the same event."""
    return f"{ROOT}{topic_prefix}{detector}:"
