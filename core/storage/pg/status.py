"""What the mirror tells the engine: health for the HMI lamp, and its two alarms.

Kept current by the mirror's loop, so :meth:`MirrorStatus.health` never does IO. Each distinct
failure is logged once, and the recovery once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.analysis.alarms import AlarmManager, Priority
from core.values import ServiceHealth

log = logging.getLogger("bandsaw.storage.postgres")

ALARM_DOWN = "postgres.down"
ALARM_QUARANTINE = "postgres.quarantine"


class MirrorStatus:
    def __init__(self, alarms: AlarmManager, clock: Callable[[], float], down_alarm_after_s: float) -> None:
        self._alarms = alarms
        self._clock = clock
        self._down_alarm_after_s = down_alarm_after_s
        self.connected = False
        self.error = ""
        self._logged_error = ""
        self._down_since: float | None = None
        self.last_commit_ms: int | None = None
        self.backlog_rows = 0
        self.oldest_ts_ms: int | None = None  # of the oldest row not yet mirrored
        self.quarantined = 0
        self.failures = 0  # attempts that failed (connection lost, server down, ...)

    def health(self, *, running: bool, machine_known: bool, target: str) -> ServiceHealth:
        error = self.error
        if not error and self.connected and not machine_known:
            error = "waiting for the machine id (set machine.id, or the PLC's machine_id register)"
        if not error and not self.connected and running:
            error = f"connecting to {target}"
        if not error and self.quarantined:
            error = f"{self.quarantined} row(s) quarantined: rejected by PostgreSQL"
        lag_s = 0.0
        if self.oldest_ts_ms is not None:
            lag_s = max(0.0, self._clock() - self.oldest_ts_ms / 1000.0)
        return ServiceHealth(
            enabled=True,
            connected=self.connected,
            backlog=self.backlog_rows,
            lag_s=lag_s,
            last_ok_ms=self.last_commit_ms,
            error=error,
        )

    def succeeded(self, target: str) -> None:
        if self._down_since is not None:
            log.info("PostgreSQL mirror to %s is back", target)
        self._down_since = None
        self.error = self._logged_error = ""
        self.connected = True
        self._alarms.update(ALARM_DOWN, False, "PostgreSQL mirror down", priority=Priority.MEDIUM, source="postgres")

    def failed(self, text: str) -> bool:
        """Record a failure described by ``text``; True when the mirror was healthy until now."""
        was_up = self._down_since is None and self.connected
        self.failures += 1
        if self._down_since is None:
            self._down_since = self._clock()
        if text != self._logged_error:
            self._logged_error = text
            log.warning("PostgreSQL mirror: %s", text)
        self.error, self.connected = text, False
        return was_up

    def check_down_alarm(self) -> None:
        if self._down_since is not None and self._clock() - self._down_since >= self._down_alarm_after_s:
            self._alarms.update(
                ALARM_DOWN, True, f"PostgreSQL mirror down: {self.error}", priority=Priority.MEDIUM, source="postgres"
            )

    def set_quarantined(self, count: int, last_error: str = "") -> None:
        self.quarantined = count
        text = f"{count} row(s) rejected by PostgreSQL and quarantined"
        if last_error:
            text += f"; last: {last_error}"
        self._alarms.update(ALARM_QUARANTINE, count > 0, text, priority=Priority.LOW, source="postgres")
