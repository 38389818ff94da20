"""Drain pacing: a leaky bucket that keeps a backlog drain from starving acquisition."""

from __future__ import annotations


class LeakyBucket:
    """Every record sent adds one; the bucket leaks at ``rate`` per second; sending pauses
    while it holds more than 0.1 s worth (at least ``batch``). ``rate`` 0 means no limit."""

    def __init__(self, rate: float, batch: int) -> None:
        self.rate = rate
        self._depth = max(float(batch), rate * 0.1)
        self._batch = float(batch)
        self._level = 0.0
        self._at = 0.0
        self.resume_at: float | None = None  # when sending may go on, while paused

    def allowed(self, now: float) -> bool:
        if self.rate <= 0:
            return True
        self._level = max(0.0, self._level - (now - self._at) * self.rate)
        self._at = now
        if self._level < self._depth:
            self.resume_at = None
            return True
        self.resume_at = now + (self._level - self._depth + self._batch) / self.rate
        return False

    def add(self, records: int) -> None:
        self._level += records
