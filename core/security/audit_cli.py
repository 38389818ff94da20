"""``bandsaw audit verify``: check the audit trail's hash chain; name the first broken row.
``bandsaw audit accept-missing --reason TEXT``: an admin accepts a missing trail (the finding of
core.security.audit_missing), so its critical alarm clears at the engine's next check.

verify: exit 0 when the chain is intact, 1 when it is broken, missing or cannot be read (the first
broken row, its time, user, action and target on stdout), 2 on bad usage. Reads log.db read-only:
safe while the engine runs. accept-missing: an admin's name (``--admin`` or asked) and PIN, read as
by ``bandsaw users``; audited (``audit_loss_accepted``, the reason, signed with the installation
key); exit 0 accepted or nothing to accept, 1 refused.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args
from core.security.access import users_db_path
from core.security.audit_anchor import AnchorTampered, AuditAnchor
from core.security.audit_chain import open_read_only, verify_file
from core.security.audit_missing import note_in_cli, standing_loss


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit trail: verify its hash chain; accept a missing one (admin)")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="verify the hash chain; report the first broken row (exit 1)")
    add_config_arguments(verify)
    verify.add_argument("--file", default=None, metavar="LOG_DB", help="a log.db to check (default: the data dir's)")
    verify.set_defaults(handler=_cmd_verify)
    accept = actions.add_parser(
        "accept-missing", help="an admin accepts that the audit trail was found missing (clears the critical alarm)")
    add_config_arguments(accept)
    accept.add_argument("--reason", required=True, help="why the loss is accepted (kept in the audit trail)")
    accept.add_argument("--admin", default=None, metavar="NAME",
                        help="the admin who accepts it (asked when not given); the PIN is always asked")
    accept.set_defaults(handler=_cmd_accept_missing)


def _cmd_accept_missing(args: argparse.Namespace) -> int:
    from core.security.access import AccessControl
    from core.security.audit import AuditRecord, AuditResult
    from core.security.audit_missing import accept_loss
    from core.security.cli_admin import authenticate_admin
    from core.security.cli_audit import append_records, cli_actor, os_user
    from core.security.users import UserStoreError
    from core.storage.sqlite_open import database_path  # storage sits above security

    settings, _ = load_from_args(args)
    reason = " ".join(str(args.reason).split())
    if not reason:
        print("bandsaw: --reason must say why the loss is accepted", file=sys.stderr)
        return EXIT_CONFIG
    databases = database_path(settings.data_dir, "log").parent
    lost = standing_loss(databases)
    if not lost:
        print("no missing audit trail stands: nothing to accept")
        return EXIT_OK
    records: list[AuditRecord] = []
    access = AccessControl.from_settings(settings, audit=records.append)
    via = f"command line, os user {os_user()}"
    try:
        if not access.store.path.exists() or not access.store.has_admin():
            access.trail.record(cli_actor(), "audit_loss_accepted", "log.db", result=AuditResult.REFUSED,
                                detail=f"no admin exists to accept it; {via}")
            _append(append_records, settings, records)
            print("bandsaw: no admin exists: an installer accepts the loss while creating the first admin "
                  "('bandsaw users init-admin --accept-lost-trail')", file=sys.stderr)
            return EXIT_FAILURE
        admin = authenticate_admin(access, args.admin, purpose="audit_loss_accepted log.db")
    except UserStoreError as exc:
        print(f"bandsaw: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if admin is None:
        _append(append_records, settings, records)
        return EXIT_FAILURE
    accepted, signed = accept_loss(databases, admin)
    access.trail.record(admin, "audit_loss_accepted", "log.db", result=AuditResult.ACCEPTED,
                        detail=f"{accepted or lost}; reason: {reason}; {via} {signed}".rstrip())
    if not _append(append_records, settings, records):
        print("bandsaw: the acceptance is not in the audit trail: the finding still stands", file=sys.stderr)
        return EXIT_FAILURE
    print(f"accepted by {admin}: {accepted or lost}")
    print("the critical alarm clears at the engine's next check (within a minute while it runs, or at its start)")
    return EXIT_OK


def _append(append_records: Any, settings: Any, records: list[Any]) -> bool:
    try:
        append_records(settings, records)
    except Exception as exc:  # the action is refused or done: say loudly that its rows are missing
        print(f"bandsaw: the audit trail could not be written: {exc}", file=sys.stderr)
        return False
    return True


def _cmd_verify(args: argparse.Namespace) -> int:
    from core.storage.sqlite_open import database_path  # storage sits above security

    anchor = None
    settings, _ = load_from_args(args)
    path = Path(args.file) if args.file else database_path(settings.data_dir, "log")
    if not args.file:
        note_in_cli(path.parent)  # found now: kept, as any command that opens the trail does
        lost = standing_loss(path.parent)
        if lost:
            print(f"audit trail MISSING: {lost}")
            return EXIT_FAILURE
    users_db = users_db_path(settings.data_dir)
    if users_db.exists():  # where the trail stood at the engine's last good check (or last append)
        try:
            anchor = AuditAnchor(users_db).load()
        except AnchorTampered as exc:
            print(f"audit trail BROKEN: {exc}")
            return EXIT_FAILURE
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

