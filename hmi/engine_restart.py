"""Restarting the engine's process after it died: who may, and how often it happens by itself.

A dead engine process (hmi.engine_process) leaves the saw without acquisition, recording and
alarms; the PLC keeps the last speeds it was given. A fresh process is started in its place:

- automatically, at most :data:`AUTO_RESTARTS` times in :data:`AUTO_WINDOW_S` (a crash that comes
  back at once is not hidden: after that the banner waits for a person), each after
  :data:`AUTO_DELAY_S` so a dying child's files are closed by the kernel first; not when the
  engine could not even be built (a configuration or data-directory fault comes back every time);
- by a person with the banner's "Restart engine": logged in, and allowed :data:`RESTART_ACTION`
  in the sessions the engine last reported (there is no engine to ask now). Restarting the
  engine in the program is what restarting the program was, which needs leaving the kiosk: an
  engineer's right in the shipped permission table.

The new engine always starts in manual mode (ML off, core.engine_host.restarted_settings) and
records who restarted it and why in the audit trail once it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.api import Permission

AUTO_RESTARTS = 3
AUTO_WINDOW_S = 600.0
AUTO_DELAY_S = 2.0
RESTART_ACTION = Permission.LEAVE_KIOSK
SYSTEM_USER = "system"  # the automatic restarts' name in the audit trail
RESULT_SHOWN_S = 15.0  # how long the banner says that the engine was restarted


@dataclass
class RestartPolicy:
    """At most ``limit`` automatic restarts in any ``window_s`` (a sliding window), each after ``delay_s``."""

    limit: int = AUTO_RESTARTS
    window_s: float = AUTO_WINDOW_S
    delay_s: float = AUTO_DELAY_S
    clock: Callable[[], float] = time.monotonic
    _times: list[float] = field(default_factory=list)

    def take(self) -> bool:
        """One automatic restart now, if the window has room (then it is counted)."""
        now = self.clock()
        self._times = [t for t in self._times if now - t < self.window_s]
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True

    def used(self) -> int:
        now = self.clock()
        return sum(now - t < self.window_s for t in self._times)

    def describe(self) -> str:
        return f"{self.limit} in {self.window_s / 60:.0f} min"


@dataclass(frozen=True, slots=True)
class RestartOutcome:
    """The last restart, as the banner shows it."""

    ok: bool
    user: str  # who asked: a login name, or SYSTEM_USER
    when: float  # time.monotonic() when it ended
    wall_ms: int  # the same, Unix epoch ms (shown in plant time)
    reason: str = ""  # why it failed; for an automatic restart not taken: why not
    logged_out: tuple[str, ...] = ()  # users the dead engine had logged in (the new one has nobody)

    @property
    def automatic(self) -> bool:
        return self.user == SYSTEM_USER

    def recent(self, now: float | None = None) -> bool:
        return ((time.monotonic() if now is None else now) - self.when) < RESULT_SHOWN_S
