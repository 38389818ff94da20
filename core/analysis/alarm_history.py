"""Alarm history from log.db ``alarm_log`` (written by core.storage.logdb.LogWriter): query, CSV.

Reads run on their own read-only connection (WAL: they never block the writer). The HMI calls
:func:`query_history` off the event loop thread or with a modest ``limit``.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from core.analysis.messages import MessageCatalogue
from core.analysis.store import read_rows

COLUMNS = ("id", "ts_ms", "alarm_key", "action", "state", "previous_state", "priority", "text", "value", "user")


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    since_ms: int | None = None
    until_ms: int | None = None  # exclusive
    key_contains: str = ""  # substring of the alarm key, e.g. "plc" or "anomaly.band_current"
    text_contains: str = ""
    max_priority: int | None = None  # 2 = critical and high only
    actions: Sequence[str] = ()  # raise, clear, acknowledge, shelve, unshelve, ...
    user: str = ""
    limit: int = 1000
    newest_first: bool = True


@dataclass(frozen=True, slots=True)
class AlarmLogEntry:
    id: int
    ts_ms: int
    alarm_key: str
    action: str
    state: str
    previous_state: str
    priority: int
    text: str
    value: float | None
    user: str
    # (language, text) rendered again from the message catalogue by key and value, where that
    # rendering gives back the logged (English) text; () for texts the catalogue cannot rebuild
    texts: tuple[tuple[str, str], ...] = ()
    detail: str = ""  # the raising code's detail found in the logged text (an error; English)

    def text_for(self, lang: str) -> str:
        return next((text for code, text in self.texts if code == lang), self.text)

    @property
    def time_text(self) -> str:
        """Local time with milliseconds, for tables and CSV."""
        return datetime.fromtimestamp(self.ts_ms / 1000, tz=UTC).astimezone().isoformat(timespec="milliseconds")


def _where(spec: HistoryFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if spec.since_ms is not None:
        clauses.append("ts_ms >= ?")
        params.append(int(spec.since_ms))
    if spec.until_ms is not None:
        clauses.append("ts_ms < ?")
        params.append(int(spec.until_ms))
    if spec.key_contains:
        clauses.append("instr(alarm_key, ?) > 0")
        params.append(spec.key_contains)
    if spec.text_contains:
        clauses.append("instr(lower(text), lower(?)) > 0")
        params.append(spec.text_contains)
    if spec.max_priority is not None:
        clauses.append("priority <= ?")
        params.append(int(spec.max_priority))
    if spec.actions:
        clauses.append(f"action IN ({', '.join('?' for _ in spec.actions)})")
        params.extend(spec.actions)
    if spec.user:
        clauses.append("user = ?")
        params.append(spec.user)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query_history(log_db: Path, spec: HistoryFilter = HistoryFilter()) -> list[AlarmLogEntry]:
    """Alarm transitions matching ``spec``; an absent or not yet created log.db reads as empty."""
    where, params = _where(spec)
    order = "DESC" if spec.newest_first else "ASC"
    sql = (f"SELECT {', '.join(COLUMNS)} FROM alarm_log{where} ORDER BY ts_ms {order}, id {order} "
           f"LIMIT ?")
    try:
        rows = read_rows(log_db, sql, [*params, max(int(spec.limit), 0)])
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    return [AlarmLogEntry(*(row[name] for name in COLUMNS)) for row in rows]


_CSV_HEADER = ("time", *COLUMNS[1:])


def write_csv(entries: Iterable[AlarmLogEntry], out: IO[str]) -> int:
    """Write entries as CSV (local time column first, then the raw row); returns the row count."""
    writer = csv.writer(out)
    writer.writerow(_CSV_HEADER)
    count = 0
    for entry in entries:
        writer.writerow((entry.time_text, *(getattr(entry, name) for name in COLUMNS[1:])))
        count += 1
    return count


def export_csv(log_db: Path, target: Path, spec: HistoryFilter = HistoryFilter(limit=1_000_000)) -> int:
    """Export the filtered history to ``target`` (written to a temporary file, then renamed)."""
    entries = query_history(log_db, spec)
    tmp = target.with_name(target.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        count = write_csv(entries, out)
    tmp.replace(target)
    return count


def csv_text(entries: Iterable[AlarmLogEntry]) -> str:
    buffer = io.StringIO()
    write_csv(entries, buffer)
    return buffer.getvalue()


def in_every_language(entries: list[AlarmLogEntry], catalogue: MessageCatalogue) -> list[AlarmLogEntry]:
    """The entries with their texts in every language. log.db keeps one text (the English one) with
    the alarm's key and value; rendering the key and value again is trusted only when it gives back
    exactly the logged text (an alarm raised with other parameters or an older wording stays as logged)."""
    done: list[AlarmLogEntry] = []
    for entry in entries:
        rendered = catalogue.render_all(entry.alarm_key, "", entry.value) if catalogue.entry(entry.alarm_key) else ()
        texts = tuple((lang, text) for lang, text, _ in rendered)
        if texts and dict(texts).get("en") == entry.text:
            done.append(replace(entry, texts=texts))
            continue
        detail, texts = catalogue.reread(entry.alarm_key, entry.text)  # an error inside: found, kept
        done.append(replace(entry, texts=texts, detail=detail) if texts else entry)
    return done
