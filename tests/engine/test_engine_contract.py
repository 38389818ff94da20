"""The engine's contract (core.api): every command checked and audited, nothing half-applied, queries
that fail come back as results. The stand-in shares the engine's commands; restore runs on the real
engine with the simulator."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from core.api import AlarmHistoryFilter, AuditFilter, ExportRequest, Role, UserSession
from core.config import Settings, TorqueGuardSettings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.snapshot import Quality
from core.storage.sqlite_open import database_path
from core.testing.standin_engine import StandInEngine
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

OPERATOR = UserSession.anonymous()


def _people(engine: StandInEngine) -> tuple[UserSession, UserSession]:
    erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
    ada = UserSession(login_as(engine.access, "ada", Role.ADMIN), Role.ADMIN)
    return erin, ada


def test_guard_settings_are_checked_validated_whole_and_audited(settings: Settings,
                                                                register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map, with_control=True)
    erin, _ = _people(engine)
    guard = settings.control.torque_guard
    refused = engine.set_guard_settings(OPERATOR, {"enabled": False})
    assert not refused.ok and "needs engineer" in refused.reason and guard.enabled
    half = engine.set_guard_settings(erin, {"rise_threshold_pct": 30.0, "descent_cut_pct": 150.0})
    assert not half.ok and "descent_cut_pct" in half.reason
    assert guard.rise_threshold_pct == 40.0  # nothing half-applied
    done = engine.set_guard_settings(erin, {"rise_threshold_pct": 30.0, "enabled": False})
    assert done.ok and done.value == {"rise_threshold_pct": (40.0, 30.0), "enabled": (True, False)}
    assert engine.control is not None and engine.control.controller.guard.settings.enabled is False
    rows = [(r.user, r.action, r.target, r.old_value, r.new_value, r.result) for r in engine.audited
            if r.target.startswith("control")]
    assert rows == [
        ("operator", "change_control_settings", "control.torque_guard", None, None, AuditResult.REFUSED),
        ("erin", "setting", "control.torque_guard", None, None, AuditResult.REFUSED),
        ("erin", "setting", "control.torque_guard.rise_threshold_pct", 40.0, 30.0, AuditResult.ACCEPTED),
        ("erin", "setting", "control.torque_guard.enabled", "true", "false", AuditResult.ACCEPTED),
    ]
    assert engine.set_control_settings(erin, {"rate_hz": 20.0}).reason == "not tunable while running: rate_hz"
    assert engine.set_control_settings(erin, {"global_factor": 0.8}).ok and settings.control.global_factor == 0.8
    assert engine.journal is not None
    engine.journal.close()


def test_a_settings_refusal_never_echoes_the_request(settings: Settings, register_map: RegisterMap) -> None:
    """Names, values and junk a front end sends come back (and go into the trail) bounded and clean;
    the answer holds the values as the settings took them."""
    engine = StandInEngine(settings, register_map, with_control=True)
    erin, _ = _people(engine)
    junk = "x\n\x1b[31mDROP TABLE audit;" + "y" * 100_000
    for result in (engine.set_guard_settings(erin, {junk: 1.0}),
                   engine.set_control_settings(erin, {junk: 1.0}),
                   engine.set_guard_settings(erin, {f"k{i}": 1.0 for i in range(1000)}),
                   engine.set_guard_settings(erin, {"descent_cut_pct": junk}),  # type: ignore[dict-item]
                   engine.set_guard_settings(erin, {"descent_cut_pct": 1e309, "lookback_mm": -1.0}),
                   engine.set_guard_settings(erin, None),  # type: ignore[arg-type]
                   engine.set_guard_settings(erin, {7: 1.0})):  # type: ignore[dict-item]
        assert not result.ok and result.value is None
        assert len(result.reason) <= 300 and "\n" not in result.reason and "\x1b" not in result.reason
        assert "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" not in result.reason
    refused = [r for r in engine.audited if r.result is AuditResult.REFUSED and r.action == "setting"]
    assert len(refused) == 7 and all(len(r.detail) <= 300 and "\n" not in r.detail for r in refused)
    assert engine.settings.control.torque_guard == TorqueGuardSettings()  # nothing applied
    taken = engine.set_guard_settings(erin, {"enabled": "off", "lookback_mm": "3.5"})  # type: ignore[dict-item]
    assert taken.ok and taken.value == {"enabled": (True, False), "lookback_mm": (2.5, 3.5)}, taken
    assert engine.journal is not None
    engine.journal.close()


def test_mode_alarm_and_user_commands_say_why_they_are_refused(settings: Settings,
                                                               register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map, with_control=True)
    erin, ada = _people(engine)
    stranger = UserSession("mallory", Role.ADMIN)  # claims admin, has no login
    assert "not logged in" in engine.set_mode(stranger, "ml").reason
    switched = engine.set_mode(OPERATOR, "ml")
    assert switched.ok, switched.reason
    assert [(r.action, r.old_value, r.new_value) for r in engine.audited if r.action == "set_mode"] == [
        ("set_mode", "manual", "ml")]
    engine.alarms.update("x.one", True, "something")
    assert not engine.shelve_alarm(OPERATOR, "x.one", 600, "  ").ok  # a reason is required
    assert engine.shelve_alarm(OPERATOR, "x.one", 600, "known").ok
    assert "needs admin" in asyncio.run(engine.add_user(erin, "nina", Role.ENGINEER, "5555")).reason
    added = asyncio.run(engine.add_user(ada, "nina", Role.ENGINEER, "5555"))
    assert added.ok and added.value is not None and added.value.role is Role.ENGINEER
    last = asyncio.run(engine.set_user_role(ada, "ada", Role.OPERATOR))
    assert not last.ok and "last enabled admin" in last.reason
    assert engine.journal is not None
    engine.journal.close()


async def test_a_broken_database_is_a_refused_query_not_an_exception(settings: Settings,
                                                                      register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map)
    log_db = database_path(settings.data_dir, "log")
    log_db.parent.mkdir(parents=True, exist_ok=True)
    log_db.write_bytes(b"this is not a database" * 100)
    audit = await engine.audit_query(AuditFilter())
    alarms = await engine.alarm_history(AlarmHistoryFilter())
    history = await engine.history(["band_current"], 0, int(time.time() * 1000))
    assert not audit.ok and "audit trail" in audit.reason
    assert not alarms.ok and "alarm history" in alarms.reason
    assert not history.ok and "no recorded data" in history.reason
    erin, _ = _people(engine)
    export = await engine.export(erin, ExportRequest(settings.data_dir / "x.csv", what="alarms"))
    assert not export.ok and export.reason
    assert [(r.action, r.result) for r in engine.audited if r.action == "export"] == [
        ("export", AuditResult.FAILED)]


async def test_restore_is_the_engines_job_stop_restore_start(tmp_path: Path, register_map: RegisterMap) -> None:
    settings = settings_in(tmp_path, database={"sqlite": {"batch_ms": 100}}, ml={"model_path": None})
    engine = Engine(settings, register_map, simulate=True)
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD,
                         "data from the simulator")
        ada = UserSession(login_as(engine.access, "ada", Role.ADMIN), Role.ADMIN)
        erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
        backup = await engine.backup_now(erin)
        assert backup.ok and backup.value is not None and backup.value.path is not None, backup.reason
        refused = await engine.restore(erin, backup.value.path)
        assert not refused.ok and "needs admin" in refused.reason and engine.running
        restored = await engine.restore(ada, backup.value.path)
        assert restored.ok, restored.reason
        assert engine.running and engine.access.session("ada") is not None  # started again, still logged in
        seq = engine.latest.seq if engine.latest is not None else 0
        await wait_until(lambda: engine.latest is not None and engine.latest.seq > seq, "a poll after the restore")
    finally:
        await engine.stop()
    conn = sqlite3.connect(database_path(settings.data_dir, "log"))
    try:
        rows = conn.execute("SELECT user, action, result FROM audit WHERE action IN ('backup', 'restore') "
                            "ORDER BY id").fetchall()
    finally:
        conn.close()
    # The trail is the restored one (as of the backup) plus what came after: the restore itself.
    assert rows[-1] == ("ada", "restore", "accepted")
