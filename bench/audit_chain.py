"""Audit trail benchmark: what the hash chain costs, beside a bare baseline in the same run.

(a) appending N rows through the real path (core.security.audit_query.append_audit: one
    BEGIN IMMEDIATE transaction, last hash read, rows chained, the triggers of log.db v3 in
    place) against a bare executemany of the same rows into the same table shape without the
    chain and its triggers;
(b) verifying the whole trail (core.security.audit_chain.verify_file: read-only connection,
    one read transaction, sha256 per row) against a bare SELECT of every row.

    .venv/bin/python bench/audit_chain.py --rows 100000
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.security.audit import AuditRecord, AuditResult
from core.security.audit_chain import stored_value, verify_file
from core.security.audit_query import append_audit
from core.storage.sqlite_open import open_writer

BARE_TABLE = """
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, user TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, old_value TEXT, new_value TEXT, result TEXT NOT NULL, detail TEXT,
    hash TEXT);
CREATE INDEX audit_ts_ms ON audit(ts_ms);
CREATE INDEX audit_user_ts ON audit(user, ts_ms);
"""


def records(n: int) -> list[AuditRecord]:
    users = ("anna", "erin", "otto", "system")
    return [
        AuditRecord(1_700_000_000_000 + 250 * i, users[i % 4], "write", "cutting_speed", 60.0 + i % 13, 61.5,
                    AuditResult.ACCEPTED if i % 5 else AuditResult.CLAMPED, f"requested {i}; reason: preset")
        for i in range(n)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = records(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        chained, bare = Path(tmp) / "log.db", Path(tmp) / "bare.db"
        conn, _ = open_writer("log", chained, "NORMAL")
        conn.close()
        started = time.perf_counter()
        append_audit(chained, rows)
        append_s = time.perf_counter() - started

        conn = sqlite3.connect(bare, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(BARE_TABLE)
        plain = [(r.ts_ms, r.user, r.action, r.target, stored_value(r.old_value), stored_value(r.new_value),
                  str(r.result), r.detail) for r in rows]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO audit (ts_ms, user, action, target, old_value, new_value, result, detail)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", plain)
        conn.execute("COMMIT")
        bare_append_s = time.perf_counter() - started
        conn.close()

        started = time.perf_counter()
        report = verify_file(chained)
        verify_s = time.perf_counter() - started
        conn = sqlite3.connect(chained)
        started = time.perf_counter()
        count = sum(1 for _ in conn.execute("SELECT * FROM audit ORDER BY id"))
        select_s = time.perf_counter() - started
        conn.close()
    if not report.ok or count != args.rows:
        print(f"FAILED: {report.describe()}, {count} rows read")
        return 1
    n = args.rows
    print(f"audit trail, {n} rows")
    print(f"{'':28}{'chained':>12}{'bare':>12}{'us/row':>10}{'bare us/row':>13}")
    print(f"{'append (one transaction)':28}{append_s:>11.2f}s{bare_append_s:>11.2f}s"
          f"{append_s / n * 1e6:>10.1f}{bare_append_s / n * 1e6:>13.1f}")
    print(f"{'verify / SELECT all':28}{verify_s:>11.2f}s{select_s:>11.2f}s"
          f"{verify_s / n * 1e6:>10.1f}{select_s / n * 1e6:>13.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
