"""The audit trail's hash chain: every way of tampering the issue names is found, and where.

Rows are written the way the program writes them (log.db's writer, the command line's
append); the tampering is done the way someone with the file would: sqlite3 on the file,
dropping the triggers first.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from security_helpers import FakeClock

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings, Synchronous
from core.security.audit import AuditRecord, AuditResult
from core.security.audit_chain import (
    APPEND_ONLY_MESSAGE,
    HASH_REQUIRED_MESSAGE,
    TRIGGERS,
    chain_hash,
    row_values,
    verify_file,
)
from core.security.audit_integrity import ALARM_TAMPERED, AuditIntegrity
from core.security.audit_query import AuditFilter, append_audit, query_audit
from core.storage.logdb import LogWriter
from core.storage.schema import MIGRATIONS
from core.storage.sqlite_open import database_path, open_writer
from tests.waiting import wait_until

if TYPE_CHECKING:
    from core.engine import Engine
    from core.registers import RegisterMap
    from core.security.audit_chain import ChainReport


def _record(i: int, user: str = "anna") -> AuditRecord:
    return AuditRecord(1_000_000 + i, user, "write", "cutting_speed", 60.0 + i, 61.5 + i, AuditResult.ACCEPTED,
                       f"row {i}")


def _trail(tmp_path: Path, rows: int = 10) -> Path:
    path = tmp_path / "log.db"
    conn, _ = open_writer("log", path, Synchronous.NORMAL)
    conn.close()
    append_audit(path, [_record(i) for i in range(rows)])
    return path


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_an_intact_trail_verifies_and_values_hash_as_stored(tmp_path: Path) -> None:
    path = _trail(tmp_path, 50)
    report = verify_file(path)
    assert report.ok and report.rows == 50 and report.last_id == 50, report.describe()
    rows = list(reversed(query_audit(path)))
    assert (rows[0].old_value, rows[0].new_value) == ("60.0", "61.5")  # TEXT columns, as before
    # The stored hash is sha256 over the previous hash and this row's stored content.
    conn = sqlite3.connect(path)
    first, second = conn.execute(
        "SELECT hash, ts_ms, user, action, target, old_value, new_value, result, detail FROM audit ORDER BY id LIMIT 2"
    ).fetchall()
    conn.close()
    assert first[0] == chain_hash("", first[1:]) and second[0] == chain_hash(first[0], second[1:])
    assert row_values(first[1:]) == tuple(first[1:])


@pytest.mark.parametrize(
    ("statements", "broken", "says"),
    [
        (["UPDATE audit SET user = 'mallory' WHERE id = 4"], 4, "changed"),
        (["UPDATE audit SET new_value = '999' WHERE id = 7"], 7, "changed"),
        (["UPDATE audit SET detail = NULL WHERE id = 1"], 1, "changed"),
        (["DELETE FROM audit WHERE id = 5"], 6, "rows 5..5 before it are missing"),
        (["DELETE FROM audit WHERE id IN (2, 3)"], 4, "rows 2..3"),
        (["DELETE FROM audit WHERE id >= 9"], 0, "rows 9..10 were deleted from the end"),
        (["INSERT INTO audit (ts_ms, user, action, target, result) VALUES (1, 'x', 'write', 'y', 'accepted')"],
         11, "no chain hash"),
        # Only the stored hash rewritten:
        (["UPDATE audit SET hash = 'f' || substr(hash, 2) WHERE id = 3"], 3, "changed"),
    ],
)
def test_each_tampering_is_found_at_the_first_broken_row(
    tmp_path: Path, statements: list[str], broken: int, says: str
) -> None:
    path = _trail(tmp_path, 10)
    _tamper(path, *statements)
    report = verify_file(path)
    assert not report.ok and report.first is not None
    assert report.first.row_id == broken and says in report.first.reason, report.describe()


def test_a_rewritten_row_with_its_own_hash_recomputed_breaks_at_the_next_row(tmp_path: Path) -> None:
    path = _trail(tmp_path, 10)
    conn = sqlite3.connect(path)
    previous = conn.execute("SELECT hash FROM audit WHERE id = 4").fetchone()[0]
    conn.close()
    forged = chain_hash(previous, (1_000_004, "mallory", "write", "cutting_speed", "64.0", "65.5", "accepted", "row 4"))
    _tamper(path, f"UPDATE audit SET user = 'mallory', hash = '{forged}' WHERE id = 5")
    report = verify_file(path)
    assert report.first is not None and report.first.row_id == 6, report.describe()
    # Two separate tamperings: both are listed, the first first.
    _tamper(path, "UPDATE audit SET detail = 'x' WHERE id = 9")
    assert [b.row_id for b in verify_file(path).breaks] == [6, 9]


def test_program_side_changes_are_refused_by_the_triggers(tmp_path: Path) -> None:
    path = _trail(tmp_path, 3)
    conn = sqlite3.connect(path)
    for sql in ("UPDATE audit SET user = 'x'", "DELETE FROM audit WHERE id = 3"):
        with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
            conn.execute(sql)
    with pytest.raises(sqlite3.DatabaseError, match="chain hash"):
        conn.execute("INSERT INTO audit (ts_ms, user, action, target, result, hash)"
                     " VALUES (1, 'x', 'y', 'z', 'ok', 'a')")
    conn.close()
    assert HASH_REQUIRED_MESSAGE.startswith("audit rows")


def test_a_trail_from_before_the_chain_is_chained_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS["log"][:2]:  # v1 and v2: the trail as shipped before the chain
        conn.execute("BEGIN")
        if callable(step):
            step(conn)
        else:
            for statement in step.split(";"):
                if statement.strip() and any(
                    line.split("--", 1)[0].strip() for line in statement.splitlines()
                ):
                    conn.execute(statement)
        conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 2")
    conn.executemany(
        "INSERT INTO audit (ts_ms, user, action, target, old_value, new_value, result, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, "anna", "login", "hmi", None, 3.5, "accepted", None) for i in range(20)],
    )
    conn.close()
    upgraded, _ = open_writer("log", path, Synchronous.NORMAL)
    upgraded.close()
    report = verify_file(path)
    assert report.ok and report.rows == 20, report.describe()
    append_audit(path, [_record(1)])
    assert verify_file(path).ok and verify_file(path).rows == 21


def _fast(settings: Settings) -> Settings:
    sqlite = settings.database.sqlite.model_copy(update={"batch_rows": 5, "batch_ms": 5})
    return settings.model_copy(update={"database": settings.database.model_copy(update={"sqlite": sqlite})})


def _fast_engine(settings: Settings) -> Settings:
    """Quick batches and no ML model: the real engine starts in seconds."""
    return _fast(settings).model_copy(update={"ml": settings.ml.model_copy(update={"model_path": None})})


@contextlib.asynccontextmanager
async def _checked_engine(settings: Settings, register_map: RegisterMap) -> AsyncIterator[tuple[Engine, ChainReport]]:
    """The real engine on the simulator, started, once its start-up check of the trail has reported."""
    from core.engine import Engine

    engine = Engine(settings, register_map, simulate=True)
    await engine.start()
    try:
        assert engine.audit_integrity is not None
        report = await engine.audit_integrity.wait_checked()
        assert report is not None
        yield engine, report
    finally:
        await engine.stop()


async def test_engine_writer_and_command_line_append_to_one_chain(settings: Settings) -> None:
    """log.db's writer (engine) and append_audit (another connection, as the CLI) interleave."""
    settings = _fast(settings)
    writer = LogWriter.from_settings(settings, AlarmManager())
    await writer.start()
    path = database_path(settings.data_dir, "log")
    stop = threading.Event()
    appended: list[int] = []

    def command_line() -> None:
        i = 0
        while not stop.is_set() and i < 200:
            appended.append(append_audit(path, [_record(i, "cli:root"), _record(i + 1, "cli:root")]))
            i += 2

    thread = threading.Thread(target=command_line)
    thread.start()
    try:
        for i in range(400):
            writer.audit(_record(i, "engine-side"))
            if i % 20 == 0:
                await asyncio.sleep(0.002)
        await writer.drain()
    finally:
        stop.set()
        thread.join(30)
        await writer.stop()
    report = verify_file(path)
    assert report.ok and report.rows == 400 + sum(appended), report.describe()
    users = {r.user for r in query_audit(path, limit=10_000)}
    assert users == {"engine-side", "cli:root"}


