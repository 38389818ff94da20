"""Rolling figures of the poll loop: rate over a time window, percentiles over recent cycles."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable


def percentiles(values: Iterable[float], *fractions: float) -> list[float]:
    """Nearest-rank percentiles (each fraction in 0..1); 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return [0.0 for _ in fractions]
    return [ordered[min(max(1, math.ceil(f * len(ordered))), len(ordered)) - 1] for f in fractions]


class RateWindow:
    """Events per second over the last ``window_s`` seconds of a monotonic clock."""

    def __init__(self, window_s: float) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.window_s = window_s
        self._times: deque[float] = deque()
        self._first: float | None = None

    def add(self, now: float) -> None:
        if self._first is None:
            self._first = now
        self._times.append(now)
        self._prune(now)

    def rate(self, now: float, period_hint: float = 0.0) -> float:
        """Events per second; ``period_hint`` (the nominal period) keeps the first seconds sane."""
        self._prune(now)
        if self._first is None or not self._times:
            return 0.0
        span = min(self.window_s, now - self._first) + period_hint
        return len(self._times) / span if span > 0 else 0.0

    def _prune(self, now: float) -> None:
        horizon = now - self.window_s
        while self._times and self._times[0] < horizon:
            self._times.popleft()


class RatioWindow:
    """Failed / total over the last ``window_s`` seconds (block reads that failed)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._entries: deque[tuple[float, int, int]] = deque()
        self._failed = 0
        self._total = 0

    def add(self, now: float, failed: int, total: int) -> None:
        self._entries.append((now, failed, total))
        self._failed += failed
        self._total += total
        self._prune(now)

    def ratio(self, now: float) -> float:
        self._prune(now)
        return self._failed / self._total if self._total else 0.0

    def _prune(self, now: float) -> None:
        horizon = now - self.window_s
        while self._entries and self._entries[0][0] < horizon:
            _, failed, total = self._entries.popleft()
            self._failed -= failed
            self._total -= total
