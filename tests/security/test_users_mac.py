"""users.db rows are tamper-evident: an HMAC per row and one over the set of names.

An attacker who can write the data directory (a sqlite3 shell on databases/) but has no admin
PIN: every way of editing users.db tried here ends in a refused login or command, the critical
``security.users_db`` alarm, and ``users list`` saying so - never in a laundered row.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from security_cli import Cli

from core.analysis.alarms import AlarmManager, Priority
from core.security.access import ALARM_USERS_DB, ALARM_USERS_LOSS, AccessControl, LoginFailed
from core.security.audit_query import AuditFilter, append_audit, query_audit
from core.security.passwords import FAST_PARAMS, hash_secret
from core.security.users import ROW_TAMPERED, LoginOutcome, UserError, UserStore

pytestmark = [pytest.mark.timeout(300)]


def users_db(cli: Cli) -> Path:
    return cli.data / "databases" / "users.db"


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def engine_access(cli: Cli) -> tuple[AccessControl, AlarmManager]:
    """What the engine's start does with users.db (AccessControl.check_store), with its alarms."""
    alarms = AlarmManager()
    access = AccessControl(UserStore(users_db(cli)), alarms=alarms)
    access.check_store()
    return access, alarms


def users_alarm(alarms: AlarmManager) -> str:
    alarm = alarms.get(ALARM_USERS_DB)
    assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
    return alarm.text


