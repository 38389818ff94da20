"""A Snapshot is one poll of the PLC: what every consumer of acquisition receives."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Quality(StrEnum):
    GOOD = "good"  # every block read
    STALE = "stale"  # some blocks failed: their values are None, the rest are fresh
    COMM_ERROR = "comm_error"  # nothing read: every value is None


class SawState(IntEnum):
    """Register saw_state."""

    IDLE = 0
    PREPARING = 1
    READY = 2
    CUTTING = 3
    COMPLETED = 4
    ERROR = 5


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int  # poll counter since the engine started
    # Times. ``ts_ms`` and :attr:`read_started` are when the reads began (the first block): the
    # data is as old as that, so recording, trends and freshness use them. ``monotonic`` is when
    # the reads completed: the order of polls and the poll rate, never the data's age (a poll
    # whose reads took 2.5 s is 2.5 s old when it arrives).
    ts_ms: int  # wall clock, Unix epoch milliseconds (UTC), taken when the read started
    monotonic: float  # time.monotonic() when the read completed
    values: Mapping[str, float | None]  # engineering units; None where the block failed
    raw: Mapping[str, int | float | None]  # the raw register numbers (before scale)
    quality: Quality
    read_s: float = 0.0  # how long the reads took (from the first block's start to the last's end)

    def value(self, name: str) -> float | None:
        return self.values.get(name)

    @property
    def read_started(self) -> float:
        """time.monotonic() when the reads began: the oldest value in the snapshot is this old."""
        return self.monotonic - self.read_s

    def age_s(self, now: float | None = None) -> float:
        """How old the data is: since the reads began (not since they completed)."""
        return (time.monotonic() if now is None else now) - self.read_started

    def is_fresh(self, max_age_s: float, now: float | None = None) -> bool:
        return self.quality is not Quality.COMM_ERROR and self.age_s(now) <= max_age_s

    @property
    def saw_state(self) -> SawState | None:
        raw = self.values.get("saw_state")
        if raw is None:
            return None
        try:
            return SawState(int(raw))
        except ValueError:
            return None
