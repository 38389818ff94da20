"""Fault injection for the simulated PLC: what a flaky link or a confused PLC does.

The injector only holds the faults and their deadlines (on an injectable monotonic clock);
the server consults it on every request. All methods may be called at any time from tests.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Callable, Sequence

from pymodbus.constants import ExcCodes

from core.registers import RegisterMap

Clock = Callable[[], float]


class FaultInjector:
    def __init__(self, register_map: RegisterMap, clock: Clock = time.monotonic) -> None:
        self._map = register_map
        self._clock = clock
        self._silent_until = -math.inf
        self._delay = 0.0
        self._delay_until = math.inf
        self._exception: ExcCodes | None = None
        self._exception_until = math.inf
        self._overrides: dict[str, list[int]] = {}
        self._drop_hook: Callable[[], int] | None = None
        self.dropped = 0  # connections closed by drop_connections, in total

    # --- injecting --------------------------------------------------------------------

    def drop_connections(self) -> int:
        """Close every client connection now; returns how many were closed."""
        if self._drop_hook is None:
            return 0
        closed = self._drop_hook()
        self.dropped += closed
        return closed

    def silence(self, seconds: float) -> None:
        """Stop answering for ``seconds``: requests get no response (writes are not applied)."""
        self._silent_until = self._clock() + _positive(seconds, "seconds")

    def delay(self, seconds: float, duration: float | None = None) -> None:
        """Delay every answer by ``seconds``, for ``duration`` seconds or until cleared."""
        self._delay = _positive(seconds, "seconds", allow_zero=True)
        self._delay_until = math.inf if duration is None else self._clock() + _positive(duration, "duration")

    def exception(self, code: int, seconds: float | None = None) -> None:
        """Answer every request with Modbus exception ``code`` (e.g. 4 device failure, 6 busy)."""
        try:
            self._exception = ExcCodes(code)
        except ValueError:
            allowed = ", ".join(str(int(c)) for c in ExcCodes)
            raise ValueError(f"{code} is not a Modbus exception code; allowed: {allowed}") from None
        self._exception_until = math.inf if seconds is None else self._clock() + _positive(seconds, "seconds")

    def override(self, name: str, raw: float | None = None, *, words: Sequence[int] | None = None) -> None:
        """Show ``raw`` (the register's raw number, before scale) or raw ``words`` in register
        ``name`` instead of the physics until cleared. Out-of-range and garbage values are the
        point; only what cannot be put in the register's words is refused.
        """
        reg = self._map[name]
        if (raw is None) == (words is None):
            raise ValueError("give exactly one of raw or words")
        if words is not None:
            if len(words) != reg.count or not all(0 <= int(w) <= 0xFFFF for w in words):
                raise ValueError(f"{name} takes {reg.count} words of 0..65535, got {list(words)}")
            self._overrides[name] = [int(w) for w in words]
            return
        assert raw is not None
        try:
            self._overrides[name] = reg.words_from_raw(raw if reg.is_float else int(raw))
        except (struct.error, ValueError, OverflowError) as exc:
            low, high = reg.type.raw_range
            raise ValueError(f"{name}: raw {raw} does not fit a {reg.type.value} ({low:g}..{high:g}): {exc}") from None

    def clear(self) -> None:
        """Remove every fault."""
        self._silent_until = -math.inf
        self._delay, self._delay_until = 0.0, math.inf
        self._exception, self._exception_until = None, math.inf
        self._overrides.clear()

    def clear_silence(self) -> None:
        self._silent_until = -math.inf

    def clear_delay(self) -> None:
        self._delay = 0.0

    def clear_exception(self) -> None:
        self._exception = None

    def clear_override(self, name: str | None = None) -> None:
        """Back to physics for ``name`` (every register when None)."""
        if name is None:
            self._overrides.clear()
        else:
            self._overrides.pop(name, None)

    # --- consulted by the server --------------------------------------------------------

    def set_drop_hook(self, hook: Callable[[], int] | None) -> None:
        self._drop_hook = hook

    @property
    def silent(self) -> bool:
        return self._clock() < self._silent_until

    @property
    def current_delay(self) -> float:
        if self._delay > 0.0 and self._clock() >= self._delay_until:
            self._delay = 0.0
        return self._delay

    @property
    def current_exception(self) -> ExcCodes | None:
        if self._exception is not None and self._clock() >= self._exception_until:
            self._exception = None
        return self._exception

    @property
    def overrides(self) -> dict[str, list[int]]:
        return dict(self._overrides)

    @property
    def active(self) -> bool:
        return self.silent or self.current_delay > 0 or self.current_exception is not None or bool(self._overrides)


def _positive(value: float, what: str, *, allow_zero: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{what} must be a positive number of seconds, got {value!r}")
    return float(value)
