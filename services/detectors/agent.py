"""The shared detectors worker: the chosen detectors' specs on one faust app (`detectors`)."""

from __future__ import annotations

import importlib

import faust

from services.detector_agent import DetectorSpec, detectors_app
from services.detectors.settings import DetectorsSettings


def spec_of(name: str) -> DetectorSpec:
    """A detector's spec, imported only when hosted (each builds its own model and settings)."""
    spec: DetectorSpec = importlib.import_module(f"services.{name}.agent").spec()
    return spec


def build_app(settings: DetectorsSettings) -> faust.App:
    return detectors_app("detectors", settings, [spec_of(n) for n in settings.detector_names])
