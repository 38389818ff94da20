"""Model inputs from snapshots: averaged over the last few samples, in the manifest's order.

A feature is a register name (its value averaged over ``averaging`` samples) or one of the
derived features below. ``band_current_est`` is the band motor current computed from the
averaged torque with ``ml.current_polynomial`` (a2*x^2 + a1*x + a0), as the reference system
did: the torque reading is cleaner than the current sensor's.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.snapshot import Snapshot

CURRENT_FROM_TORQUE = "band_current_est"

# Derived feature -> the register it is computed from.
DERIVED_SOURCES: Mapping[str, str] = {CURRENT_FROM_TORQUE: "band_torque"}


# Registers the real saw PLC provides (the reference map, 2000-2234) that a model may read:
# the reference system's four inputs (band current, here from torque; deviation; cutting and
# descent speed) and what the PLC says about the cut. Nothing only the simulator has (band_wear
# at 2235 does not exist on the real PLC).
PLC_INPUTS = frozenset({
    "band_torque", "band_current", "band_deviation", "cutting_speed", "descent_speed",
    "cutting_speed_actual", "descent_speed_actual", "descent_current", "descent_torque", "head_height",
    "material_type", "material_hardness", "cross_section", "dimension_a", "dimension_b", "dimension_c",
    "dimension_d", "material_width", "tooth_pitch", "band_type", "band_material",
})

# Features that are codes (categories), not quantities: the training envelope lists the codes seen.
CODE_FEATURES = frozenset({"material_type", "material_hardness", "cross_section"})


def training_envelope(rows: Any, names: Sequence[str]) -> dict[str, Any]:
    """Where the training data lies: per-feature [min, max], and the codes seen for code features."""
    import numpy as np

    x = np.asarray(rows, dtype=np.float64)
    ranges: dict[str, list[float]] = {}
    codes: dict[str, list[float]] = {}
    for i, name in enumerate(names):
        column = x[:, i][np.isfinite(x[:, i])] if len(x) else np.asarray([])
        if not len(column):
            continue
        if name in CODE_FEATURES:
            codes[name] = sorted({float(round(v, 6)) for v in column})
        else:
            ranges[name] = [round(float(column.min()), 6), round(float(column.max()), 6)]
    return {"ranges": ranges, "codes": codes}


class FeatureError(ValueError):
    """A feature list that cannot be computed from this register map."""


def current_from_torque(torque_pct: float, polynomial: Sequence[float]) -> float:
    a2, a1, a0 = polynomial
    return a2 * torque_pct * torque_pct + a1 * torque_pct + a0


class FeatureExtractor:
    """Keeps the averaging buffers; ``vector()`` is None until every input has a value."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        averaging: int,
        polynomial: Sequence[float],
        available: Iterable[str] | None = None,
    ) -> None:
        if not names:
            raise FeatureError("the model lists no features")
        if len(polynomial) != 3:
            raise FeatureError(f"current polynomial needs 3 coefficients (a2, a1, a0), got {len(polynomial)}")
        self.names = tuple(names)
        self._polynomial = tuple(float(c) for c in polynomial)
        known = set(available) if available is not None else None
        self._sources = tuple(DERIVED_SOURCES.get(name, name) for name in self.names)
        not_plc = [n for n, src in zip(self.names, self._sources, strict=True) if src not in PLC_INPUTS]
        if not_plc:
            raise FeatureError(f"features the real PLC does not provide: {', '.join(not_plc)}")
        if known is not None:
            missing = [n for n, src in zip(self.names, self._sources, strict=True) if src not in known]
            if missing:
                raise FeatureError(f"features not in the register map: {', '.join(missing)}")
        self._buffers: dict[str, deque[float]] = {
            source: deque(maxlen=max(1, averaging)) for source in set(self._sources)
        }
        self._last_seq: int | None = None

    @property
    def registers(self) -> tuple[str, ...]:
        """The registers the features read."""
        return tuple(self._buffers)

    def reset(self) -> None:
        for buffer in self._buffers.values():
            buffer.clear()
        self._last_seq = None

    def push(self, snapshot: Snapshot) -> None:
        """Add one poll; the same snapshot twice counts once. A missing value empties its buffer."""
        if snapshot.seq == self._last_seq:
            return
        self._last_seq = snapshot.seq
        self.push_values(snapshot.values)

    def push_values(self, values: Mapping[str, float | None]) -> None:
        for source, buffer in self._buffers.items():
            value = values.get(source)
            if value is None or not math.isfinite(value):
                # Never average across a gap: old values passed off as new are worse than none.
                buffer.clear()
            else:
                buffer.append(float(value))

    def averaged(self, source: str) -> float | None:
        buffer = self._buffers.get(source)
        if not buffer:
            return None
        return sum(buffer) / len(buffer)

    def vector(self) -> list[float] | None:
        out: list[float] = []
        for name, source in zip(self.names, self._sources, strict=True):
            value = self.averaged(source)
            if value is None:
                return None
            if name == CURRENT_FROM_TORQUE:
                value = current_from_torque(value, self._polynomial)
            out.append(value)
        return out

    def as_dict(self, vector: Sequence[float]) -> dict[str, float]:
        return {name: round(value, 6) for name, value in zip(self.names, vector, strict=True)}
