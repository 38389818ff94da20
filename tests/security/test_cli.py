"""``bandsaw users`` and ``bandsaw audit verify``: an admin's name and PIN for every change; audited.

Most commands run in-process (``core.cli.main`` with a piped stdin: the same code path as a
pipe from a shell, without an interpreter start per command on a loaded machine); one test
runs the real ``python -m core.cli`` as a subprocess.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from security_cli import Cli

from core.config import PROJECT_ROOT, Synchronous
from core.security.audit_anchor import AuditAnchor
from core.security.audit_chain import verify_file
from core.security.audit_query import query_audit
from core.security.users import UserStore

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture
def boss(cli: Cli) -> Cli:
    """A data dir with the first admin ``boss`` (PIN 98765)."""
    assert cli("users", "init-admin", "boss", stdin="98765\n") == 0, cli.err
    return cli


def test_first_admin_needs_no_credentials_and_only_once(cli: Cli) -> None:
    assert cli("users", "list") == 0 and "init-admin" in cli.out
    assert cli("users", "add", "otto", "--role", "operator", stdin="4321\n") == 1
    assert "first user must be an admin" in cli.err
    assert cli("users", "init-admin", "boss", stdin="98765\n") == 0, cli.err
    assert cli("users", "init-admin", stdin="98765\n") == 1 and "exists already" in cli.err
    assert cli("users", "init-admin", "--if-needed") == 0 and "nothing to do" in cli.out
    # the first admin's creation notes in the trail that users.db's rows carry MACs (once)
    assert cli.audit() == [("cli:" + _os_user(), "users_sealed", "users.db", "accepted"),
                           ("cli:" + _os_user(), "user_add", "boss", "accepted")]


def test_every_change_asks_an_admin_and_is_audited_under_that_admin(boss: Cli) -> None:
    cli = boss
    # piped: the admin's name (no --admin), the admin's PIN, then the new user's PIN
    assert cli("users", "add", "otto", "--role", "operator", stdin="boss\n98765\n4321\n") == 0, cli.err
    assert cli("users", "add", "erin", "--role", "engineer", "--admin", "boss", stdin="98765\n4321\n") == 0
    assert cli("users", "add", "erin", "--role", "engineer", "--admin", "boss", stdin="98765\n4321\n") == 1
    assert cli("users", "add", "shorty", "--role", "operator", "--admin", "boss", stdin="98765\n12\n") == 1
    assert cli("users", "add", "nopin", "--role", "operator", "--admin", "boss", stdin="98765\n") == 1
    assert cli("users", "add", "Bad Name", "--role", "operator", stdin="boss\n98765\n4321\n") == 2
    assert cli("users", "add", "x1", "--role", "king") == 2
    assert cli("users", "add", "x1") == 2  # --role missing

    assert cli("users", "passwd", "otto", "--admin", "boss", stdin="98765\n5555\n") == 0
    assert cli("users", "passwd", "nobody", "--admin", "boss", stdin="98765\n5555\n") == 1
    assert cli("users", "disable", "boss", "--admin", "boss", stdin="98765\n") == 1  # the last admin stays
    assert cli("users", "disable", "erin", "--admin", "boss", stdin="98765\n") == 0
    assert cli("users", "list") == 0
    lines = {line.split()[0]: line.split()[1:3] for line in cli.out.splitlines()[1:]}
    assert lines == {"boss": ["admin", "enabled"], "erin": ["engineer", "disabled"], "otto": ["operator", "enabled"]}
    assert cli("users", "enable", "erin", "--admin", "boss", stdin="98765\n") == 0

    # role changes, and the last admin keeps admin
    assert cli("users", "role", "erin", "admin", "--admin", "boss", stdin="98765\n") == 0
    assert "erin is now admin (was engineer)" in cli.out
    assert cli("users", "role", "boss", "operator", "--admin", "erin", stdin="4321\n") == 0
    assert cli("users", "role", "erin", "engineer", "--admin", "erin", stdin="4321\n") == 1
    assert "last enabled admin" in cli.err
    assert cli("users", "role", "otto", "superuser", "--admin", "erin", stdin="4321\n") == 2

    store = UserStore(cli.data / "databases" / "users.db")
    assert store.verify("otto", "5555") is not None and store.verify("otto", "4321") is None
    assert {u.name: u.role.value for u in store.list()} == {"boss": "operator", "erin": "admin", "otto": "operator"}
    otto, erin = store.stored_secret("otto"), store.stored_secret("erin")
    assert otto and erin and "5555" not in otto and otto != erin

    trail = cli.audit()
    changes = [row for row in trail if row[1].startswith("user_")]
    assert ("boss", "user_add", "otto", "accepted") in changes and ("boss", "user_add", "erin", "accepted") in changes
    assert ("boss", "user_passwd", "otto", "accepted") in changes
    assert ("boss", "user_disable", "boss", "refused") in changes
    assert ("boss", "user_disable", "erin", "accepted") in changes
    assert ("boss", "user_enable", "erin", "accepted") in changes
    assert ("boss", "user_role", "erin", "accepted") in changes and ("erin", "user_role", "boss", "accepted") in changes
    assert ("erin", "user_role", "erin", "refused") in changes
    assert all(not user.startswith("cli:") for user, *_ in changes[1:])  # only the first admin is by the os user
    assert ("boss", "login", "cli", "accepted") in trail
    rows = query_audit(cli.data / "databases" / "log.db", limit=10_000)
    assert not any(pin in f"{r.detail}{r.old_value}{r.new_value}" for r in rows for pin in ("4321", "5555", "98765"))


def test_without_a_right_admin_pin_nothing_changes(boss: Cli) -> None:
    cli = boss
    assert cli("users", "add", "otto", "--role", "operator", "--admin", "boss", stdin="98765\n4321\n") == 0
    cases = [
        ("users", "add", "mallory", "--role", "admin", "--admin", "boss", "11111\n1234\n"),  # wrong PIN
        ("users", "add", "mallory", "--role", "admin", "--admin", "otto", "4321\n1234\n"),  # not an admin
        ("users", "add", "mallory", "--role", "admin", "--admin", "nobody", "4321\n1234\n"),  # no such user
        ("users", "passwd", "boss", "--admin", "otto", "4321\n0000\n"),
        ("users", "role", "otto", "admin", "--admin", "otto", "4321\n"),
        ("users", "disable", "boss", "", ""),  # nothing on stdin: no admin name
    ]
    for *args, stdin in cases:
        assert cli(*[a for a in args if a], stdin=stdin) == 1, args
    store = UserStore(cli.data / "databases" / "users.db")
    assert store.get("mallory") is None and store.get("otto").role.value == "operator"  # type: ignore[union-attr]
    assert store.verify("boss", "98765") is not None
    refused = [row for row in cli.audit() if row[1] == "login_failed"]
    assert [row[0] for row in refused] == ["boss", "otto", "nobody", "otto", "otto"]
    # Wrong PINs on the command line count towards the lock-out like at the HMI.
    for _ in range(3):
        cli("users", "passwd", "otto", "--admin", "boss", stdin="00000\n1111\n")
    assert cli("users", "passwd", "otto", "--admin", "boss", stdin="98765\n1111\n") == 1
    assert "try again in" in cli.err


def test_audit_verify_reports_the_first_broken_row(boss: Cli) -> None:
    cli = boss
    for name in ("anna", "bert", "cleo"):
        assert cli("users", "add", name, "--role", "operator", "--admin", "boss", stdin="98765\n4321\n") == 0
    assert cli("audit", "verify") == 0 and "intact" in cli.out
    log_db = cli.data / "databases" / "log.db"
    conn = sqlite3.connect(log_db)
    conn.execute("DROP TRIGGER audit_no_update")  # what the issue did: drop the trigger, rewrite a row
    target = conn.execute("SELECT id FROM audit WHERE action = 'user_add' AND target = 'bert'").fetchone()[0]
    conn.execute("UPDATE audit SET user = 'somebody' WHERE id = ?", (target,))
    conn.commit()
    conn.close()
    assert cli("audit", "verify") == 1
    assert f"BROKEN at row {target}" in cli.out and "somebody user_add bert" in cli.out


def test_damaged_users_database_is_one_clear_line_in_a_real_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "databases").mkdir(parents=True)
    (data / "databases" / "users.db").write_bytes(b"not sqlite at all" * 64)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDSAW_")}
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "users", "list", "--data-dir", str(data)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120, check=False,
    )
    assert result.returncode == 1 and "users database" in result.stderr and "Traceback" not in result.stderr


def _os_user() -> str:
    from core.security.cli_audit import os_user

    return os_user()


def test_backup_restore_archive_export_on_the_command_line_are_audited(boss: Cli, tmp_path: Path) -> None:
    from core.storage.schema import DATABASES
    from core.storage.sqlite_open import database_path, open_writer

    cli = boss
    for db in DATABASES:
        conn, _ = open_writer(db, database_path(cli.data, db), Synchronous.NORMAL)
        conn.close()
    assert cli("backup") == 0, cli.err
    backup = next(line.split(" to ", 1)[1].split(" in ")[0] for line in cli.out.splitlines() if "written to" in line)
    out = tmp_path / "alarms.csv"
    assert cli("export", "--what", "alarms", "--out", str(out)) == 0, cli.err
    assert cli("archive") == 0, cli.err
    assert cli("restore", "20990101T000000Z") == 1  # no such backup: refused before anything is audited
    anchor = AuditAnchor(cli.data / "databases" / "users.db")
    anchor.save(verify_file(cli.data / "databases" / "log.db"))
    assert cli("audit", "verify") == 0
    assert cli("restore", backup) == 1 and "admin's name is needed" in cli.err  # no admin, no restore
    assert cli("restore", backup, "--admin", "boss", stdin="98765\n") == 0, cli.err
    me = "cli:" + _os_user()
    trail = cli.audit()
    # The live trail goes on (never rolled back), with the restore under the admin who asked for it.
    assert trail[-1][:2] == ("boss", "restore_backup") and trail[-1][3] == "accepted"
    assert (me, "backup", "accepted") in [(u, a, r) for u, a, _, r in trail]
    assert (me, "export", "accepted") in [(u, a, r) for u, a, _, r in trail]
    assert (me, "archive", "accepted") in [(u, a, r) for u, a, _, r in trail]
    assert cli("audit", "verify") == 0, cli.out  # the anchor still holds: the same trail, longer
    assert not list((cli.data / "databases").glob("log.before-restore-*.db"))


def test_restore_needs_a_current_admin_and_rolls_back_neither_users_nor_the_trail(cli: Cli) -> None:
    """The reviewer's repro: a backup from before the first admin must not undo the admins since."""
    from core.storage.schema import DATABASES
    from core.storage.sqlite_open import database_path, open_writer

    for db in DATABASES:  # what the engine's first start leaves
        conn, _ = open_writer(db, database_path(cli.data, db), Synchronous.NORMAL)
        conn.close()
    assert cli("backup") == 0, cli.err
    backup = next(line.split(" to ", 1)[1].split(" in ")[0] for line in cli.out.splitlines() if "written to" in line)
    assert cli("users", "init-admin", "boss", stdin="98765\n") == 0, cli.err
    assert cli("users", "add", "ann", "--role", "engineer", "--admin", "boss", stdin="98765\n4321\n") == 0
    assert cli("restore", backup) == 1  # no credentials
    assert cli("restore", backup, "--admin", "ann", stdin="4321\n") == 1 and "not an admin" in cli.err
    assert cli("restore", backup, "--admin", "boss", stdin="11111\n") == 1
    assert cli("restore", backup, "--admin", "boss", stdin="98765\n") == 0, cli.err
    assert cli("users", "list") == 0 and "boss" in cli.out and "ann" in cli.out
    assert cli("users", "init-admin", "mallory", stdin="1234\n") == 1
    assert cli("audit", "verify") == 0, cli.out
    trail = cli.audit()
    assert ("boss", "user_add", "ann", "accepted") in trail
    assert ("ann", "login_failed", "cli", "refused") in trail
    assert [row[:2] for row in trail[-2:]] == [("boss", "login"), ("boss", "restore_backup")]
    # Asked for explicitly, users.db would come back too (audited as such); this backup has none: kept.
    assert cli("restore", backup, "--with-users", "--admin", "boss", stdin="98765\n") == 0, cli.err
    assert cli.audit()[-1][:2] == ("boss", "restore_backup_with_users")
    assert cli("audit", "verify") == 0, cli.out


