"""log.db migration v2: the audit trail is append-only from the program's side.

Triggers abort any UPDATE or DELETE of an ``audit`` row, whichever connection tries it. (Whoever
holds the file can still replace it; backups and the PostgreSQL mirror keep copies elsewhere.)
A callable migration: the trigger bodies contain ';', which the SQL-string splitter would cut.
This module must import nothing from core.storage (core.storage.schema imports it).
"""

from __future__ import annotations

import sqlite3

APPEND_ONLY_MESSAGE = "the audit trail is append-only"

_TRIGGERS = (
    f"""
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    "CREATE INDEX audit_user_ts ON audit(user, ts_ms)",
)


def log_v2(conn: sqlite3.Connection) -> None:
    for statement in _TRIGGERS:
        conn.execute(statement)
