"""log.db migrations v2 (append-only triggers) and v3 (the hash chain) of the audit trail.

v2: the audit trail is append-only from the program's side.

Triggers abort any UPDATE or DELETE of an ``audit`` row, whichever connection tries it. (Whoever
holds the file can still replace it; backups and the PostgreSQL mirror keep copies elsewhere.)
A callable migration: the trigger bodies contain ';', which the SQL-string splitter would cut.
This module must import nothing from core.storage (core.storage.schema imports it).
"""

from __future__ import annotations

import sqlite3

from core.security.audit_chain import APPEND_ONLY_MESSAGE, rechain_all

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


def log_v3(conn: sqlite3.Connection) -> None:
    """v3: every row carries its chain hash (core.security.audit_chain); rows already there are
    chained in id order, and the triggers are recreated with the one that refuses unhashed rows."""
    conn.execute("ALTER TABLE audit ADD COLUMN hash TEXT")
    rechain_all(conn)
