"""A missing audit trail: the finding survives its marker's deletion, and only an admin lifts it.

``bandsaw audit accept-missing --reason TEXT`` (an admin's name and PIN) records who accepted the
loss and why, signed with the installation key; the critical alarm clears at the next check. A
deleted marker, a marker edited to say "accepted" and an acceptance row appended to the trail by
hand (with a correct chain hash) all leave the finding standing. The engine's start is played
here step by step (note_at_start, log.db opened, record_finding, the integrity check), as
core.engine.Engine.start does it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from security_cli import Cli

from core.analysis.alarms import AlarmManager, Priority
from core.config import Synchronous
from core.security.audit import AuditRecord, AuditResult
from core.security.audit_integrity import ALARM_TAMPERED, AuditIntegrity
from core.security.audit_missing import MARKER_NAME, note_at_start, record_finding, standing_loss
from core.security.audit_query import AuditFilter, append_audit, query_audit
from core.security.trail import AuditTrail
from core.storage.sqlite_open import open_writer

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture
def lost(plant: Cli) -> Cli:
    """boss (admin) and otto (operator); recorded data in raw.db; then log.db deleted."""
    cli = plant
    databases = cli.data / "databases"
    (databases / "ledger.json").write_text('{"databases": {}}')  # an engine ran here
    conn = sqlite3.connect(databases / "raw.db")
    conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, v REAL)")
    conn.execute("INSERT INTO samples (v) VALUES (1.0)")
    conn.commit()
    conn.close()
    for path in databases.glob("log.db*"):
        path.unlink()
    return cli


def engine_start(data: Path) -> tuple[str, AuditIntegrity, AlarmManager]:
    """What Engine.start does about a missing trail, with log.db's writer as the trail's sink."""
    databases = data / "databases"
    log_db = databases / "log.db"
    found = note_at_start(databases)
    conn, _ = open_writer("log", log_db, Synchronous.NORMAL)
    conn.close()
    record_finding(AuditTrail(lambda record: append_audit(log_db, [record])), databases, found)
    alarms = AlarmManager()
    return found, AuditIntegrity(log_db, alarms, anchor_period_s=None), alarms


def alarm_on(alarms: AlarmManager) -> bool:
    alarm = alarms.get(ALARM_TAMPERED)
    if alarm is not None and alarm.condition:
        assert alarm.priority is Priority.CRITICAL
        return True
    return False


async def test_the_finding_outlives_its_marker_and_only_an_admin_accepts_it(lost: Cli) -> None:
    cli = lost
    databases = cli.data / "databases"
    found, watch, alarms = engine_start(cli.data)
    assert found and "log.db" in found
    await watch.check()
    assert alarm_on(alarms)
    finding = query_audit(databases / "log.db", AuditFilter(actions=("audit_missing",)))
    assert len(finding) == 1 and finding[0].user == "engine"

    # The attacker (data directory, no PIN) deletes the marker: the trail still says it.
    (databases / MARKER_NAME).unlink()
    assert "not accepted yet" in standing_loss(databases)
    await watch.check()
    assert alarm_on(alarms)
    again, _, _ = engine_start(cli.data)  # a restart neither hides it nor records it twice
    assert again and len(query_audit(databases / "log.db", AuditFilter(actions=("audit_missing",)))) == 1
    assert cli("audit", "verify") == 1 and "MISSING" in cli.out
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1

    # ...writes a marker saying "accepted", and appends an acceptance row with a correct chain hash.
    (databases / MARKER_NAME).write_text(json.dumps({"detail": found, "accepted_by": "boss", "ref": "row:1",
                                                     "mac": "hmac-sha256:" + "0" * 64}))
    assert standing_loss(databases)
    (databases / MARKER_NAME).unlink()
    forged = f"{found}; reason: fine [row:{finding[0].id} hmac-sha256:{'ab' * 32}]"
    append_audit(databases / "log.db", [AuditRecord(1, "boss", "audit_loss_accepted", "log.db", None, None,
                                                    AuditResult.ACCEPTED, forged)])
    assert standing_loss(databases)
    await watch.check()
    assert alarm_on(alarms)

    # Refused: a reason is required, an operator is no admin, a wrong PIN is wrong.
    assert cli("audit", "accept-missing", "--admin", "boss", stdin="98765\n") == 2
    assert cli("audit", "accept-missing", "--reason", "  ", "--admin", "boss", stdin="98765\n") == 2
    assert cli("audit", "accept-missing", "--reason", "x", "--admin", "otto", stdin="4321\n") == 1
    assert "not an admin" in cli.err
    assert cli("audit", "accept-missing", "--reason", "x", "--admin", "boss", stdin="11111\n") == 1
    assert standing_loss(databases)

    reason = "disk replaced on 2 Dec; the old log.db is lost (ticket 4711)"
    assert cli("audit", "accept-missing", "--reason", reason, "--admin", "boss", stdin="98765\n") == 0, cli.err
    assert "accepted by boss" in cli.out
    assert standing_loss(databases) == ""
    await watch.recheck_loss()  # the engine's minute loop: the alarm clears without a restart
    assert not alarm_on(alarms)
    accepted = query_audit(databases / "log.db", AuditFilter(actions=("audit_loss_accepted",), result="accepted"))
    assert accepted[0].user == "boss" and reason in accepted[0].detail
    assert cli("audit", "verify") == 0, cli.out
    assert cli("audit", "accept-missing", "--reason", "again", "--admin", "boss", stdin="98765\n") == 0
    assert "nothing to accept" in cli.out
    restarted, watch, alarms = engine_start(cli.data)
    await watch.check()
    assert restarted == "" and not alarm_on(alarms)


async def test_an_acceptance_before_the_next_start_covers_that_start(lost: Cli) -> None:
    cli = lost
    databases = cli.data / "databases"
    assert standing_loss(databases)  # the files show it (the engine has not run since)
    assert cli("audit", "accept-missing", "--reason", "restored PC", "--admin", "boss", stdin="98765\n") == 0, cli.err
    marker = json.loads((databases / MARKER_NAME).read_text())
    assert marker["accepted_by"] == "boss" and marker["mac"].startswith("hmac-sha256:")
    found, watch, alarms = engine_start(cli.data)
    await watch.check()
    assert found == "" and not alarm_on(alarms) and not (databases / MARKER_NAME).exists()


async def test_an_accepted_marker_needs_its_row_in_the_trail(lost: Cli) -> None:
    """A valid acceptance marker kept from an earlier loss does not cover a later one."""
    cli = lost
    databases = cli.data / "databases"
    assert cli("audit", "accept-missing", "--reason", "first loss", "--admin", "boss", stdin="98765\n") == 0
    kept = (databases / MARKER_NAME).read_text()
    engine_start(cli.data)  # consumed
    for path in databases.glob("log.db*"):  # the trail deleted again; the old marker put back
        path.unlink()
    (databases / MARKER_NAME).write_text(kept)
    assert "not one this installation made" in standing_loss(databases)
    found, watch, alarms = engine_start(cli.data)
    await watch.check()
    assert found and alarm_on(alarms)


def _downgrade(path: Path) -> None:
    """users.db's MACs and seal dropped (as the version before row protection left it)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in ("ALTER TABLE users DROP COLUMN mac", "DROP TABLE users_seal",
                          "ALTER TABLE audit_anchor DROP COLUMN mac", "PRAGMA user_version = 2",
                          "UPDATE users SET role = 'admin' WHERE name = 'otto'"):
            conn.execute(statement)
    finally:
        conn.close()


