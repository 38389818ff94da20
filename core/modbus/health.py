"""Honest link health: up only while reads return data, and an alarm for each way they do not.

The poller tells :class:`DataHealth` after every cycle what came back (``observe``): whether any
block returned data, which blocks failed and why, which registers held no number. From that:

- the data rate: cycles that returned data per second (0 Hz when nothing arrives, whatever the
  socket says), and whether data flows now (the "link up" the status line and the HMI show);
- ``modbus.link_lost``: the socket is down;
- ``modbus.no_data``: the socket is up (the PLC answers, perhaps with exceptions or garbage)
  but no block has returned data for ``data_alarm_delay_s``;
- ``modbus.exception``: blocks answered with Modbus exceptions for that long; names each block
  and its exception code;
- ``modbus.partial_data``: data arrives but some blocks or registers have been missing (None)
  for that long; names them.
Each alarm is raised once when its condition starts and cleared once when it ends. Priorities
come from the configuration (analysis.alarms.priorities, applied by the AlarmManager's policy);
the ones passed here are only the fallback for a key the configuration does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.analysis.alarms import AlarmManager, Priority
from core.config import ModbusSettings
from core.modbus.errors import PlcBadResponse, PlcDisconnected, PlcError, PlcExceptionResponse
from core.modbus.stats import RateWindow

ALARM_LINK_LOST = "modbus.link_lost"
ALARM_NO_DATA = "modbus.no_data"
ALARM_EXCEPTION = "modbus.exception"
ALARM_PARTIAL = "modbus.partial_data"



@dataclass(slots=True)
class _Missing:
    reason: str
    since: float


class DataHealth:
    def __init__(
        self, settings: ModbusSettings, period_s: float, alarms: AlarmManager | None, *, window_s: float = 10.0
    ) -> None:
        self._alarms = alarms
        self._delay_s = settings.data_alarm_delay_s
        self._link_priority = Priority.HIGH  # fallback only: the configured priority wins
        # Data counts as flowing while the newest data is at most this old.
        self._fresh_s = max(1.0, 3 * period_s)
        self._period_s = period_s
        self._rate = RateWindow(window_s)
        self._last_data: float | None = None
        self._no_data_since: float | None = None
        self._no_data_reasons: dict[str, str] = {}
        self._exceptions: dict[str, _Missing] = {}  # block label -> exception text, since
        self._missing: dict[str, _Missing] = {}  # block label or register -> why, since
        self._active: dict[str, bool] = {}

    # --- what the poller reports ----------------------------------------------------------

    def observe(
        self, now: float, *, data: bool, failed: Mapping[str, PlcError], bad_registers: Mapping[str, str]
    ) -> None:
        """One cycle: ``failed`` block label -> error; ``bad_registers`` name -> why."""
        exceptions = {label: exc for label, exc in failed.items() if isinstance(exc, PlcExceptionResponse)}
        _track(self._exceptions, {label: _describe(exc) for label, exc in exceptions.items()}, now)
        if data:
            self._rate.add(now)
            self._last_data = now
            self._no_data_since = None
            self._no_data_reasons = {}
            missing = {f"block {label}": _describe(exc) for label, exc in failed.items()}
            missing.update({f"register {name}": why for name, why in bad_registers.items()})
            _track(self._missing, missing, now)
        else:
            if self._no_data_since is None:
                self._no_data_since = now
            self._no_data_reasons = {label: _describe(exc) for label, exc in failed.items()}
            self._missing.clear()  # nothing arrives at all: that is the no-data alarm's

    def reset_no_data(self, now: float) -> None:
        """The socket is down: "connected but no data" starts counting again when it is back."""
        self._no_data_since = now

    # --- figures -----------------------------------------------------------------------------

    def data_hz(self, now: float) -> float:
        return self._rate.rate(now, self._period_s) if self.flowing(now) else 0.0

    def flowing(self, now: float) -> bool:
        return self._last_data is not None and now - self._last_data <= self._fresh_s

    # --- alarms ------------------------------------------------------------------------------

    def update_alarms(self, now: float, *, socket_up: bool, last_error: str) -> None:
        if self._alarms is None:
            return
        # The detail is the reason only: the catalogue's text says 'PLC link lost' already (it read
        # 'PLC link lost: values on screen are not live (PLC link lost: cannot connect ...)').
        self._set(ALARM_LINK_LOST, not socket_up, last_error or "no answer", self._link_priority)
        if not socket_up:
            self.reset_no_data(now)
        no_data = socket_up and self._no_data_since is not None and now - self._no_data_since >= self._delay_s
        self._set(ALARM_NO_DATA, no_data,
                  f"PLC connected but sends no data for {self._delay_s:g} s: {_join(self._no_data_reasons)}",
                  self._link_priority)
        old = {k: m.reason for k, m in self._exceptions.items() if now - m.since >= self._delay_s}
        self._set(ALARM_EXCEPTION, bool(old), f"PLC answers with Modbus exceptions: {_join(old)}", Priority.MEDIUM)
        gone = {k: m.reason for k, m in self._missing.items() if now - m.since >= self._delay_s}
        self._set(ALARM_PARTIAL, bool(gone),
                  f"PLC data incomplete for {self._delay_s:g} s (stored as missing): {_join(gone)}", Priority.MEDIUM)

    def _set(self, key: str, active: bool, text: str, priority: Priority) -> None:
        assert self._alarms is not None
        was = self._active.get(key, False)
        current = self._alarms.get(key)
        # Compare like with like: the alarm keeps our text as its detail; its .text is the catalogue's
        # rendering ("PLC link lost: refused" vs "PLC connection lost: ..."), which never matched and
        # re-sent the update every poll while the link was down.
        if active == was and (not active or (current is not None and current.detail == text)):
            return
        self._active[key] = active
        if active or was:
            self._alarms.update(key, active, text if active else key, priority=priority, source="modbus")


def _track(table: dict[str, _Missing], now_failing: Mapping[str, str], now: float) -> None:
    for key in list(table):
        if key not in now_failing:
            del table[key]
    for key, reason in now_failing.items():
        entry = table.get(key)
        if entry is None:
            table[key] = _Missing(reason, now)
        else:
            entry.reason = reason


def _describe(exc: PlcError) -> str:
    """A stable wording per kind of failure: alarm texts change only when the fault changes
    (a timeout alternating with a pending retry must not rewrite the alarm ten times a second)."""
    if isinstance(exc, PlcExceptionResponse):
        return f"exception code {exc.code} ({str(exc).split('(', 1)[-1].rstrip(')')})"
    if isinstance(exc, PlcBadResponse):
        return "malformed answer"
    if isinstance(exc, PlcDisconnected):
        return "disconnected"
    return "no answer"


def _join(reasons: Mapping[str, str]) -> str:
    if not reasons:
        return "no answer"
    return "; ".join(f"{key}: {why}" for key, why in sorted(reasons.items()))
