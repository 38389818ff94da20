"""Engine facts turned into AlarmManager conditions.

Always handled here: the PLC's own alarms (register alarm_status decoded by the code table,
alarm_info by the bit table, both from config), the band current above the current bar's overload
(hmi.bars.band_current: the "trip" the screen draws has an alarm behind it), anomalies at or above
the configured severity, and problems of the analysis configuration. Conditions read from
``EngineStatus`` (link loss, read rate, storage backpressure/errors, disk space, MQTT and
PostgreSQL down beyond their delay) are handled only for the keys passed as ``status_keys``: the
poller, the storage writers, the MQTT service and the PostgreSQL mirror raise the same keys
themselves, and a key must have exactly one owner or it flaps. The torque guard and model
refusals are raised by the controller (``control.torque_guard``, ``control.model_refused``);
``torque_guard`` and ``model_refused`` here serve engines without that controller.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable, Collection
from pathlib import Path

from core.analysis.alarm_policy import configured_priority
from core.analysis.alarms import AlarmManager, Priority
from core.analysis.detectors import AnomalyEvent, Severity
from core.analysis.settings import AlarmSourceSettings
from core.snapshot import Quality, SawState, Snapshot
from core.values import EngineStatus

log = logging.getLogger("bandsaw.analysis.alarm_sources")

PLC_ALARM = "plc.alarm"
PLC_BIT = "plc.bit"  # + ".<n>"
LINK_LOST = "modbus.link_lost"
READ_RATE = "modbus.rate_low"
BACKPRESSURE = "storage.backpressure"
STORAGE_ERROR = "storage.error"
DISK_LOW = "storage.disk_low"
MQTT_DOWN = "mqtt.down"
POSTGRES_DOWN = "postgres.down"
TORQUE_GUARD = "control.torque_guard"
MODEL_REFUSED = "control.model_refused"
CURRENT_OVERLOAD = "process.band_overload.current"  # a member of the band-overload group, worded as itself
ANOMALY = "anomaly"  # + ".<signal>.<kind>"
CONFIG = "analysis.config"

STATUS_KEYS = (LINK_LOST, READ_RATE, BACKPRESSURE, STORAGE_ERROR, DISK_LOW, MQTT_DOWN, POSTGRES_DOWN)


class AlarmSources:
    def __init__(
        self,
        alarms: AlarmManager,
        settings: AlarmSourceSettings,
        *,
        status_keys: Collection[str] = (),
        rate_floor_hz: float = 0.0,
        rate_delay_s: float = 10.0,
        mqtt_down_after_s: float = 60.0,
        postgres_down_after_s: float = 60.0,
        data_dir: Path | None = None,
        disk_floor_mb: float = 0.0,
        current_limit_a: float | None = None,
        clock: Callable[[], float] = time.time,
        disk_free: Callable[[Path], int] = lambda path: shutil.disk_usage(path).free,
    ) -> None:
        self._alarms = alarms
        self._settings = settings
        unknown = set(status_keys) - set(STATUS_KEYS)
        if unknown:
            raise ValueError(f"status_keys: unknown {sorted(unknown)}; allowed {list(STATUS_KEYS)}")
        self._status_keys = frozenset(status_keys)
        self._rate_floor_hz = rate_floor_hz
        self._rate_delay_s = rate_delay_s
        self._down_after = {MQTT_DOWN: mqtt_down_after_s, POSTGRES_DOWN: postgres_down_after_s}
        self._data_dir = data_dir
        self._disk_floor_bytes = int(disk_floor_mb * 1024 * 1024)
        self._clock = clock
        self._disk_free = disk_free
        self._since: dict[str, float] = {}  # when each delayed condition was first seen
        self._last_code: int | None = None
        self._last_bits: int | None = None
        self._held_mask = sum(1 << bit for bit in settings.held_between_cuts_bits)
        self._clear_polls: dict[int, int] = {}
        self._next_disk_check = 0.0
        self._current_limit = current_limit_a
        self._current_over_ms: int | None = None  # when the band current went over its limit while cutting

    # --- priorities --------------------------------------------------------------------

    def priority(self, key: str) -> Priority:
        """The configured priority of ``key``: the longest matching key prefix wins."""
        return configured_priority(self._settings.priorities, key)

    def _update(self, key: str, active: bool, text: str, source: str, value: float | None = None,  # noqa: PLR0917
                params: dict[str, object] | None = None) -> None:
        self._alarms.update(key, active, text, priority=self.priority(key), source=source, value=value,
                            params=params)

    # --- per snapshot: the PLC's alarm registers ---------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Decode alarm_status and alarm_info; a poll without them (comm error) changes nothing."""
        if snapshot.quality is Quality.COMM_ERROR:
            return
        self._alarms.observe(snapshot.values)
        code = _as_int(snapshot.values.get("alarm_status"))
        if code is not None and code != self._last_code:
            self._last_code = code
            text = self._settings.plc_alarm_codes.get(code, f"PLC alarm code {code}")
            self._update(PLC_ALARM, code != 0, f"PLC: {text}" if code else "PLC alarm", "plc",
                         float(code), {"code": code})
        bits = _as_int(snapshot.values.get("alarm_info"))
        if bits is not None:
            bits = self._hold_process_bits(bits, snapshot.values.get("saw_state") == SawState.CUTTING)
        if bits is not None and bits != self._last_bits:
            previous = self._last_bits or 0
            self._last_bits = bits
            for bit in range(16):
                mask = 1 << bit
                if (bits ^ previous) & mask:
                    text = self._settings.plc_alarm_bits.get(bit, f"PLC alarm bit {bit}")
                    self._update(f"{PLC_BIT}.{bit}", bool(bits & mask), f"PLC: {text}", "plc")
        self._check_current(snapshot)

    def _check_current(self, snapshot: Snapshot) -> None:
        """Band current over the current bar's overload for current_overload_delay_s of cutting raises
        CURRENT_OVERLOAD; it clears below the limit less current_overload_clear_pct (not on a dip at
        the limit). A missing reading changes nothing."""
        limit = self._current_limit
        current = snapshot.values.get("band_current")
        if limit is None or current is None or not math.isfinite(current):
            return
        settings = self._settings
        params: dict[str, object] = {"limit": float(limit)}
        if self._alarms.is_active(CURRENT_OVERLOAD):
            if current < limit * (1.0 - settings.current_overload_clear_pct / 100.0):
                self._current_over_ms = None
                self._update(CURRENT_OVERLOAD, False, f"Band current {current:.0f} A, back under {limit:g} A",
                             "analysis", current, params)
            return
        if current <= limit or snapshot.values.get("saw_state") != SawState.CUTTING:
            self._current_over_ms = None
            return
        if self._current_over_ms is None:
            self._current_over_ms = snapshot.ts_ms
        if snapshot.ts_ms - self._current_over_ms >= settings.current_overload_delay_s * 1000.0:
            self._update(CURRENT_OVERLOAD, True,
                         f"Band current {current:.0f} A over the {limit:g} A limit for "
                         f"{settings.current_overload_delay_s:g} s of cutting", "analysis", current, params)

    def _hold_process_bits(self, bits: int, cutting: bool) -> int:
        """Bits that only mean something while cutting hold between cuts and clear only after a cut shows them clear.

        A chatter bit drops when the cut ends, not because the band speed left the grade's chatter
        band: without this the same standing condition would raise a new alarm at every cut.
        """
        held = self._held_mask
        if not held:
            return bits
        previous = self._last_bits or 0
        if not cutting:
            return bits | (previous & held)  # a new bit still raises; a held one does not drop
        out = bits
        for bit in range(16):
            mask = 1 << bit
            if not held & mask:
                continue
            if bits & mask:
                self._clear_polls[bit] = 0
            elif previous & mask:
                self._clear_polls[bit] = self._clear_polls.get(bit, 0) + 1
                if self._clear_polls[bit] < self._settings.clear_after_cutting_polls:
                    out |= mask  # not yet seen clear for long enough in a cut
        return out

    # --- anomalies ---------------------------------------------------------------------

    def on_anomaly(self, event: AnomalyEvent) -> None:
        """AnomalyMonitor listener: an episode at or above the severity floor is an alarm."""
        key = f"{ANOMALY}.{event.signal}.{event.kind}"
        floor = Severity(self._settings.anomaly_alarm_severity)
        params: dict[str, object] = {"signal": event.signal, "score": float(event.score),
                                     "threshold": float(event.threshold)}
        if event.phase == "end":
            if self._alarms.is_active(key):
                self._update(key, False, self._anomaly_text(event), "analysis", event.value, params)
            return
        if event.severity >= floor:
            self._update(key, True, self._anomaly_text(event), "analysis", event.value, params)

    @staticmethod
    def _anomaly_text(event: AnomalyEvent) -> str:
        """The detector's own words (the alarm's detail; the catalogue's anomaly entry words it for people)."""
        value = "?" if event.value is None else f"{event.value:.4g}"
        return (f"Unusual {event.signal.replace('_', ' ')}: {value} ({event.kind} score {event.score:.1f} "
                f"over {event.threshold:g}, {event.severity.name.lower()})")

    def config_problems(self, unknown_signals: Collection[str]) -> None:
        if unknown_signals:
            text = f"Anomaly detectors for unknown signals: {', '.join(sorted(unknown_signals))}"
            self._update(CONFIG, True, text, "analysis")
        else:
            self._update(CONFIG, False, "Analysis configuration", "analysis")

    # --- controller facts (engines without the ML controller's own alarms) --------------

    def torque_guard(self, active: bool, detail: str = "") -> None:
        self._update(TORQUE_GUARD, active, f"Torque guard: {detail}" if detail else "Torque guard", "control")

    def model_refused(self, refused: bool, reason: str = "") -> None:
        self._update(MODEL_REFUSED, refused, f"ML model refused: {reason}" if reason else "ML model refused",
                     "control")

    # --- periodic: engine status ---------------------------------------------------------

    def on_status(self, status: EngineStatus) -> None:
        """Call about once a second: judges the status keys and lets shelving run out."""
        now = self._clock()
        self._alarms.tick()
        keys = self._status_keys
        if not keys:
            return
        link = status.link
        if LINK_LOST in keys:
            self._delayed(LINK_LOST, status.running and not link.connected, self._settings.link_loss_delay_s, now,
                          f"PLC link lost: {link.last_error or 'no answer'}", "modbus")
        if READ_RATE in keys and self._rate_floor_hz > 0:
            low = status.running and link.connected and link.achieved_hz < self._rate_floor_hz
            self._delayed(READ_RATE, low, self._rate_delay_s, now,
                          f"PLC read rate below {self._rate_floor_hz:g} Hz", "modbus",
                          link.achieved_hz)
        storage = status.storage
        if BACKPRESSURE in keys:
            # Texts stay fixed while a condition lasts (a new text is a logged transition);
            # the changing figure goes in the value.
            self._update(BACKPRESSURE, storage.backpressure, "Storage behind: rows waiting for the writer",
                         "storage", float(storage.queue_rows))
        if STORAGE_ERROR in keys:
            self._update(STORAGE_ERROR, not storage.ok, f"Storage error: {storage.error or 'unknown'}", "storage")
        if DISK_LOW in keys:
            self._check_disk(now)
        for key, service, name in ((MQTT_DOWN, status.mqtt, "ThingsBoard"),
                                   (POSTGRES_DOWN, status.postgres, "PostgreSQL")):
            if key in keys:
                down = service.enabled and not service.connected
                detail = f": {service.error}" if service.error else ""
                self._delayed(key, down, self._down_after[key], now, f"{name} down{detail}", key.split(".")[0],
                              float(service.backlog))

    def _delayed(self, key: str, condition: bool, delay_s: float, now: float, text: str, source: str,  # noqa: PLR0917
                 value: float | None = None) -> None:
        if not condition:
            self._since.pop(key, None)
            if self._alarms.is_active(key):
                self._update(key, False, text, source, value)
            return
        since = self._since.setdefault(key, now)
        if now - since >= delay_s:
            self._update(key, True, text, source, value)

    def _check_disk(self, now: float) -> None:
        if self._data_dir is None or self._disk_floor_bytes <= 0 or now < self._next_disk_check:
            return
        self._next_disk_check = now + self._settings.disk_check_every_s
        try:
            free = self._disk_free(self._data_dir)
        except OSError as exc:
            self._update(DISK_LOW, True, f"Disk space unknown: {exc}", "storage")
            return
        free_mb = free / (1024 * 1024)
        self._update(DISK_LOW, free < self._disk_floor_bytes,
                     f"Disk nearly full: below {self._disk_floor_bytes // 2**20} MB free", "storage", free_mb)


def _as_int(value: float | None) -> int | None:
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return int(value)
