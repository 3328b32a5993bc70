"""Who may write what (SPEC §4), as the ACLs `usewatch security apply` creates."""

from __future__ import annotations

import pytest
from kafka.admin import ACLOperation, ResourceType

from usewatch.security import kafka_acls, passwords


def writers(prefix: str = "") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for acl in kafka_acls(prefix):
        if acl.operation is ACLOperation.WRITE:
            out.setdefault(acl.resource_pattern.resource_name, set()).add(acl.principal)
    return out


def test_each_topic_has_the_writers_the_contract_names() -> None:
    w = writers("p-")
    assert w["p-generations"] == {"User:app"}
    assert w["p-generations.accepted"] == w["p-generations.dlq"] == {"User:gateway"}
    # Only detectors: the use-case approval check is one of them.
    assert w["p-verdicts"] == {
        "User:approval",
        "User:spam",
        "User:misrepresentation",
        "User:multi_identity",
        "User:content_safety",
        "User:detectors",  # all of them in one worker (STACK_TOPOLOGY=shared)
    }
    assert w["p-enforcement.reports"] == w["p-enforcement.review"] == {"User:enforcement"}
    # Reversals: the operator's CLI (`usewatch reverse`); a person's decisions: the console.
    assert w["p-enforcement.actions"] == {"User:enforcement", "User:operator"}
    assert w["p-review.decisions"] == {"User:console"}
    assert w["p-registry"] == {"User:operator"}


def test_producer_apps_read_nothing_and_stages_join_only_their_own_group() -> None:
    acls = kafka_acls("")
    assert not [a for a in acls if a.principal == "User:app" and a.operation is ACLOperation.READ]
    groups = {
        (a.principal, a.resource_pattern.resource_name)
        for a in acls
        if a.resource_pattern.resource_type is ResourceType.GROUP
    }
    assert ("User:gateway", "usewatch-gateway") in groups
    assert all(name == f"usewatch-{p.removeprefix('User:')}" for p, name in groups)


def test_missing_passwords_are_named_and_values_never_shown() -> None:
    with pytest.raises(KeyError, match="USEWATCH_PASSWORD_SPAM") as caught:
        passwords({"USEWATCH_PASSWORD_APP": "s3cret"}, ["app", "spam"])
    assert "s3cret" not in str(caught.value)
    found = passwords({"USEWATCH_PASSWORD_APP": "s3cret"}, ["app"])
    assert "s3cret" not in repr(found)
    assert found["app"].get_secret_value() == "s3cret"
