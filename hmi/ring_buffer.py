"""A preallocated ring buffer of time series whose newest window is always one contiguous view.

Each sample is written twice, at ``i`` and ``i + capacity`` of a buffer twice the capacity, so the
last ``n`` samples are ``buf[start:start + n]`` with no copy and no ``np.roll`` per sample
(pydm's timeplot rolls the whole array on every sample; this costs O(columns) per append).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class RingBuffer:
    def __init__(self, columns: list[str], capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.columns = list(columns)
        self.capacity = capacity
        self._index = {name: i for i, name in enumerate(self.columns)}
        # Row 0 is time (seconds since the epoch); NaN marks a missing value (pyqtgraph draws a gap).
        self._data = np.full((len(self.columns) + 1, 2 * capacity), np.nan, dtype=np.float64)
        self._next = 0  # slot the next sample goes to, in [0, capacity)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        self._data.fill(np.nan)
        self._next = 0
        self._count = 0

    def append(self, t: float, values: dict[str, float | None]) -> None:
        column = np.empty(len(self.columns) + 1, dtype=np.float64)
        column[0] = t
        for name, i in self._index.items():
            value = values.get(name)
            column[i + 1] = np.nan if value is None else value
        slot = self._next
        self._data[:, slot] = column
        self._data[:, slot + self.capacity] = column
        self._next = (slot + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)

    def _start(self, n: int) -> int:
        # The newest sample sits at _next - 1 (+ capacity in the upper copy).
        return self._next + self.capacity - n

    def times(self, n: int | None = None) -> FloatArray:
        """The newest ``n`` timestamps, oldest first (a view: do not keep it across appends)."""
        n = self._count if n is None else min(n, self._count)
        start = self._start(n)
        return self._data[0, start : start + n]

    def values(self, name: str, n: int | None = None) -> FloatArray:
        n = self._count if n is None else min(n, self._count)
        start = self._start(n)
        return self._data[self._index[name] + 1, start : start + n]

    def since(self, t0: float) -> int:
        """How many of the newest samples are at or after time ``t0``."""
        times = self.times()
        if times.size == 0:
            return 0
        return int(times.size - np.searchsorted(times, t0, side="left"))

    def oldest_time(self) -> float | None:
        return float(self.times()[0]) if self._count else None