@pytest.mark.parametrize("command", [("users", "list"), ("backup",)])
def test_any_command_that_opens_the_trail_keeps_the_finding(lost: Cli, command: tuple[str, ...]) -> None:
    """log.db deleted, then an ordinary command (which writes its row, creating log.db): the loss is
    kept in the new trail, not hidden by it; user changes and the users_sealed migration refuse."""
    cli = lost
    databases = cli.data / "databases"
    code = cli(*command)
    assert (databases / "log.db").exists()
    if command == ("users", "list"):
        assert code == 1 and "audit trail MISSING" in cli.out and "accept-missing" in cli.out
    (databases / MARKER_NAME).unlink()  # deleting the marker hides nothing: the trail holds the finding
    finding = query_audit(databases / "log.db", AuditFilter(actions=("audit_missing",)))
    assert finding and "log.db missing" in finding[0].detail
    assert cli("audit", "verify") == 1 and "MISSING" in cli.out
    assert "bandsaw audit accept-missing --reason" in cli.out and "not accepted yet" in cli.out

    _downgrade(databases / "users.db")  # MACs stripped, otto made admin: the migration must not seal it
    assert cli("users", "add", "evil", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    assert "audit trail is missing" in cli.err
    refused = query_audit(databases / "log.db", AuditFilter(actions=("users_sealed",), result="refused"))
    assert refused and "its MACs were removed" in refused[0].detail
    assert cli("users", "list") == 1 and "UNSEALED" in cli.out  # the forged rows were not sealed
    names = [u for u, a, _t, r in cli.audit() if a == "user_add" and r == "accepted"]
    assert "evil" not in names


def test_users_are_not_sealed_beside_data_older_than_the_trail(lost: Cli) -> None:
    """A trail with no row beside recorded data (made again after a deletion, its finding
    accepted) cannot vouch that users.db was never sealed: its stripped MACs are not given back."""
    cli = lost
    databases = cli.data / "databases"
    assert cli("audit", "accept-missing", "--reason", "new disk", "--admin", "boss", stdin="98765\n") == 0, cli.err
    assert "not accepted" not in cli.out
    engine_start(cli.data)
    assert standing_loss(databases) == ""
    _downgrade(databases / "users.db")
    assert cli("users", "list") == 1 and "UNSEALED" in cli.out
    refused = query_audit(databases / "log.db", AuditFilter(actions=("users_sealed",), result="refused"))
    assert refused and "found missing once" in refused[0].detail
