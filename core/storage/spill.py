"""The spill journal: rows a stop could not write in time, kept in a small file and replayed.

A stop has a deadline (SIGTERM must end within 20 s, whatever the disk does). Rows still queued
then are written as JSON lines, one per row (``{"db", "sql", "params"}``), to the first of
these places that takes them: ``database.sqlite.spill_dir`` when configured (best on another
file system than the data), then ``<data_dir>-spill`` beside the data directory. The next start
replays each file into its databases before recording resumes: per database one transaction
that also records the file's name in ``storage_meta``, so a crash mid-replay never replays a
row twice; the file is deleted when every database has it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.storage.generation import META_TABLE

log = logging.getLogger("bandsaw.database")

SPILL_GLOB = "spill-*.jsonl"


@dataclass(frozen=True, slots=True)
class StopOutcome:
    """What a stop left behind: rows written in time are not counted here."""

    unwritten: int = 0  # rows the writers could not write before the deadline
    spilled: int = 0  # of those, kept in the journal
    spill_path: Path | None = None
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return self.unwritten - self.spilled

    def summary(self) -> str:
        if not self.unwritten:
            return "every row written"
        where = f" to {self.spill_path} (replayed at the next start)" if self.spilled else ""
        return f"{self.unwritten} rows not written in time: {self.spilled} spilled{where}, {self.lost} lost"


def spill_dirs(data_dir: Path, configured: Path | None) -> list[Path]:
    beside = data_dir.parent / f"{data_dir.name}-spill"
    return [*([configured] if configured is not None else []), beside]


def _encode(value: Any) -> Any:
    return {"$hex": value.hex()} if isinstance(value, bytes | bytearray | memoryview) else value


def _decode(value: Any) -> Any:
    return bytes.fromhex(value["$hex"]) if isinstance(value, dict) and "$hex" in value else value


def write_spill(rows: Sequence[tuple[str, str, Sequence[Any]]], dirs: Iterable[Path], now_s: float) -> Path | None:
    """Write (db, sql, params) rows to the first directory that takes them all; None if none did."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_s))
    lines = "".join(
        json.dumps({"db": db, "sql": sql, "params": [_encode(v) for v in params]}, separators=(",", ":")) + "\n"
        for db, sql, params in rows
    ).encode("utf-8")
    for directory in dirs:
        path = directory / f"spill-{stamp}-{os.getpid()}.jsonl"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            log.error("spill journal %s not written: %s", path, exc)
            path.unlink(missing_ok=True)
            continue
        return path
    return None


def read_spill(path: Path) -> dict[str, list[tuple[str, tuple[Any, ...]]]]:
    """Rows by database; a torn last line (a crash while spilling) is skipped with a warning."""
    by_db: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            entry = json.loads(line)
            by_db.setdefault(str(entry["db"]), []).append(
                (str(entry["sql"]), tuple(_decode(v) for v in entry["params"])))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s line %d unreadable, skipped: %s", path, number, exc)
    return by_db


def replay_into(conn: sqlite3.Connection, marker: str, rows: Sequence[tuple[str, tuple[Any, ...]]]) -> int:
    """Insert ``rows`` in one transaction with the file's marker; 0 when it was replayed before."""
    key = f"spill:{marker}"
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute(f"SELECT 1 FROM {META_TABLE} WHERE key = ?", (key,)).fetchone() is not None:
            conn.execute("ROLLBACK")
            return 0
        for sql, params in rows:
            conn.execute(sql, params)
        conn.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?)", (key, str(int(time.time() * 1000))))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return len(rows)


class StopBudget:
    """One deadline for a whole stop: each stage before the storage gets what is left minus the
    storage's reserve, so no stage (a hung network peer, a backup copying) can eat the time the
    databases need to flush or spill."""

    def __init__(self, total_s: float, *, storage_share: float = 0.6) -> None:
        self.total_s = total_s
        self._deadline = time.monotonic() + total_s
        self._reserve_s = total_s * storage_share

    def remaining(self) -> float:
        return max(self._deadline - time.monotonic(), 0.5)

    async def within(self, awaitable: Awaitable[Any], what: str) -> None:
        """Await ``awaitable`` until the stage deadline; past it, log and go on (it is cancelled).
        A stage that raises is logged and the stop goes on too: the stages after it (the storage's
        flush, the spill, the data-directory lock) must run whatever one stage ended with."""
        limit = max(self._deadline - self._reserve_s - time.monotonic(), 0.2)
        try:
            await asyncio.wait_for(awaitable, limit)
        except TimeoutError:
            log.error("stop: %s did not finish within %.1f s; going on so the data is flushed in time", what, limit)
        except Exception:
            log.exception("stop: %s failed; going on so the data is flushed", what)
