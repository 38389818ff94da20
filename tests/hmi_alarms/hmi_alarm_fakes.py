"""A small engine for the alarms page: a real AlarmManager on an injected clock, no PLC."""

from __future__ import annotations

from collections.abc import Callable

from core.analysis.alarms import AlarmManager
from core.api import EngineStatus, LinkHealth, WriteResult
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class AlarmEngine:
    """Enough of core.api.EngineApi for the alarms page and the bridge; no PLC."""

    def __init__(self, settings: Settings, register_map: RegisterMap, clock: Clock) -> None:
        self.settings = settings
        self.register_map = register_map
        self.clock = clock
        self.alarms = AlarmManager(clock=clock)
        self._listeners: list[Callable[[Snapshot], None]] = []

    @property
    def latest(self) -> Snapshot | None:
        return None

    def subscribe(self, listener: Callable[[Snapshot], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def status(self) -> EngineStatus:
        return EngineStatus(link=LinkHealth(connected=True), running=True)

    async def write(self, name: str, value: float, *, user: str, reason: str = "") -> WriteResult:
        return WriteResult(name, value, ok=False, reason="not in this test")

    async def apply_preset(self, preset: str, *, user: str) -> list[WriteResult]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
