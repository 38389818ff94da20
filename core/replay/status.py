"""What a front end sees of a replay: its state, period, position and speed (a value, safe to keep)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.snapshot import Snapshot

MIN_SPEED = 1.0
MAX_SPEED = 60.0
SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # the choices a screen offers (any value in range is allowed)
CUT_MARGIN_MS = 10_000  # a cut is replayed with this much before its start and after its end
ALARM_BEFORE_MS = 120_000  # an alarm: two minutes before it, one after
ALARM_AFTER_MS = 60_000


class ReplayState(StrEnum):
    OFF = "off"  # live: no replay
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"  # the end of the period was reached: still replay (the last sample shown)


@dataclass(frozen=True, slots=True)
class ReplayStatus:
    state: ReplayState = ReplayState.OFF
    start_ms: int = 0  # the period chosen (start <= ts < end)
    end_ms: int = 0
    position_ms: int = 0  # the replayed time: the timestamp of the sample shown last
    speed: float = 1.0
    label: str = ""  # what was chosen, in words ("cut 42", "alarm ...", a period)
    generation: int = 0  # bumped by every start and seek: what a screen holds of the old stream is void
    emitted: int = 0  # samples delivered in this replay
    user: str = ""  # who started it
    note: str = ""  # e.g. a recording gap being skipped

    @property
    def active(self) -> bool:
        return self.state is not ReplayState.OFF

    @property
    def fraction(self) -> float:
        span = self.end_ms - self.start_ms
        return 0.0 if span <= 0 else min(1.0, max(0.0, (self.position_ms - self.start_ms) / span))


# (replayed snapshot, generation); called on the engine's loop thread: keep it, return at once.
ReplayListener = Callable[[Snapshot, int], None]


def period_for_cut(start_ms: int, end_ms: int) -> tuple[int, int]:
    """The period that replays a cut (its start and end from total.db) with a little before and after."""
    return start_ms - CUT_MARGIN_MS, max(end_ms, start_ms) + CUT_MARGIN_MS


def period_for_alarm(ts_ms: int) -> tuple[int, int]:
    """The period around an alarm transition: what led to it and what followed."""
    return ts_ms - ALARM_BEFORE_MS, ts_ms + ALARM_AFTER_MS
