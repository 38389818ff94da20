"""Audit rows for command-line actions (``bandsaw users/backup/restore/archive/export/ml ...``).

The command line is another process than the engine: it appends its rows to log.db's trail
directly, in one short transaction that chains them (core.security.audit_chain), alongside a
running engine if there is one (WAL). Who: an admin the command authenticated, else
``cli:<os user>`` (whoever holds the data directory). Usage in a command handler::

    from core.security.cli_audit import audit_cli
    audit_cli(settings, "backup", str(manifest.path), detail="5 databases")
    audit_cli(settings, "restore_backup", name, result=AuditResult.FAILED, detail=str(exc))

For the ML commands (``ml train``, ``ml activate``/``trust``)::

    audit_cli(settings, "ml_train", model_name, new=sha256, detail="features ...; rows ...")
    audit_cli(settings, "ml_activate", model_name, old=previous_sha, new=sha256, user=admin)

:func:`audit_cli` never raises: a trail that cannot be written is said on stderr and the
return value is False (the command may exit non-zero; the action itself is done).
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from core.security.audit import AuditRecord, AuditResult
from core.security.audit_missing import note_in_cli, record_finding
from core.security.trail import AuditTrail

log = logging.getLogger("bandsaw.security")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def cli_actor() -> str:
    """The trail's name for an unauthenticated command-line user."""
    return f"cli:{os_user()}"


def cli_record(
    action: str,
    target: str = "",
    *,
    user: str | None = None,
    old: float | str | None = None,
    new: float | str | None = None,
    result: AuditResult = AuditResult.ACCEPTED,
    detail: str = "",
) -> AuditRecord:
    return AuditRecord(int(time.time() * 1000), user or cli_actor(), action, target, old, new, result, detail)


def append_records(settings: Any, records: Iterable[AuditRecord]) -> int:
    """Append to log.db's trail (created with its schema if the engine never ran); raises on failure."""
    from core.security.audit_query import append_audit
    from core.storage.sqlite_open import database_path, open_writer  # storage sits above security

    rows = list(records)
    if not rows:
        return 0
    path = database_path(settings.data_dir, "log")
    # log.db or the ledger deleted beside recorded data: kept (marker, then a row of the trail this
    # creates), as the engine's start does - else the command's own row would make the trail "intact".
    lost = note_in_cli(path.parent)
    if not path.exists():
        conn, _ = open_writer("log", path, settings.database.sqlite.synchronous)
        conn.close()
    if lost:
        found: list[AuditRecord] = []
        record_finding(AuditTrail(found.append), path.parent, lost)
        rows = [*(replace(r, user=cli_actor()) if r.user == "engine" else r for r in found), *rows]
    count = append_audit(path, rows)
    # The anchor (users.db) follows: rows cut off the end later are found even before the engine runs.
    from core.security.audit_anchor import advance_anchor

    advance_anchor(settings.data_dir)
    return count


def audit_cli(
    settings: Any,
    action: str,
    target: str = "",
    *,
    user: str | None = None,
    old: float | str | None = None,
    new: float | str | None = None,
    result: AuditResult = AuditResult.ACCEPTED,
    detail: str = "",
) -> bool:
    """One audit row for a command-line action; False (and a line on stderr) if it could not be written."""
    record = cli_record(action, target, user=user, old=old, new=new, result=result, detail=detail)
    try:
        append_records(settings, [record])
    except Exception as exc:  # the action is done (or refused): say loudly that its row is missing
        log.error("audit row not written (%s): %s", exc, record.describe())
        print(f"bandsaw: the audit trail could not be written: {exc}", file=sys.stderr)
        return False
    return True