async def test_triggers_come_back_at_each_start(settings: Settings) -> None:
    writer = LogWriter.from_settings(settings, AlarmManager())
    await writer.start()
    await writer.stop()
    path = database_path(settings.data_dir, "log")
    conn = sqlite3.connect(path)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    # Replaced by a trigger of the same name that does nothing:
    conn.execute("CREATE TRIGGER audit_no_update AFTER UPDATE ON audit BEGIN SELECT 1; END")
    conn.commit()
    conn.close()
    writer = LogWriter.from_settings(settings, AlarmManager())
    await writer.start()
    await writer.stop()
    conn = sqlite3.connect(path)
    try:
        found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        assert set(TRIGGERS) <= set(found) and "RAISE(ABORT" in found["audit_no_update"]
    finally:
        conn.close()


async def test_the_watch_raises_a_critical_alarm_at_start_and_on_the_daily_check(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = _trail(tmp_path, 5)
    alarms = AlarmManager(clock=clock.time)
    days: list[float] = []
    gate = asyncio.Event()

    async def day(seconds: float) -> None:
        days.append(seconds)
        await gate.wait()
        gate.clear()

    watch = AuditIntegrity(path, alarms, sleep=day)
    watch.start()
    try:
        first = await watch.wait_checked()
        assert first is not None and first.ok and not alarms.is_active(ALARM_TAMPERED)
        _tamper(path, "UPDATE audit SET result = 'refused' WHERE id = 2")
        gate.set()  # a day passes
        await wait_until(lambda: watch.checks >= 2, "the daily check")
        assert days == [86_400.0, 86_400.0]
        alarm = alarms.get(ALARM_TAMPERED)
        assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
        assert "row 2" in alarm.text
    finally:
        await watch.stop()


def test_hiding_automatic_actions(tmp_path: Path) -> None:
    path = _trail(tmp_path, 0)
    append_audit(path, [_record(1, "erin"), _record(2, "system"), _record(3, "ml"), _record(4, "otto")])
    assert [r.user for r in query_audit(path, AuditFilter(automatic=False))] == ["otto", "erin"]
    assert len(query_audit(path, AuditFilter())) == 4
    assert [r.user for r in query_audit(path, AuditFilter(automatic=False, user="erin"))] == ["erin"]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_engine_restores_triggers_alarms_on_a_break_and_journals_ml_writes(
    settings: Settings, register_map: object
) -> None:
    """On the real engine and simulator: a trail tampered while the engine was stopped is found
    at the next start (critical alarm), the triggers are back, and ML writes go to ml.db."""
    from core.registers import RegisterMap
    from core.security.audit_integrity import ALARM_TAMPERED
    from core.security.permissions import Role
    from core.security.testing import login_as
    from core.snapshot import Quality

    assert isinstance(register_map, RegisterMap)
    settings = _fast_engine(settings)
    path = database_path(settings.data_dir, "log")

    async with _checked_engine(settings, register_map) as (engine, report):
        assert not engine.alarms.is_active(ALARM_TAMPERED)
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD,
                         "a good snapshot", within_s=60)
        login_as(engine.access, "erin", Role.ENGINEER)
        assert engine.writer is not None
        person = await engine.writer.write("cutting_speed", 70.0, user="erin", reason="test")
        machine = await engine.writer.write("descent_speed", 30.0, user="ml", reason="ML model")
        assert person.written is not None and machine.written is not None, (person, machine)
    trail = query_audit(path, limit=1000)
    assert any(r.user == "erin" and r.action == "write" for r in trail)
    assert not any(r.user == "ml" for r in trail)  # the ML journal has it instead:
    ml = sqlite3.connect(database_path(settings.data_dir, "ml"))
    try:
        journal = ml.execute("SELECT user, target, new_value, result FROM ml_writes").fetchall()
    finally:
        ml.close()
    assert journal == [("ml", "descent_speed", 30.0, "accepted")]
    assert verify_file(path).ok

    login_row = next(r.id for r in reversed(trail) if r.action == "login")
    _tamper(path, f"UPDATE audit SET user = 'nobody' WHERE id = {login_row}")
    async with _checked_engine(settings, register_map) as (engine, report):
        assert report.first is not None and report.first.row_id == login_row
        alarm = engine.alarms.get(ALARM_TAMPERED)
        assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):  # the triggers are back
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()


