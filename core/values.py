"""Plain value types the engine's parts report in: link, storage and service health, write results.

They sit at the bottom of core (beside config, registers and snapshot) so that any part can use
them without importing the engine's contract; front ends get them through core.api.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.texts import Param, Text, coded


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
    faults: tuple[str, ...] = ()  # engine tasks that ended by an error ("name: error"), each also a critical alarm

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
        parts.extend(f"FAULT {fault}" for fault in self.faults)
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
    reason: str = ""  # why it was refused or clamped (English: log, audit trail, CLI)
    code: str = ""  # the reason as a code of core.texts ("" : a free text, shown as it is)
    params: Mapping[str, Param] = field(default_factory=dict)

    @classmethod
    def refused(cls, register: str, requested: float, reason: str | Text) -> WriteResult:
        english, text = coded(reason)
        if text is not None:
            return cls(register, requested, False, reason=english, code=text.code, params=text.params)
        return cls(register, requested, False, reason=english)
