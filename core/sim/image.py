"""The register image: the PLC's holding registers as 16-bit words, encoded through the map.

It spans whole hundreds around the map (2000-2299 for the default map) so block reads with
small gaps work; unmapped addresses read 0. Values that do not fit a register saturate at the
type's limits, as a PLC's conversion would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from core.registers import EncodeError, Register, RegisterMap


def saturating_words(reg: Register, value: float) -> list[int]:
    """``reg.encode(value)``, clamped to the type's range instead of failing."""
    try:
        return reg.encode(value)
    except EncodeError:
        low, high = reg.type.raw_range
        raw = value / reg.scale if math.isfinite(value) else 0.0
        raw = min(max(raw, low), high)
        return reg.words_from_raw(raw if reg.is_float else int(raw))


class RegisterImage:
    def __init__(self, register_map: RegisterMap) -> None:
        self.map = register_map
        low = min(reg.address for reg in register_map)
        high = max(reg.end for reg in register_map)
        self.start = low - low % 100
        self.end = min(0x10000, -(-high // 100) * 100)
        self.words = [0] * (self.end - self.start)

    @property
    def count(self) -> int:
        return self.end - self.start

    def contains(self, address: int, count: int) -> bool:
        return self.start <= address and address + count <= self.end

    def refresh(self, values: Mapping[str, float], overrides: Mapping[str, Sequence[int]]) -> None:
        """Encode every register's value; overridden registers show their raw words."""
        for reg in self.map:
            words = overrides.get(reg.name)
            if words is None:
                value = values.get(reg.name)
                if value is None:
                    continue
                words = saturating_words(reg, value)
            offset = reg.address - self.start
            self.words[offset : offset + reg.count] = words

    def put(self, reg: Register, value: float) -> None:
        offset = reg.address - self.start
        self.words[offset : offset + reg.count] = saturating_words(reg, value)

    def read(self, address: int, count: int) -> list[int]:
        offset = address - self.start
        return self.words[offset : offset + count]