def _copy(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


@pytest.mark.parametrize(
    ("attack", "says"),
    [
        ("empty", "the trail is empty"),
        ("cut", "is gone: rows were cut off the end"),
        ("rechain", "replaced or re-chained"),
        ("rechain_tail", "the chain up to it was recomputed"),
        ("older_copy", "is gone"),
    ],
)
async def test_the_anchor_finds_what_the_chain_alone_cannot(
    tmp_path: Path, clock: FakeClock, attack: str, says: str
) -> None:
    from core.security.audit_anchor import AuditAnchor
    from core.security.audit_chain import rechain_all

    path = _trail(tmp_path, 10)
    older = tmp_path / "older.db"
    _copy(path, older)
    append_audit(path, [_record(i) for i in range(10, 20)])
    anchor = AuditAnchor(tmp_path / "databases" / "users.db")
    alarms = AlarmManager(clock=clock.time)
    watch = AuditIntegrity(path, alarms, anchor=anchor)
    assert (await watch.check()).ok
    assert anchor.load() is not None and anchor.load().row_id == 20  # type: ignore[union-attr]
    conn = sqlite3.connect(path, isolation_level=None)
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    if attack == "empty":  # everything deleted, the AUTOINCREMENT counter too
        conn.execute("DELETE FROM audit")
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'audit'")
    elif attack == "cut":
        conn.execute("DELETE FROM audit WHERE id > 15")
        conn.execute("UPDATE sqlite_sequence SET seq = 15 WHERE name = 'audit'")
    elif attack in ("rechain", "rechain_tail"):  # rows rewritten, every hash recomputed
        first = 1 if attack == "rechain" else 12
        conn.execute(f"UPDATE audit SET user = 'mallory' WHERE id >= {first}")
        conn.execute("BEGIN")
        rechain_all(conn)
        conn.execute("COMMIT")
    conn.close()
    if attack == "older_copy":
        path.unlink()
        _copy(older, path)
    assert verify_file(path).ok  # the chain alone finds nothing wrong with any of these
    report = await watch.check()
    assert not report.ok and any(says in b.reason for b in report.breaks), report.describe()
    assert alarms.is_active(ALARM_TAMPERED)
    before = anchor.load()
    assert before is not None and before.row_id == 20  # a broken trail never becomes the anchor
    anchor.reset()  # what a restore does: the next check anchors afresh
    assert (await watch.check()).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit SET hash = 'é' || substr(hash, 2) WHERE id = 2",  # not ASCII
        "UPDATE audit SET hash = x'00ff' WHERE id = 2",  # a blob
        "UPDATE audit SET ts_ms = 'yesterday' WHERE id = 3",  # text in the integer column
        "UPDATE sqlite_sequence SET seq = 'many' WHERE name = 'audit'",
    ],
)
def test_garbage_in_the_trail_is_a_report_never_a_crash(tmp_path: Path, statement: str) -> None:
    path = _trail(tmp_path, 5)
    _tamper(path, statement)
    report = verify_file(path)
    assert not report.ok and (report.breaks or report.error), report.describe()


