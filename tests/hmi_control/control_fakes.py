"""A FakeEngine with the engine's control surface: a real MlControl journaling straight into ml.db."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hmi_fake_engine import FakeEngine

from core.config import PROJECT_ROOT, Settings
from core.control.journal import DecisionRow, ModeChangeRow
from core.control.ml_controller import ControllerStatus
from core.control.service import MlControl
from core.registers import RegisterMap
from core.security.audit import AuditRecord
from core.storage.schema import migrate
from hmi.bridge import EngineBridge


class DbJournal:
    """Writes each row at once (the engine batches; the page only reads, so this is enough)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        migrate(self.conn, "ml")

    def _insert(self, table: str, row: dict[str, object]) -> None:
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        self.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)

    def decision(self, row: DecisionRow) -> None:
        self._insert("decisions", row.as_db())

    def mode_change(self, row: ModeChangeRow) -> None:
        self._insert("mode_changes", row.as_db())

    def close(self) -> None:
        self.conn.close()


class ControlFakeEngine(FakeEngine):
    def __init__(self, settings: Settings, register_map: RegisterMap, journal: DbJournal) -> None:
        super().__init__(settings, register_map)
        self.audited: list[AuditRecord] = []
        self.control: MlControl | None = MlControl(
            settings, register_map, writer=self.write, alarms=self.alarms, journal=journal
        )

    def set_mode(self, mode: str, *, user: str, reason: str = "") -> tuple[bool, str]:
        if self.control is None:
            return False, "the engine is not running"
        ok, why = self.control.request_mode(mode, user=user, reason=reason)
        self.mode = self.control.mode.value
        return ok, why

    def control_status(self) -> ControllerStatus | None:
        return self.control.status() if self.control is not None else None

    def audit(self, record: AuditRecord) -> None:
        self.audited.append(record)


SHIPPED_MODEL = PROJECT_ROOT / "data" / "models" / "default"


def make_bridge(engine: FakeEngine) -> EngineBridge:
    bridge = EngineBridge(engine)
    bridge.attach()
    return bridge
