"""Time for acquisition: an injectable clock and the deadline schedule of the poll loops.

Loops run on deadlines of a monotonic clock (next = previous + period), never
``sleep(period)``: the time a cycle takes does not add up into drift. A cycle that runs past
one or more deadlines skips those slots (counted) instead of firing a burst to catch up.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Protocol

_SELECTOR_RESOLUTION_S = 1e-3  # epoll/select timeouts are rounded up to whole milliseconds


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (freshness, scheduling)."""
        ...

    def wall(self) -> float:
        """Unix epoch seconds (timestamps of records)."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``monotonic() >= deadline`` (at once, after one loop turn, when it is past)."""
        ...


class SystemClock:
    """The real clocks; asyncio's loop timer is ``time.monotonic`` as well."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > _SELECTOR_RESOLUTION_S:
            await asyncio.sleep(delay)
            return
        # The selector waits in whole milliseconds: a shorter timer would idle up to 1 ms.
        # Yield to the other tasks instead until the deadline (always at least once).
        while True:
            await asyncio.sleep(0)
            if time.monotonic() >= deadline:
                return


SYSTEM_CLOCK = SystemClock()


@dataclass(slots=True)
class DeadlineSchedule:
    """Slots at ``start + k * period``; :meth:`advance` moves to the next slot not yet past."""

    period: float
    deadline: float
    skipped: int = 0  # slots passed over because a cycle ran past them

    def __post_init__(self) -> None:
        if not self.period > 0 or not math.isfinite(self.period):
            raise ValueError(f"period must be a positive number of seconds, got {self.period!r}")

    def advance(self, now: float) -> int:
        """Step to the next deadline after the current one; skip slots already past ``now``.

        Returns how many slots were skipped by this call.
        """
        following = self.deadline + self.period
        if now <= following:
            self.deadline = following
            return 0
        # The slots from ``following`` up to now were overrun: resume at the first one not past.
        missed = math.ceil((now - following) / self.period)
        self.deadline = following + missed * self.period
        self.skipped += missed
        return missed