async def test_rows_cut_off_the_end_after_the_start_check_are_found(tmp_path: Path, clock: FakeClock) -> None:
    """The anchor follows the appended rows (every minute, at a clean stop): the newest rows deleted
    with the AUTOINCREMENT counter set back are found, though the start's anchor is older."""
    from core.security.audit_anchor import AuditAnchor

    path = _trail(tmp_path, 10)
    anchor = AuditAnchor(tmp_path / "databases" / "users.db")
    alarms = AlarmManager(clock=clock.time)
    watch = AuditIntegrity(path, alarms, anchor=anchor)
    assert (await watch.check()).ok  # the start's check: anchored at row 10
    append_audit(path, [_record(i) for i in range(10, 25)])  # the day's work after the start
    sealed = await watch.seal()  # a clean stop (or the minute's advance)
    assert sealed is not None and sealed.ok and sealed.rows == 15
    held = anchor.load()
    assert held is not None and held.row_id == 25
    _tamper(path, "DELETE FROM audit WHERE id > 18", "UPDATE sqlite_sequence SET seq = 18 WHERE name = 'audit'")
    assert verify_file(path).ok  # the chain alone cannot see it
    report = verify_file(path, anchor.load())
    assert not report.ok and "row 25, checked before, is gone" in report.describe(), report.describe()
    # The next minute's advance finds it too, and raises the critical alarm.
    assert (found := await watch.advance()) is not None and not found.ok
    assert alarms.is_active(ALARM_TAMPERED)
    assert anchor.load() == held  # a broken trail never moves the anchor
    anchor.reset()  # what a restore does
    assert (await watch.check()).ok and not alarms.is_active(ALARM_TAMPERED)


