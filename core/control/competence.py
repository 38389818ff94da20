"""Where the model is competent: the training envelope from its manifest, checked each decision.

The manifest records, per feature, the range the training data covered and, for code features
(material grade, hardness class, section shape), the codes it saw. A decision whose inputs lie
outside (ranges widened by ``margin_pct`` of their span) is "outside the model's experience":
the controller then holds the speeds and writes nothing upward.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from core.control.status import OUTSIDE_EXPERIENCE

_CODE_TOLERANCE = 1e-6


class Competence:
    def __init__(self, envelope: Mapping[str, Any], features: Sequence[str], margin_pct: float = 5.0) -> None:
        self.features = tuple(features)
        ranges = envelope.get("ranges") or {}
        codes = envelope.get("codes") or {}
        self._ranges: dict[int, tuple[float, float]] = {}
        self._codes: dict[int, tuple[float, ...]] = {}
        for i, name in enumerate(self.features):
            if name in codes:
                self._codes[i] = tuple(float(c) for c in codes[name])
            elif name in ranges:
                low, high = (float(v) for v in ranges[name])
                slack = (high - low) * margin_pct / 100.0
                self._ranges[i] = (low - slack, high + slack)
        self.known = bool(self._ranges or self._codes)  # a model without an envelope is never held

    def check(self, vector: Sequence[float]) -> str:
        """"" when every input lies where the model was trained, else what lies outside (one line)."""
        for i, allowed in self._codes.items():
            value = vector[i]
            if not any(abs(value - code) <= _CODE_TOLERANCE for code in allowed):
                shown = ", ".join(f"{c:g}" for c in allowed)
                return f"{OUTSIDE_EXPERIENCE}: {self.features[i]} {value:g} not among the trained codes ({shown})"
        for i, (low, high) in self._ranges.items():
            value = vector[i]
            if not math.isfinite(value) or not low <= value <= high:
                return (f"{OUTSIDE_EXPERIENCE}: {self.features[i]} {value:.4g} outside the trained "
                        f"{low:.4g}..{high:.4g}")
        return ""
