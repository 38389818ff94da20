"""A missing audit trail or ledger beside databases that hold recorded data: deleted, not new.

The hash chain and the anchor find a trail that was changed; they cannot find one that is gone
together with its anchor (log.db, users.db and databases/ledger.json deleted while the engine
was stopped): the engine would start as on a first install ("audit trail intact: 0 rows") and
``users init-admin`` would work for anyone. A first install has no recorded data either, so:
data in raw/total/ml/anomaly.db (an AUTOINCREMENT counter above 0) with log.db or ledger.json
missing is a loss, not a start. (users.db missing while the ledger remembers it is the
ledger's "vanished" check.)

The finding is kept in ``databases/audit-missing.json`` (the engine creates log.db and the
ledger as it starts, after which the files alone no longer show it): while it stands the engine
raises the critical ``security.audit_tampered`` alarm at every check, ``bandsaw audit verify``
exits 1 and ``users init-admin`` refuses. Only ``users init-admin --accept-lost-trail`` (an
installer's explicit decision, audited) lifts it; the acceptance covers the engine's next start.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

log = logging.getLogger("bandsaw.security")

MARKER_NAME = "audit-missing.json"
RECORDING = ("raw", "total", "ml", "anomaly")  # databases whose rows are recorded data
GUARDED = ("log.db", "ledger.json")  # written at every engine start: missing beside data = deleted


def find_loss(databases: Path) -> str:
    """What is missing beside recorded data under ``databases``; "" when nothing is."""
    held = [db for db in RECORDING if _holds_rows(databases / f"{db}.db")]
    if not held:
        return ""
    gone = [name for name in GUARDED if not (databases / name).exists()]
    if not gone:
        return ""
    return (f"{' and '.join(gone)} missing while {', '.join(f'{db}.db' for db in held)} hold recorded data: "
            "the audit trail or the engine's ledger was deleted (restore them from a backup, or an installer "
            "accepts the loss with 'bandsaw users init-admin --accept-lost-trail')")


def standing_loss(databases: Path) -> str:
    """The kept finding (not yet accepted), else a loss the files show now; "" when none."""
    marker = _read(databases)
    if marker is not None:
        return "" if marker.get("accepted_by") else str(marker.get("detail", "audit trail missing"))
    return find_loss(databases)


def note_at_start(databases: Path) -> str:
    """At the engine's start, before its files are opened (and created): keep a loss found; an
    accepted one is consumed (this start is the one it covers). Returns the standing loss."""
    marker = _read(databases)
    if marker is not None and marker.get("accepted_by"):
        (databases / MARKER_NAME).unlink(missing_ok=True)
        log.warning("audit trail loss accepted by %s: %s", marker.get("accepted_by"), marker.get("detail", ""))
        return ""
    if marker is not None:
        return str(marker.get("detail", "audit trail missing"))
    found = find_loss(databases)
    if found:
        _write(databases, {"detail": found, "found_ms": int(time.time() * 1000)})
        log.critical("audit trail missing: %s", found)
    return found


def accept_loss(databases: Path, by: str) -> str:
    """An installer accepts the loss: the finding no longer stands; returns what was accepted."""
    text = standing_loss(databases)
    if not text:
        return ""
    if find_loss(databases):  # the engine has not run since: its next start must not find it again
        _write(databases, {"detail": text, "accepted_by": by, "accepted_ms": int(time.time() * 1000)})
    else:
        (databases / MARKER_NAME).unlink(missing_ok=True)
    return text


def _holds_rows(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            row = conn.execute("SELECT MAX(seq) FROM sqlite_sequence").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # no sqlite_sequence (never written) or unreadable: the storage reports that
    return bool(row and row[0] and int(row[0]) > 0)


def _read(databases: Path) -> dict[str, object] | None:
    try:
        data = json.loads((databases / MARKER_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # unreadable: it stands
        return {"detail": f"{MARKER_NAME} unreadable ({exc}): the audit trail was found missing earlier"}
    return data if isinstance(data, dict) else {"detail": "audit trail missing"}


def _write(databases: Path, data: dict[str, object]) -> None:
    databases.mkdir(parents=True, exist_ok=True)
    tmp = databases / f".{MARKER_NAME}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, databases / MARKER_NAME)