async def test_the_minute_advance_runs_by_itself_and_only_on_a_good_trail(tmp_path: Path, clock: FakeClock) -> None:
    from core.security.audit_anchor import AuditAnchor

    path = _trail(tmp_path, 5)
    anchor = AuditAnchor(tmp_path / "databases" / "users.db")
    watch = AuditIntegrity(path, AlarmManager(clock=clock.time), anchor=anchor, anchor_period_s=0.05)
    watch.start()
    try:
        await watch.wait_checked()
        append_audit(path, [_record(i) for i in range(5, 9)])
        await wait_until(lambda: (a := anchor.load()) is not None and a.row_id == 9, "the anchor at row 9")
        _tamper(path, "UPDATE audit SET user = 'mallory' WHERE id = 9")
        append_audit(path, [_record(9)])  # row 10 follows the tampered row's stored hash
        await wait_until(lambda: watch.last is not None and not watch.last.ok, "the break found")
        held = anchor.load()
        assert held is not None and held.row_id == 9  # not moved over a tampered row
    finally:
        await watch.stop()


def test_the_command_line_moves_the_anchor_after_its_own_rows(tmp_path: Path) -> None:
    from core.security.audit_anchor import AuditAnchor, advance_anchor

    data = tmp_path / "data"
    (data / "databases").mkdir(parents=True)
    path = _trail(data / "databases", 4)
    anchor = AuditAnchor(data / "databases" / "users.db")
    assert advance_anchor(data) is None and anchor.load() is None  # nothing anchored yet: the engine does it
    anchor.save(verify_file(path))
    append_audit(path, [_record(4), _record(5)])
    moved = advance_anchor(data)
    assert moved is not None and moved.last_id == 6 and anchor.load().row_id == 6  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_clean_stop_anchors_the_trail_and_a_restore_does_not_hide_a_cut(
    settings: Settings, register_map: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the real engine: rows appended after the start's check, then cut off the end with the
    AUTOINCREMENT counter set back while the engine is stopped, are named by ``audit verify``;
    a restore never hides that: it keeps the live (cut) trail, so ``audit verify`` still says so."""
    import os

    from core.api import UserSession
    from core.cli import main
    from core.registers import RegisterMap
    from core.security.audit_anchor import AuditAnchor
    from core.security.permissions import Role
    from core.security.testing import login_as

    assert isinstance(register_map, RegisterMap)
    for key in [k for k in os.environ if k.startswith("BANDSAW_")]:
        monkeypatch.delenv(key)
    settings = _fast_engine(settings)
    path = database_path(settings.data_dir, "log")
    async with _checked_engine(settings, register_map) as (engine, _):
        login_as(engine.access, "erin", Role.ENGINEER)
        erin = UserSession("erin", Role.ENGINEER)
        backup = await engine.backup_now(erin)
        assert backup.ok and backup.value is not None and backup.value.path is not None, backup.reason
        for mode in ("ml", "manual", "ml", "manual"):  # audited actions after the start's check
            engine.set_mode(erin, mode, reason="test")
    last = max(r.id for r in query_audit(path, limit=10_000))
    held = AuditAnchor(database_path(settings.data_dir, "users")).load()
    assert held is not None and held.row_id == last  # the stop anchored at the newest row
    _tamper(path, f"DELETE FROM audit WHERE id > {last - 3}",
            f"UPDATE sqlite_sequence SET seq = {last - 3} WHERE name = 'audit'")
    assert verify_file(path).ok  # the chain and the counter alone see nothing

    data = ["--data-dir", str(settings.data_dir)]
    capsys.readouterr()
    assert main(["audit", "verify", *data]) == 1
    out = capsys.readouterr().out
    assert f"row {last}, checked before, is gone" in out, out

    assert main(["restore", str(backup.value.path), *data]) == 0, capsys.readouterr()  # no admin exists here
    capsys.readouterr()
    assert main(["audit", "verify", *data]) == 1  # the restore rolled back neither the trail nor the anchor
    assert f"row {last}, checked before, is gone" in capsys.readouterr().out


async def test_a_first_start_without_log_db_is_anchored_at_the_stop(tmp_path: Path, clock: FakeClock) -> None:
    from core.security.audit_anchor import AuditAnchor

    path = tmp_path / "log.db"
    anchor = AuditAnchor(tmp_path / "databases" / "users.db")
    watch = AuditIntegrity(path, AlarmManager(clock=clock.time), anchor=anchor)
    assert (await watch.check()).error  # no log.db yet: nothing to check, no alarm
    _trail(tmp_path, 3)  # the first day's rows
    sealed = await watch.seal()
    assert sealed is not None and sealed.ok
    held = anchor.load()
    assert held is not None and held.row_id == 3


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_a_deleted_trail_beside_recorded_data_is_found_and_blocks_init_admin(
    settings: Settings, register_map: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review #2: log.db, users.db and ledger.json deleted while the engine is stopped, raw.db
    still full: a critical alarm at the next start, 'audit verify' exit 1, init-admin refused
    unless an installer accepts the loss (audited); the acceptance covers the next start only."""
    import io
    import sys

    from core.cli import main
    from core.registers import RegisterMap
    from core.security.audit_integrity import ALARM_TAMPERED
    from core.snapshot import Quality

    assert isinstance(register_map, RegisterMap)
    settings = _fast_engine(settings)
    databases = database_path(settings.data_dir, "raw").parent
    for key in [k for k in __import__("os").environ if k.startswith("BANDSAW_")]:
        monkeypatch.delenv(key)

    def cli(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        return main([*args, "--data-dir", str(settings.data_dir)])

    async with _checked_engine(settings, register_map) as (engine, _):
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD,
                         "a good snapshot", within_s=60)
        await wait_until(lambda: bool(engine.storage.recorder.report is not None
                                      and query_count(database_path(settings.data_dir, "raw")) > 0),
                         "samples recorded", within_s=60)
        assert not engine.alarms.is_active(ALARM_TAMPERED)
    for name in ("log.db", "users.db", "ledger.json"):
        for path in databases.glob(f"{name}*"):
            path.unlink()
    assert cli("audit", "verify") == 1 and "MISSING" in capsys.readouterr().out
    async with _checked_engine(settings, register_map) as (engine, _):
        alarm = engine.alarms.get(ALARM_TAMPERED)
        assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
    assert cli("audit", "verify") == 1  # still, though the engine made new files
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1
    assert "audit trail is missing" in capsys.readouterr().err
    assert cli("users", "init-admin", "boss", "--accept-lost-trail", stdin="98765\n") == 0
    trail = [(r.user, r.action, r.result) for r in query_audit(database_path(settings.data_dir, "log"), limit=100)]
    assert any(action == "audit_loss_accepted" for _, action, _ in trail)
    assert any(action == "user_add" and result == "refused" for _, action, result in trail)
    assert cli("audit", "verify") == 0
    async with _checked_engine(settings, register_map) as (engine, report):
        assert report.ok and not engine.alarms.is_active(ALARM_TAMPERED)


def query_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])
    finally:
        conn.close()


