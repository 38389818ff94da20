"""``bandsaw users`` as a subprocess, the PIN on standard input; exit codes 0/1/2; audited."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from core.security.audit_query import query_audit
from core.security.users import UserStore

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]


def bandsaw(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDSAW_")}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "users", *args, "--data-dir", str(data_dir)],
        input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120, check=False,
    )


def test_users_commands_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    listed = bandsaw(data, "list")
    assert listed.returncode == 0 and "init-admin" in listed.stdout

    first = bandsaw(data, "add", "otto", "--role", "operator", stdin="4321\n")
    assert first.returncode == 1 and "first user must be an admin" in first.stderr

    init = bandsaw(data, "init-admin", "boss", stdin="98765\n")
    assert init.returncode == 0, init.stderr
    again = bandsaw(data, "init-admin", stdin="98765\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    upgrade = bandsaw(data, "init-admin", "--if-needed")  # the installer on an upgrade: no prompt
    assert upgrade.returncode == 0 and "nothing to do" in upgrade.stdout

    assert bandsaw(data, "add", "otto", "--role", "operator", stdin="4321\n").returncode == 0
    assert bandsaw(data, "add", "erin", "--role", "engineer", stdin="4321\n").returncode == 0
    assert bandsaw(data, "add", "erin", "--role", "engineer", stdin="4321\n").returncode == 1  # exists
    assert bandsaw(data, "add", "shorty", "--role", "operator", stdin="12\n").returncode == 1  # too short
    assert bandsaw(data, "add", "nopin", "--role", "operator", stdin="").returncode == 1
    assert bandsaw(data, "add", "Bad Name", "--role", "operator", stdin="4321\n").returncode == 2
    assert bandsaw(data, "add", "x1", "--role", "king", stdin="4321\n").returncode == 2
    assert bandsaw(data, "add", "x1").returncode == 2  # --role missing

    assert bandsaw(data, "passwd", "otto", stdin="5555\n").returncode == 0
    assert bandsaw(data, "passwd", "nobody", stdin="5555\n").returncode == 1
    assert bandsaw(data, "disable", "boss").returncode == 1  # the last admin stays
    assert bandsaw(data, "disable", "erin").returncode == 0
    out = bandsaw(data, "list")
    lines = {line.split()[0]: line.split()[1:3] for line in out.stdout.splitlines()[1:]}
    assert lines == {"boss": ["admin", "enabled"], "erin": ["engineer", "disabled"], "otto": ["operator", "enabled"]}
    assert bandsaw(data, "enable", "erin").returncode == 0

    store = UserStore(data / "databases" / "users.db")
    assert store.verify("otto", "5555") is not None and store.verify("otto", "4321") is None
    otto, erin = store.stored_secret("otto"), store.stored_secret("erin")
    assert otto and erin and "5555" not in otto and otto != erin

    rows = list(reversed(query_audit(data / "databases" / "log.db")))
    actions = [(r.action, r.target, r.result) for r in rows]
    assert actions[:3] == [("user_add", "boss", "accepted"), ("user_add", "otto", "accepted"),
                           ("user_add", "erin", "accepted")]
    assert ("user_passwd", "otto", "accepted") in actions
    assert ("user_disable", "boss", "refused") in actions
    assert ("user_disable", "erin", "accepted") in actions and ("user_enable", "erin", "accepted") in actions
    assert all(r.user.startswith("cli:") for r in rows)
    assert not any(pin in f"{r.detail}{r.old_value}{r.new_value}" for r in rows for pin in ("4321", "5555", "98765"))


def test_a_damaged_users_database_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "databases").mkdir(parents=True)
    (data / "databases" / "users.db").write_bytes(b"not sqlite at all" * 64)
    result = bandsaw(data, "list")
    assert result.returncode == 1 and "users database" in result.stderr and "Traceback" not in result.stderr
