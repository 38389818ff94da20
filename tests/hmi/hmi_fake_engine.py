"""A FakeEngine implementing core.api.EngineApi for widget tests, screenshots and the GUI bench.

It holds register values in a dict, builds Snapshots from them (raw numbers through the register
codec) and pushes them on demand or from a QTimer. Writes obey the register map's limits, like
the real Writer's envelope, and read back what was written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QTimer

from core.analysis.alarms import AlarmManager
from core.api import EngineStatus, LinkHealth, ServiceHealth, StorageHealth, WriteResult
from core.config import Settings
from core.registers import EncodeError, RegisterMap
from core.snapshot import Quality, Snapshot

BASE_VALUES: dict[str, float] = {
    "head_height": 62.5, "band_current": 14.2, "band_torque": 46.3, "descent_current": 3.1,
    "descent_torque": 21.0, "band_power": 3.42, "band_tension": 182.0, "band_deviation": 0.12,
    "vice_pressure": 55.0, "saw_state": 3, "alarm_status": 0, "alarm_info": 0, "heartbeat": 1,
    "fault_reset": 0, "ambient_temp": 21.4, "descent_speed": 30.0, "humidity": 46.0,
    "descent_speed_actual": 29.7, "coolant_temp": 24.8, "hydraulic_temp": 38.2, "cutting_speed": 70,
    "cutting_speed_actual": 69.8, "vibration_x": 0.212, "vibration_y": 0.154, "vibration_z": 0.098,
    "vibration_x_freq": 145.2, "vibration_y_freq": 145.2, "vibration_z_freq": 290.4,
    "vibration_max_freq": 145.2, "material_type": 3, "material_hardness": 210, "cross_section": 0,
    "dimension_a": 120.0, "dimension_b": 0, "dimension_c": 0, "dimension_d": 0, "material_width": 120.0,
    "band_id": 7, "band_type": 0, "band_brand": 2, "band_material": 0, "tooth_pitch": 6.35,
    "band_wear": 12.4, "cut_count": 128, "machine_id": 1, "energy_total": 1532.125,
    "run_hours": 412.5, "band_area_cut": 84512.5,
}


class FakeEngine:
    def __init__(self, settings: Settings, register_map: RegisterMap, *, period_ms: int = 0,
                 access: Any = None) -> None:
        self.settings = settings
        # core.security.access.AccessControl like the real engine's, or None: the main window then
        # keeps hmi.permissions' allow-and-confirm policy (no login button, no users/audit pages).
        self.access = access
        self.register_map = register_map
        self.alarms = AlarmManager()
        self.values: dict[str, float] = {r.name: BASE_VALUES.get(r.name, 0.0) for r in register_map}
        self.link = LinkHealth(connected=True, achieved_hz=10.0, polls=0, cycle_p50_ms=4.0, cycle_p99_ms=9.0)
        self.storage = StorageHealth(ok=True, queue_rows=3, rows_written=0)
        self.mqtt = ServiceHealth(enabled=True, connected=True)
        self.postgres = ServiceHealth(enabled=False)
        self.mode = "manual"
        self.period_ms = period_ms
        self.animate = period_ms > 0
        self.started = False
        self.stopped = False
        self.offline = False
        self.writes: list[tuple[str, float, str]] = []
        self._listeners: list[Callable[[Snapshot], None]] = []
        self._latest: Snapshot | None = None
        self._seq = 0
        self._timer: QTimer | None = None
        self._t0 = time.monotonic()

    # --- EngineApi ---------------------------------------------------------------------

    @property
    def latest(self) -> Snapshot | None:
        return self._latest

    def subscribe(self, listener: Callable[[Snapshot], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def status(self) -> EngineStatus:
        return EngineStatus(self.link, self.storage, self.mqtt, self.postgres, self.mode, self.started)

    async def write(self, name: str, value: float, *, user: str, reason: str = "") -> WriteResult:
        register = self.register_map[name]
        if not register.writable:
            return WriteResult(name, value, ok=False, reason=f"{name} is read-only")
        if register.min is not None and value < register.min:
            return WriteResult(name, value, ok=False, reason=f"below the minimum {register.min:g}")
        if register.max is not None and value > register.max:
            return WriteResult(name, value, ok=False, reason=f"above the maximum {register.max:g}")
        if self.offline:
            return WriteResult(name, value, ok=False, reason="PLC not connected")
        self.writes.append((name, value, user))
        self.values[name] = value
        return WriteResult(name, value, ok=True, written=value, read_back=value, verified=True)

    async def apply_preset(self, preset: str, *, user: str) -> list[WriteResult]:
        speeds = self.settings.control.presets[preset]
        return [
            await self.write("cutting_speed", speeds.cutting_speed, user=user, reason=f"preset {preset}"),
            await self.write("descent_speed", speeds.descent_speed, user=user, reason=f"preset {preset}"),
        ]

    async def start(self) -> None:
        self.started = True
        if self.period_ms > 0:
            self._timer = QTimer()
            self._timer.setInterval(self.period_ms)
            self._timer.timeout.connect(self._tick)
            self._timer.start()

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        self.started = False
        self.stopped = True

    # --- beyond EngineApi: what core.engine.Engine also offers the pages --------------------

    control: Any = None  # core.control.service.MlControl on the real engine

    def control_status(self) -> Any:
        return None

    def set_mode(self, mode: str, *, user: str, reason: str = "") -> tuple[bool, str]:
        if mode == "ml":
            return False, "no ML model is loaded"
        self.mode = mode
        return True, ""

    # --- test controls -----------------------------------------------------------------

    def push(self, values: dict[str, float] | None = None, *, monotonic: float | None = None,
             ts_ms: int | None = None) -> Snapshot:
        """Poll once: update ``values`` and deliver a GOOD snapshot to every listener."""
        if values:
            self.values.update(values)
        raw: dict[str, int | float | None] = {}
        for register in self.register_map:
            try:
                raw[register.name] = register.to_raw(self.values[register.name])
            except EncodeError:
                raw[register.name] = None
        return self._deliver(dict(self.values), raw, Quality.GOOD, monotonic, ts_ms)

    def fail(self, *, monotonic: float | None = None) -> Snapshot:
        """A poll that read nothing: every value None, link down."""
        self.link = replace(self.link, connected=False, last_error="connection refused")
        none: dict[str, float | None] = dict.fromkeys(self.values)
        return self._deliver(none, dict(none), Quality.COMM_ERROR, monotonic, None)

    def recover(self) -> None:
        self.link = replace(self.link, connected=True, last_error="")

    def _deliver(self, values: dict[str, float | None], raw: dict[str, int | float | None],
                 quality: Quality, monotonic: float | None, ts_ms: int | None) -> Snapshot:
        self._seq += 1
        snapshot = Snapshot(
            seq=self._seq,
            ts_ms=int(time.time() * 1000) if ts_ms is None else ts_ms,
            monotonic=time.monotonic() if monotonic is None else monotonic,
            values=values, raw=raw, quality=quality, read_s=0.004,
        )
        self._latest = snapshot
        self.link = replace(self.link, polls=self.link.polls + 1)
        for listener in list(self._listeners):
            listener(snapshot)
        return snapshot

    def backfill(self, seconds: float, rate_hz: float = 10.0) -> None:
        """Deliver ``seconds`` of animated history with past timestamps (screenshots, bench)."""
        count = int(seconds * rate_hz)
        now_ms = int(time.time() * 1000)
        for i in range(count):
            age_s = (count - i) / rate_hz
            self._animate(time.monotonic() - self._t0 - age_s)
            self.push(ts_ms=now_ms - int(age_s * 1000), monotonic=time.monotonic() - age_s)

    def _tick(self) -> None:
        if self.offline:
            self.fail()
            return
        if self.animate:
            self._animate(time.monotonic() - self._t0)
        self.push()

    def _animate(self, t: float) -> None:
        # Slow load swings with faster ripple: enough texture for screenshots and the bench.
        wobble = math.sin(t * 0.7)
        self.values["band_current"] = round(14.2 + 1.5 * wobble + 0.3 * math.sin(t * 5.1), 1)
        self.values["band_torque"] = round(46.3 + 6 * wobble + 1.2 * math.sin(t * 4.3), 1)
        self.values["vibration_x"] = round(0.21 + 0.05 * math.sin(t * 3.3), 3)
        self.values["vibration_y"] = round(0.15 + 0.04 * math.sin(t * 2.9 + 1), 3)
        self.values["vibration_z"] = round(0.10 + 0.03 * math.sin(t * 4.1 + 2), 3)
        self.values["cutting_speed_actual"] = round(self.values["cutting_speed"] - 0.3 + 0.2 * wobble, 1)
        self.values["descent_speed_actual"] = round(self.values["descent_speed"] - 0.3 + 0.2 * wobble, 2)
        self.values["head_height"] = round(max(0.0, 120.0 - (t * 0.5) % 120.0), 1)
