"""Each detector's knobs come from its own environment prefix, read when a worker asks for its
spec (not when its module is imported), beside the connection settings every detector shares."""

from __future__ import annotations

import importlib

import pytest
from pydantic import ValidationError

from services.detectors.agent import spec_of
from services.detectors.settings import KNOWN, DetectorsSettings
from services.misrepresentation.settings import MisrepresentationSettings
from services.spam.settings import SpamSettings

pytestmark = pytest.mark.unit


def test_each_detector_reads_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPAM_BATCH_SIZE", "64")
    monkeypatch.setenv("SPAM_WINDOW_S", "600")
    monkeypatch.setenv("MULTI_IDENTITY_BATCH_WITHIN_S", "0.5")
    monkeypatch.setenv("CONTENT_SAFETY_CLASSIFIERS", "local")
    specs = {name: spec_of(name) for name in KNOWN}
    assert {s.name for s in specs.values()} == set(KNOWN)
    spam, misrepresentation = specs["spam"].settings, specs["misrepresentation"].settings
    assert isinstance(spam, SpamSettings)
    assert isinstance(misrepresentation, MisrepresentationSettings)
    assert (spam.batch_size, spam.window_s, spam.batch_within_s) == (64, 600, 0.01)
    assert specs["misrepresentation"].settings.batch_size == 256  # another prefix: untouched
    assert specs["multi_identity"].settings.batch_within_s == 0.5
    assert misrepresentation.window_s == 24 * 3600  # its own default


def test_a_bad_knob_is_refused_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPROVAL_SEEN_TTL_S", "60")  # shorter than redelivery can take
    with pytest.raises(ValidationError, match="seen_ttl_s"):
        spec_of("approval")


def test_importing_a_detector_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPAM_BATCH_SIZE", "not a number")
    importlib.reload(importlib.import_module("services.spam.agent"))  # nothing read yet
    with pytest.raises(ValidationError):
        spec_of("spam")


def test_the_shared_worker_names_known_detectors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTORS", "spam, approval,spam")
    assert DetectorsSettings().detector_names == ["spam", "approval"]
    monkeypatch.setenv("DETECTORS", "spam,nope")
    with pytest.raises(ValueError, match="nope"):
        _ = DetectorsSettings().detector_names
