"""``bandsaw audit verify``: check the audit trail's hash chain; name the first broken row.

Exit 0 when the chain is intact, 1 when it is broken or cannot be read (the first broken
row, its time, user, action and target on stdout), 2 on bad usage. Reads log.db read-only:
safe while the engine runs.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.cli import EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args
from core.security.access import users_db_path
from core.security.audit_anchor import AuditAnchor
from core.security.audit_chain import open_read_only, verify_file
from core.security.audit_missing import standing_loss


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit trail: verify its hash chain")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="verify the hash chain; report the first broken row (exit 1)")
    add_config_arguments(verify)
    verify.add_argument("--file", default=None, metavar="LOG_DB", help="a log.db to check (default: the data dir's)")
    verify.set_defaults(handler=_cmd_verify)


def _cmd_verify(args: argparse.Namespace) -> int:
    from core.storage.sqlite_open import database_path  # storage sits above security

    anchor = None
    settings, _ = load_from_args(args)
    path = Path(args.file) if args.file else database_path(settings.data_dir, "log")
    if not args.file:
        lost = standing_loss(path.parent)
        if lost:
            print(f"audit trail MISSING: {lost}")
            return EXIT_FAILURE
    users_db = users_db_path(settings.data_dir)
    if users_db.exists():  # where the trail stood at the engine's last good check (or last append)
        try:
            anchor = AuditAnchor(users_db).load()
        except Exception as exc:
            print(f"bandsaw: the audit anchor in {users_db} is unreadable ({exc}): checking the chain alone")
    if anchor is not None and args.file and verify_file(path).first_hash != anchor.first_hash:
        anchor = None  # a copy of another trail: this installation's anchor does not apply to it
    report = verify_file(path, anchor)
    print(report.describe())
    if report.ok:
        return EXIT_OK
    for found in report.breaks[:10]:
        print(f"  {found.describe()}" + _row_text(path, found.row_id))
    if len(report.breaks) > 10:
        print(f"  ... and {len(report.breaks) - 10} more")
    return EXIT_FAILURE


def _row_text(path: Path, row_id: int) -> str:
    """``(time, user, action, target)`` of a row, to find it in the Audit page."""
    if not row_id:
        return ""
    try:
        conn = open_read_only(path)
        try:
            row = conn.execute("SELECT ts_ms, user, action, target FROM audit WHERE id = ?", (row_id,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return ""
    if row is None:
        return ""
    try:
        when = datetime.fromtimestamp(int(row[0]) / 1000, UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        when = repr(row[0])
    return f" [{when} {row[1]} {row[2]} {row[3]}]"

