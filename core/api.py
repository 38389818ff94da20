"""What the engine offers its front ends (HMI bridge, CLI, telemetry RPC): the contract.

The HMI depends on this Protocol, not on the concrete Engine, so widget tests run on a fake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class LinkHealth:
    """The PLC link as the poller sees it."""

    connected: bool = False
    last_good_ms: int | None = None  # wall-clock ms of the newest good poll
    error_rate: float = 0.0  # failed reads / reads over the recent window
    cycle_p50_ms: float = 0.0
    cycle_p99_ms: float = 0.0
    overruns: int = 0  # poll slots skipped because a cycle ran over
    achieved_hz: float = 0.0
    polls: int = 0
    last_error: str = ""


@dataclass(frozen=True, slots=True)
class StorageHealth:
    ok: bool = True
    queue_rows: int = 0  # rows waiting for the writer
    rows_written: int = 0
    last_commit_ms: int | None = None
    backpressure: bool = False
    error: str = ""


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """An outbound link (MQTT, PostgreSQL)."""

    enabled: bool = False
    connected: bool = False
    backlog: int = 0  # records or rows not yet delivered
    lag_s: float = 0.0  # age of the oldest undelivered record
    last_ok_ms: int | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class EngineStatus:
    link: LinkHealth = field(default_factory=LinkHealth)
    storage: StorageHealth = field(default_factory=StorageHealth)
    mqtt: ServiceHealth = field(default_factory=ServiceHealth)
    postgres: ServiceHealth = field(default_factory=ServiceHealth)
    mode: str = "manual"  # control mode: manual or ml
    running: bool = False

    def one_line(self) -> str:
        link = self.link
        state = "up" if link.connected else f"DOWN ({link.last_error or 'no answer'})"
        parts = [
            f"link {state}",
            f"{link.achieved_hz:.1f} Hz",
            f"cycle p99 {link.cycle_p99_ms:.1f} ms",
            f"overruns {link.overruns}",
            f"rows {self.storage.rows_written}",
            f"queue {self.storage.queue_rows}",
        ]
        if self.mqtt.enabled:
            parts.append(f"mqtt {'up' if self.mqtt.connected else 'down'} backlog {self.mqtt.backlog}")
        if self.postgres.enabled:
            parts.append(f"pg {'up' if self.postgres.connected else 'down'} lag {self.postgres.backlog} rows")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of one setpoint write through the Writer."""

    register: str
    requested: float
    ok: bool  # written and, where read back, verified
    written: float | None = None  # the value sent after clamping; None when refused
    read_back: float | None = None
    verified: bool = False
    clamped: bool = False  # the envelope changed the value
    reason: str = ""  # why it was refused or clamped, for the operator


SnapshotListener = Callable[[Snapshot], None]


class EngineApi(Protocol):
    settings: Settings
    register_map: RegisterMap
    alarms: AlarmManager

    @property
    def latest(self) -> Snapshot | None: ...

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call ``listener`` in the event loop after every poll; returns the unsubscriber.

        Listeners must return quickly: the poll loop does not wait on them.
        """
        ...

    def status(self) -> EngineStatus: ...

    async def write(self, name: str, value: float, *, user: str, reason: str = "") -> WriteResult:
        """Write a setpoint through the Writer's envelope; refused values come back with a reason."""
        ...

    async def apply_preset(self, preset: str, *, user: str) -> list[WriteResult]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
