"""The detectors, in the order they run (later ones read earlier results; each may adjust
its result in ``finalize`` once all have run).

This tuple is the whole registry: no import side effects, no decorators.
"""

from __future__ import annotations

from toneprobe.detectors.base import CallContext, Detector, DetectorResult
from toneprobe.detectors.deescalation import DeEscalation
from toneprobe.detectors.empathy import Empathy
from toneprobe.detectors.hangup import HangUp
from toneprobe.detectors.respect import Respect

DETECTORS: tuple[type[Detector], ...] = (Respect, Empathy, DeEscalation, HangUp)

__all__ = ["DETECTORS", "CallContext", "Detector", "DetectorResult"]