def test_a_truncated_users_database_is_one_clear_line_and_a_critical_alarm(boss: Cli) -> None:
    """Review #3: users.db cut to half its size: 'users list' exit 1 with one clear line; the
    engine's start check raises the critical users alarm (before, only warnings at logins)."""
    from core.analysis.alarms import AlarmManager, Priority
    from core.security.access import ALARM_USERS_DB, AccessControl

    cli = boss
    for i in range(12):  # enough rows for more than one page
        assert cli("users", "add", f"op{i}", "--role", "operator", "--admin", "boss", stdin="98765\n4321\n") == 0
    users_db = cli.data / "databases" / "users.db"
    with open(users_db, "r+b") as handle:
        handle.truncate(users_db.stat().st_size // 2)
    assert cli("users", "list") == 1
    lines = cli.err.strip().splitlines()
    assert len(lines) == 1 and "restore it from a backup" in lines[0] and "Traceback" not in cli.err, cli.err
    assert cli("restore", "--latest") == 1  # (no backup here; refused either way)
    alarms = AlarmManager()
    access = AccessControl(UserStore(users_db), alarms=alarms)
    assert access.check_store()
    alarm = alarms.get(ALARM_USERS_DB)
    assert alarm is not None and alarm.condition and alarm.priority is Priority.CRITICAL
