"""Watching the database files: vanished, replaced or rewound files, and keeping the ledger.

The storage gives each writer its ledger entry before opening (see :mod:`core.storage.ledger`);
after the files are open :meth:`FileWatch.opened` turns each verdict into an alarm that stays
active until acknowledged (and a log.db event), writes the ledger, and checks users.db (which the
security layer writes) against its entry. While running, :meth:`FileWatch.refresh` (every few
seconds) records the counters and notices a file swapped or deleted under the running engine
(its path no longer leads to the file the writer has open).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager, Priority
from core.storage.backup_manifest import list_backups
from core.storage.ledger import LedgerEntry, entry_of, read_ledger, read_only_entry, update_ledger
from core.storage.sqlite_alarms import ALARM_DB_REPLACED, ALARM_DB_VANISHED, latch
from core.storage.sqlite_open import OpenReport
from core.storage.sqlite_writer import BatchWriter

log = logging.getLogger("bandsaw.database")

REFRESH_PERIOD_S = 5.0
USERS_DB = "users"

EventSink = Callable[..., Any]  # LogWriter.event


def restore_offer(data_dir: Path) -> str:
    """The sentence that tells an operator what to do, naming the newest backup that looks whole."""
    newest = next((info for info in list_backups(data_dir / "databases" / "daily") if info.ok), None)
    if newest is None or newest.manifest is None:
        return "no backup to restore from was found"
    return (f"restore the newest verified backup ({newest.path.name}, {newest.manifest.created}): "
            "bandsaw restore --latest")


class FileWatch:
    def __init__(self, data_dir: Path, alarms: AlarmManager, *, clock: Callable[[], float] = time.time) -> None:
        self.databases = data_dir / "databases"
        self._data_dir = data_dir
        self._alarms = alarms
        self._clock = clock
        self._inodes: dict[str, tuple[int, int]] = {}
        self._moved: set[str] = set()
        self._written: dict[str, tuple[str, dict[str, int]]] = {}  # what the ledger last got, per db
        self.vanished: list[str] = []  # databases found empty that held data (restore offered)
        self.replaced: list[str] = []

    def prepare(self, writers: Sequence[BatchWriter[Any]]) -> None:
        """Hand each writer its ledger entry before it opens its file."""
        entries = read_ledger(self.databases)
        for writer in writers:
            writer.expected = entries.get(writer.db)

    def opened(self, reports: Sequence[OpenReport], event: EventSink) -> None:
        """After every file is open: alarms for what changed behind the engine's back; ledger."""
        updates: dict[str, LedgerEntry | None] = {}
        now_ms = int(self._clock() * 1000)
        for report in reports:
            verdict = report.verdict
            if verdict is None:
                continue
            self._remember_inode(report.db, report.path)
            updates[report.db] = LedgerEntry(verdict.generation.id, verdict.sequences, now_ms)
            if verdict.problem and (verdict.problem == "vanished" or not report.recovered):
                # (a corrupt file moved aside has its own alarm already)
                self._file_problem(report.db, verdict.problem, verdict.detail, event,
                                   {"generation": verdict.generation.id, "recovered": report.recovered},
                                   rows_missing=verdict.rows_missing)
        users, problem = read_only_entry(self.databases / f"{USERS_DB}.db")
        expected_users = read_ledger(self.databases).get(USERS_DB)
        if expected_users is not None and expected_users.held_rows and (users is None or not users.held_rows):
            detail = f"it held {expected_users.sequences.get('users', 0)} user(s) and is now {problem or 'empty'}"
            self._file_problem(USERS_DB, "vanished", detail, event, {})
        if users is not None and users.held_rows:
            updates[USERS_DB] = users
        self._write(updates)

    async def refresh(self, writers: Sequence[BatchWriter[Any]]) -> None:
        """Record the counters of every open file; alarm when a path no longer leads to its file."""
        updates: dict[str, LedgerEntry | None] = {}
        for writer in writers:
            report = writer.report
            if report is None or report.verdict is None or writer.health().error:
                continue
            if self._swapped(writer.db, writer.path) or self._emptied(writer.db, writer.path):
                continue  # the ledger keeps what the engine knew; the next start compares
            generation = report.verdict.generation.id
            try:
                updates[writer.db] = await writer.execute(functools.partial(_entry, generation=generation))
            except (sqlite3.Error, RuntimeError, OSError) as exc:
                log.debug("%s.db: counters not recorded: %s", writer.db, exc)
        users, _ = read_only_entry(self.databases / f"{USERS_DB}.db")
        if users is not None and users.held_rows:
            updates[USERS_DB] = users
        if updates:
            await asyncio.to_thread(self._write, updates)

    def closed(self, writers: Sequence[BatchWriter[Any]]) -> None:
        """After the writers closed their files: the final counters, read-only."""
        updates: dict[str, LedgerEntry | None] = {}
        for writer in writers:
            report = writer.report
            if report is None or report.verdict is None or self._swapped(writer.db, writer.path):
                continue
            entry, _ = read_only_entry(writer.path)
            if entry is not None:
                updates[writer.db] = LedgerEntry(report.verdict.generation.id, entry.sequences, entry.updated_ms)
        if updates:
            self._write(updates)

    # --- internals -------------------------------------------------------------------------

    def _file_problem(self, db: str, problem: str, detail: str, event: EventSink, data: dict[str, Any],
                      *, rows_missing: bool = False) -> None:
        if problem == "vanished":
            self.vanished.append(db)
            text = f"{db}.db lost its data: {detail}; {restore_offer(self._data_dir)}"
            latch(self._alarms, f"{ALARM_DB_VANISHED}.{db}", text, priority=Priority.CRITICAL)
            log.critical("%s", text)
        elif rows_missing:  # replaced and rows the ledger remembers are gone: as grave as a vanished file
            self.replaced.append(db)
            self.vanished.append(db)
            text = (f"{db}.db was {problem} while the engine was stopped: {detail}; recorded data is missing; "
                    f"{restore_offer(self._data_dir)}")
            latch(self._alarms, f"{ALARM_DB_REPLACED}.{db}", text, priority=Priority.CRITICAL)
            log.critical("%s", text)
        else:
            self.replaced.append(db)
            text = f"{db}.db was {problem} while the engine was stopped: {detail}; it continues as a new generation"
            latch(self._alarms, f"{ALARM_DB_REPLACED}.{db}", text, priority=Priority.HIGH)
            log.error("%s", text)
        event(f"db_{problem}", text, source="storage", data={"db": db, **data})

    def _remember_inode(self, db: str, path: Path) -> None:
        try:
            stat = path.stat()
        except OSError:
            return
        self._inodes[db] = (stat.st_dev, stat.st_ino)

    def _swapped(self, db: str, path: Path) -> bool:
        known = self._inodes.get(db)
        if known is None:
            return False
        try:
            stat = path.stat()
            current: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
        except OSError:
            current = None
        if current == known:
            return False
        if db not in self._moved:
            self._moved.add(db)
            what = "deleted" if current is None else "replaced by another file"
            text = (f"{db}.db was {what} while the engine runs: new rows go to the file the engine opened, "
                    f"which is no longer there (kept as {db}.orphaned-*.db when the engine stops); "
                    "restart the engine to take up the file now in place")
            latch(self._alarms, f"{ALARM_DB_REPLACED}.{db}", text, priority=Priority.CRITICAL)
            log.critical("%s", text)
        return True

    def _emptied(self, db: str, path: Path) -> bool:
        """The file the engine has open was cut to 0 bytes (``truncate``, ``: > total.db``) after it
        held rows: its inode is the same, so only its size tells."""
        try:
            if path.stat().st_size:
                return False
        except OSError:
            return False
        known = self._written.get(db)
        if known is None or not any(known[1].values()):
            return False
        if db not in self._moved:
            self._moved.add(db)
            text = (f"{db}.db was emptied (0 bytes) while the engine runs: the rows it held are gone; "
                    f"{restore_offer(self._data_dir)}")
            self.vanished.append(db)
            latch(self._alarms, f"{ALARM_DB_VANISHED}.{db}", text, priority=Priority.CRITICAL)
            log.critical("%s", text)
        return True

    def _write(self, updates: dict[str, LedgerEntry | None]) -> None:
        changed = {db: e for db, e in updates.items()
                   if e is None or self._written.get(db) != (e.generation, e.sequences)}
        if not changed:
            return  # nothing new: no write, no fsync every few seconds on an SD card
        try:
            update_ledger(self.databases, changed)
        except OSError as exc:  # a full disk: the next refresh tries again
            log.warning("ledger not written: %s", exc)
            return
        for db, entry in changed.items():
            if entry is None:
                self._written.pop(db, None)
            else:
                self._written[db] = (entry.generation, dict(entry.sequences))



def _entry(conn: sqlite3.Connection, *, generation: str) -> LedgerEntry:
    return entry_of(conn, generation)
