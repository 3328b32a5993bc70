"""Every stage's keys sit under the one root a service's Redis user is granted, apart from the
other stages' and from another deployment's (topic prefix)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from schemas.principals import DETECTORS
from services.state.keys import Namespace, key_prefix, seen_prefix
from usewatch.security import REDIS_KEYS


def test_every_namespace_is_granted_and_apart_from_the_others() -> None:
    prefixes = [key_prefix(topics, n) for topics in ("", "demo.") for n in Namespace]
    prefixes += [seen_prefix(topics, d) for topics in ("", "demo.") for d in DETECTORS]
    assert all(any(fnmatchcase(p + "k", grant) for grant in REDIS_KEYS) for p in prefixes)
    namespaces = [key_prefix("demo.", n) for n in Namespace]
    assert len(set(namespaces)) == len(namespaces)