def test_an_operator_made_admin_with_sqlite_is_refused_and_raises_the_critical_alarm(plant: Cli) -> None:
    """The brief's repro: sqlite3 users.db "update users set role='admin' where name='otto'"."""
    cli = plant
    sql(users_db(cli), "UPDATE users SET role = 'admin' WHERE name = 'otto'")

    access, alarms = engine_access(cli)
    assert "otto" in users_alarm(alarms) and "changed outside the program" in users_alarm(alarms)
    with pytest.raises(LoginFailed, match="otto's entry in the users database was changed outside the program"):
        access.login("otto", "4321")
    assert access.sessions() == []
    # the command line: otto is no admin, the change is refused, nothing is laundered
    assert cli("users", "add", "eve", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    assert "refused: otto's entry in users.db was changed outside the program" in cli.err
    assert cli("users", "passwd", "otto", "--admin", "boss", stdin="98765\n5555\n") == 1  # no re-MAC by an admin
    assert "changed outside the program" in cli.err
    assert cli("users", "list") == 1
    rows = {line.split()[0]: line.split()[1:3] for line in cli.out.splitlines()[1:]
            if line.startswith(("boss", "otto"))}
    assert rows == {"boss": ["admin", "enabled"], "otto": ["admin", "TAMPERED"]}
    assert "users.db FAILS its integrity check: otto was changed outside the program" in cli.out
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1 and "integrity check" in cli.err
    # boss is untouched and still works; otto's failed attempts were not counted (nothing written)
    assert cli("users", "add", "ann", "--role", "engineer", "--admin", "boss", stdin="98765\n4321\n") == 0, cli.err
    otto = UserStore(users_db(cli)).get("otto")
    assert otto is not None and otto.failures == 0 and otto.problem == ROW_TAMPERED
    trail = query_audit(cli.data / "databases" / "log.db", AuditFilter(actions=("login_failed",)))
    assert any(row.user == "otto" and "changed outside the program" in row.detail for row in trail)


def test_putting_the_row_back_clears_the_alarm_at_the_next_check(plant: Cli) -> None:
    cli = plant
    sql(users_db(cli), "UPDATE users SET enabled = 0 WHERE name = 'boss'")
    access, alarms = engine_access(cli)
    users_alarm(alarms)
    sql(users_db(cli), "UPDATE users SET enabled = 1 WHERE name = 'boss'")
    assert access.check_store() == ""
    alarm = alarms.get(ALARM_USERS_DB)
    assert alarm is not None and not alarm.condition
    assert access.login("boss", "98765").user == "boss"


async def test_the_engines_minute_check_raises_and_clears_the_alarm(plant: Cli) -> None:
    cli = plant
    access, alarms = engine_access(cli)
    assert alarms.get(ALARM_USERS_DB) is None
    sql(users_db(cli), "UPDATE users SET role = 'admin' WHERE name = 'otto'")  # while the engine runs
    assert "otto" in await access.recheck_store()
    assert "otto" in users_alarm(alarms)
    sql(users_db(cli), "UPDATE users SET role = 'operator' WHERE name = 'otto'")
    assert await access.recheck_store() == ""
    alarm = alarms.get(ALARM_USERS_DB)
    assert alarm is not None and not alarm.condition


@pytest.mark.parametrize("attack", ["swap", "copy_mac", "reset_lockout", "new_row", "delete_admin"])
def test_edits_without_the_key_are_found(plant: Cli, attack: str) -> None:
    cli = plant
    path = users_db(cli)
    if attack == "swap":  # boss's role, PIN hash and MAC onto otto's row
        sql(path, "UPDATE users SET role = (SELECT role FROM users WHERE name = 'boss'),"
                  " secret = (SELECT secret FROM users WHERE name = 'boss'),"
                  " mac = (SELECT mac FROM users WHERE name = 'boss') WHERE name = 'otto'")
    elif attack == "copy_mac":  # otto made admin, with boss's (valid) MAC
        sql(path, "UPDATE users SET role = 'admin', mac = (SELECT mac FROM users WHERE name = 'boss')"
                  " WHERE name = 'otto'")
    elif attack == "reset_lockout":  # a counter: failures and lock-out are covered too
        sql(path, "UPDATE users SET failures = 7 WHERE name = 'otto'")
    elif attack == "new_row":  # an admin of one's own, with a real scrypt hash and some MAC
        secret = hash_secret("1111", FAST_PARAMS)
        sql(path, "INSERT INTO users (ts_ms, name, role, secret, enabled, changed_ms, mac) VALUES"
                  f" (1, 'eve', 'admin', '{secret}', 1, 1, (SELECT mac FROM users WHERE name = 'boss'))")
    else:  # every admin deleted: no "first run" for 'users init-admin' to use
        sql(path, "DELETE FROM users WHERE role = 'admin'")
    _, alarms = engine_access(cli)
    text = users_alarm(alarms)
    assert ("set of users was changed" in text) if attack == "delete_admin" else ("changed outside" in text)
    assert cli("users", "list") == 1 and "FAILS its integrity check" in cli.out
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1
    if attack == "new_row":
        assert cli("users", "add", "x1", "--role", "admin", "--admin", "eve", stdin="1111\n1234\n") == 1
    if attack in ("swap", "copy_mac"):
        assert cli("users", "add", "x1", "--role", "admin", "--admin", "otto", stdin="98765\n1234\n") == 1
        assert cli("users", "add", "x1", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    if attack == "delete_admin":  # and no credential-free restore either
        assert cli("backup") == 0
        assert cli("restore", "--latest") == 1
        assert "no admin passes its MAC" in cli.err or "set of users" in cli.err
    trail = [(r.user, r.action, r.target) for r in query_audit(cli.data / "databases" / "log.db", limit=1000)]
    assert ("mallory", "user_add", "accepted") not in [(u, a, r) for u, a, r in trail]


def _downgrade(path: Path) -> None:
    """users.db as the version before row protection left it (schema v2, no MACs)."""
    sql(path, "ALTER TABLE users DROP COLUMN mac", "DROP TABLE users_seal", "ALTER TABLE audit_anchor DROP COLUMN mac",
        "PRAGMA user_version = 2")


def test_a_users_db_from_before_is_sealed_once_and_never_again(plant: Cli) -> None:
    cli = plant
    path = users_db(cli)
    _downgrade(path)  # an installation upgraded from the previous version...
    log_db = cli.data / "databases" / "log.db"
    shutil.move(log_db, cli.data / "log-kept.db")  # ...whose trail never saw a users_sealed row
    for suffix in ("-wal", "-shm"):
        Path(f"{log_db}{suffix}").unlink(missing_ok=True)
    access, alarms = engine_access(cli)
    assert alarms.get(ALARM_USERS_DB) is None  # sealed at the start, audited
    assert access.store.integrity().ok
    assert access.login("otto", "4321").role.value == "operator"
    assert cli("users", "list") == 0, cli.out  # its context writes the trail's users_sealed row
    sealed = query_audit(log_db, AuditFilter(actions=("users_sealed",)))
    assert sealed and sealed[-1].result == "accepted"

    # Strip the MACs again (and make otto admin): the trail remembers the sealing: refused, alarm.
    _downgrade(path)
    sql(path, "UPDATE users SET role = 'admin' WHERE name = 'otto'")
    access, alarms = engine_access(cli)
    assert "sealed before" in users_alarm(alarms)
    with pytest.raises(LoginFailed):
        access.login("otto", "4321")
    assert access.store.attempt_login("otto", "4321", access.security.lockout_s).outcome is LoginOutcome.TAMPERED
    assert cli("users", "add", "x1", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    assert cli("users", "list") == 1 and "UNSEALED" in cli.out
    refused = query_audit(log_db, AuditFilter(actions=("users_sealed",), result="refused"))
    assert refused and "its MACs were removed" in refused[0].detail


def test_dropping_the_mac_column_alone_makes_the_file_unusable_not_open(plant: Cli) -> None:
    cli = plant
    sql(users_db(cli), "ALTER TABLE users DROP COLUMN mac", "UPDATE users SET role = 'admin' WHERE name = 'otto'")
    access, alarms = engine_access(cli)
    assert users_alarm(alarms)
    with pytest.raises(LoginFailed):
        access.login("otto", "4321")
    assert cli("users", "add", "x1", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1


def test_restore_with_users_refuses_a_backup_whose_users_db_was_edited(plant: Cli) -> None:
    cli = plant
    assert cli("backup") == 0, cli.err
    backup = next((cli.data / "databases" / "daily").iterdir())
    # The attacker edits the backup's users.db and fixes the manifest's sha256 and sizes to match.
    import gzip
    import hashlib
    import json

    packed = backup / "users.db.gz"
    plain = cli.data / "edit.db"
    plain.write_bytes(gzip.decompress(packed.read_bytes()))
    sql(plain, "UPDATE users SET role = 'admin' WHERE name = 'otto'")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["databases"]["users"].update(sha256=hashlib.sha256(packed.read_bytes()).hexdigest(),
                                          bytes=plain.stat().st_size, compressed_bytes=packed.stat().st_size)
    (backup / "manifest.json").write_text(json.dumps(manifest))
    assert cli("restore", str(backup), "--with-users", "--admin", "boss", stdin="98765\n") == 1
    assert "users.db: fails its MACs with this installation's key: otto was changed" in cli.err
    assert UserStore(users_db(cli)).get("otto").role.value == "operator"  # type: ignore[union-attr]


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a WAL database (SQLite's backup API), as a file copied off would be."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_an_older_users_db_put_back_is_found_by_the_audit_trail(plant: Cli) -> None:
    """Valid MACs, old contents: otto was admin an hour ago (that copy kept), then made operator
    (audited). The old copy put back is refused and raised; an admin's restore is not."""
    import time

    cli = plant
    path = users_db(cli)
    hour_ago = time.time() - 3600
    UserStore(path, clock=lambda: hour_ago).set_role("otto", "admin")  # the state an old copy holds
    _copy(path, cli.data / "old-users.db")
    assert cli("backup") == 0, cli.err  # a backup of that state
    old_backup = cli.out.split("backup written to ", 1)[1].split(" in ")[0]
    assert cli("users", "role", "otto", "operator", "--admin", "boss", stdin="98765\n") == 0, cli.err

    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cli.data / "old-users.db", path)  # the attacker puts the old copy back
    assert UserStore(path).integrity().ok  # every MAC is valid: it is a genuine, older file
    access, alarms = engine_access(cli)
    assert "otto is older than the audit trail (user_role at" in users_alarm(alarms)
    with pytest.raises(LoginFailed, match="otto's entry"):
        access.login("otto", "4321")
    assert access.login("boss", "98765").user == "boss"  # boss's row is as the trail says
    assert cli("users", "add", "x1", "--role", "admin", "--admin", "otto", stdin="4321\n1234\n") == 1
    assert "otto is older than the audit trail" in cli.err
    assert cli("users", "list") == 1 and "STALE" in cli.out

    # An admin who restores that older backup's users on purpose (authenticated, audited) is not
    # second-guessed: the restore is stamped in the MAC'd seal, the trail's older changes no longer count.
    assert cli("restore", old_backup, "--with-users", "--admin", "boss", stdin="98765\n") == 0, cli.err
    access, alarms = engine_access(cli)
    assert alarms.get(ALARM_USERS_DB) is None
    assert access.login("otto", "4321").role.value == "admin"
    assert cli("users", "list") == 0, cli.out


def test_a_deleted_users_db_opens_no_first_run(plant: Cli) -> None:
    """rm users.db: a new, empty (validly sealed) file. The trail still shows boss and otto, so
    neither 'init-admin' nor 'add --role admin' nor the HMI's first-run creates an admin, unless
    an installer accepts the loss (audited)."""
    cli = plant
    for path in (cli.data / "databases").glob("users.db*"):
        path.unlink()
    access, alarms = engine_access(cli)
    assert "boss is missing though the audit trail has user_add boss" in users_alarm(alarms)
    with pytest.raises(UserError, match="The audit trail shows users this users database does not have"):
        access.create_first_admin("mallory", "1234")  # the HMI's first-run dialog
    assert cli("users", "list") == 1  # said 'no users yet: run init-admin' (rc 0), which then refused
    assert "users.db was deleted or emptied" in cli.out and "--accept-lost-users" in cli.out
    assert "no users yet" not in cli.out
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1
    assert "users.db was deleted or emptied" in cli.err
    assert cli("users", "add", "mallory", "--role", "admin", stdin="1234\n") == 1
    assert UserStore(users_db(cli)).count() == 0
    assert cli("users", "init-admin", "ida", "--accept-lost-users", stdin="5678\n") == 0, cli.err
    trail = query_audit(cli.data / "databases" / "log.db", AuditFilter(actions=("users_loss_accepted",)))
    assert trail and "boss is missing" in trail[0].detail
    access, alarms = engine_access(cli)
    assert alarms.get(ALARM_USERS_DB) is None
    assert access.login("ida", "5678").role.value == "admin"


@pytest.mark.parametrize("attack", ["older_row", "strip_mac", "delete"])
async def test_the_audit_anchor_kept_in_users_db_is_mac_d_too(plant: Cli, attack: str) -> None:
    """Whoever re-chains log.db (sha256, no key) must also move the anchor: moved to an older row
    (with that row's real hash), stripped of its MAC or deleted, it is a broken trail (critical)."""
    from core.security.audit_anchor import AuditAnchor
    from core.security.audit_integrity import ALARM_TAMPERED, AuditIntegrity

    cli = plant
    log_db = cli.data / "databases" / "log.db"
    alarms = AlarmManager()
    watch = AuditIntegrity(log_db, alarms, anchor=AuditAnchor(users_db(cli)), anchor_period_s=None)
    assert (await watch.check()).ok and AuditAnchor(users_db(cli)).load() is not None
    first = sqlite3.connect(log_db).execute("SELECT hash FROM audit WHERE id = 1").fetchone()[0]
    if attack == "older_row":
        sql(users_db(cli), f"UPDATE audit_anchor SET row_id = 1, hash = '{first}'")
    elif attack == "strip_mac":
        sql(users_db(cli), "UPDATE audit_anchor SET mac = NULL")
    else:
        sql(users_db(cli), "DELETE FROM audit_anchor")
    report = await watch.check()
    assert not report.ok
    alarm = alarms.get(ALARM_TAMPERED)
    assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
    assert "audit anchor" in alarm.text
    assert cli("audit", "verify") == 1 and "BROKEN" in cli.out and "audit anchor" in cli.out


def test_the_first_admin_notes_the_sealing_in_the_trail_at_once(cli: Cli) -> None:
    """Right after 'init-admin' (no other command, no engine start yet): strip the MACs and the seal
    and add an admin of one's own - the trail already says the file was sealed: not sealed again."""
    assert cli("users", "init-admin", "boss", stdin="98765\n") == 0, cli.err
    path = users_db(cli)
    _downgrade(path)
    secret = hash_secret("1111", FAST_PARAMS)
    sql(path, f"INSERT INTO users (ts_ms, name, role, secret, enabled, changed_ms) VALUES (1, 'eve', 'admin', "
              f"'{secret}', 1, 1)")
    access, alarms = engine_access(cli)
    assert "sealed before" in users_alarm(alarms)
    with pytest.raises(LoginFailed):
        access.login("eve", "1111")


def test_lost_users_are_not_accepted_while_a_verified_backup_holds_them(plant: Cli) -> None:
    """rm users.db with a verified backup holding it: --accept-lost-users (no credential) is refused,
    naming the restore that works; --despite-backup goes ahead, audited, and the engine's next start
    raises a critical alarm (once: the start after it does not repeat it). Any acceptance alarms."""
    cli = plant
    assert cli("backup") == 0, cli.err
    for path in (cli.data / "databases").glob("users.db*"):
        path.unlink()
    assert cli("users", "list") == 1 and "bandsaw restore --latest --with-users" in cli.out
    assert cli("users", "init-admin", "mallory", "--accept-lost-users", stdin="1234\n") == 1
    assert "bandsaw restore --latest --with-users" in cli.err and "holds users.db" in cli.err
    assert UserStore(users_db(cli)).count() == 0
    assert cli("users", "init-admin", "ida", "--accept-lost-users", "--despite-backup", stdin="5678\n") == 0, cli.err
    trail = query_audit(cli.data / "databases" / "log.db", AuditFilter(actions=("users_loss_accepted",)))
    assert trail and "--despite-backup" in trail[0].detail
    log_db = cli.data / "databases" / "log.db"
    for start in range(2):  # the engine's start, its trail writing to log.db
        alarms = AlarmManager()
        access = AccessControl(UserStore(users_db(cli)), alarms=alarms,
                               audit=lambda record: append_audit(log_db, [record]))
        access.report_users_loss()
        alarm = alarms.get(ALARM_USERS_LOSS)
        if start == 0:
            assert alarm is not None and alarm.priority is Priority.CRITICAL and alarm.needs_attention
            assert "although a verified backup held it" in alarm.text
        else:
            assert alarm is None


def test_an_accepted_loss_of_users_alarms_at_the_next_start(plant: Cli) -> None:
    cli = plant
    for path in (cli.data / "databases").glob("users.db*"):
        path.unlink()
    assert cli("users", "init-admin", "ida", "--accept-lost-users", stdin="5678\n") == 0, cli.err
    access, alarms = engine_access(cli)
    assert "given up as lost by cli:" in access.report_users_loss()
    alarm = alarms.get(ALARM_USERS_LOSS)
    assert alarm is not None and alarm.priority is Priority.HIGH


def test_a_changed_installation_key_is_said_as_such(plant: Cli) -> None:
    """keys/model-signing.key regenerated (lost, or another installation's): every row fails its MAC;
    that is said as a changed key with what to do, not as rows "changed outside the program" to
    restore from a backup (whose users.db was sealed with the same old key)."""
    cli = plant
    key = cli.data / "keys" / "model-signing.key"
    key.write_bytes(bytes(range(32)))
    assert cli("users", "list") == 1
    assert "the installation key keys/model-signing.key changed or was lost" in cli.out
    assert "put the original keys/model-signing.key back" in cli.out and "restore users.db" not in cli.out
    _access, alarms = engine_access(cli)
    assert "keys/model-signing.key changed or was lost" in users_alarm(alarms)


def test_a_seal_from_before_key_fingerprints_gets_one(plant: Cli) -> None:
    cli = plant
    sql(users_db(cli), "UPDATE users_seal SET key_id = NULL")
    engine_access(cli)  # the start's check: MACs pass, the fingerprint is noted
    (cli.data / "keys" / "model-signing.key").write_bytes(bytes(range(32)))
    _access, alarms = engine_access(cli)
    assert "keys/model-signing.key changed or was lost" in users_alarm(alarms)


def test_putting_back_an_older_users_db_does_not_reset_the_lock_out(plant: Cli, tmp_path: Path) -> None:
    """PIN guessing through the command line (~1.15 s a try): users.db's failure counter reset by
    putting back a copy taken before; the audit trail still counts the failures in a row."""
    cli = plant
    kept = tmp_path / "users-kept.db"
    _copy(users_db(cli), kept)
    for _ in range(3):  # lockout_after_failures: 3 -> locked for 30 s
        assert cli("users", "disable", "otto", "--admin", "boss", stdin="11111\n") == 1
    assert cli("users", "disable", "otto", "--admin", "boss", stdin="98765\n") == 1
    assert "too many failed attempts" in cli.err
    for path in (cli.data / "databases").glob("users.db*"):
        path.unlink()
    _copy(kept, users_db(cli))  # the counter back at 0
    assert UserStore(users_db(cli)).get("boss").failures == 0  # type: ignore[union-attr]
    assert cli("users", "disable", "otto", "--admin", "boss", stdin="98765\n") == 1
    assert "too many failed attempts" in cli.err
    refused = query_audit(cli.data / "databases" / "log.db", AuditFilter(actions=("login_failed",)))
    assert "counted in the audit trail" in refused[0].detail