def test_every_verify_message_reads_as_a_sentence() -> None:
    # "audit trail BROKEN at the trail is empty; it had 61 rows..." and "BROKEN at rows 56..61 were
    # deleted from the end": a break without a row is not "at" anything.
    from core.security.audit_chain import Anchor, ChainBreak, ChainReport, _against_anchor

    empty = _against_anchor(Anchor(61, "h", "f"), 0, "", None)
    assert empty is not None
    assert ChainReport(0, 0, (empty,)).describe() == (
        "audit trail BROKEN: the trail is empty, although it had 61 rows at the last check")
    cut = ChainBreak(0, "rows 56..61 were deleted from the end of the trail")
    assert ChainReport(55, 55, (cut,)).describe() == (
        "audit trail BROKEN: rows 56..61 were deleted from the end of the trail")
    changed = ChainBreak(12, "its content, or the row before it, was changed (the hash does not match)")
    assert ChainReport(20, 20, (changed, cut)).describe() == (
        "audit trail BROKEN at row 12: its content, or the row before it, was changed (the hash does not match) "
        "(2 breaks in all)")
    assert ChainReport(1, 1).describe() == "audit trail intact: 1 row, last id 1"
    assert ChainReport(2, 2).describe() == "audit trail intact: 2 rows, last id 2"


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_the_anchor_follows_every_append_so_a_cut_copy_is_found_at_once(
    settings: Settings, register_map: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Review #4: the anchor moved only at start, every minute or at stop; rows cut off the end
    of a copy taken in between (triggers dropped, sqlite_sequence set back) verified 'intact'."""
    import os
    import sys
    import time

    from core.api import UserSession
    from core.cli import main
    from core.registers import RegisterMap
    from core.security.audit_anchor import AuditAnchor
    from core.security.permissions import Role
    from core.security.testing import login_as

    assert isinstance(register_map, RegisterMap)
    for key in [k for k in os.environ if k.startswith("BANDSAW_")]:
        monkeypatch.delenv(key)
    settings = _fast_engine(settings)
    path = database_path(settings.data_dir, "log")
    anchor = AuditAnchor(database_path(settings.data_dir, "users"))
    copy = tmp_path / "copy.db"

    def newest() -> int:
        return max((r.id for r in query_audit(path, limit=10_000)), default=0)

    async with _checked_engine(settings, register_map) as (engine, _):
        login_as(engine.access, "erin", Role.ENGINEER)
        erin = UserSession("erin", Role.ENGINEER)
        took = []
        for mode in ("ml", "manual", "ml", "manual"):
            before = newest()
            started = time.monotonic()
            engine.set_mode(erin, mode, reason="test")
            engine.access.trail.record(erin.user, "setting", "test.key", old=mode, new="x")  # one audited row at least

            def anchored(before: int = before) -> bool:
                if newest() <= before:
                    return False
                held = anchor.load()
                return held is not None and held.row_id == newest()

            await wait_until(anchored, what="the anchor at the newest row", within_s=30)
            took.append(time.monotonic() - started)
        assert sys.__stdout__ is not None
        sys.__stdout__.write(f"append -> anchor moved: {', '.join(f'{t * 1000:.0f} ms' for t in took)}\n")
        _copy(path, copy)
        last = max(r.id for r in query_audit(copy, limit=10_000))
        _tamper(copy, f"DELETE FROM audit WHERE id > {last - 2}",
                f"UPDATE sqlite_sequence SET seq = {last - 2} WHERE name = 'audit'")
        assert verify_file(copy).ok  # the chain alone sees nothing
        capsys.readouterr()
        assert main(["audit", "verify", "--file", str(copy), "--data-dir", str(settings.data_dir)]) == 1
        assert f"row {last}, checked before, is gone" in capsys.readouterr().out
