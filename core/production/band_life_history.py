"""Band history: when each band was fitted and taken off, and why, from what the PLC shows.

Events, append-only in total.db ``band_history`` (mirror contract: id, ts_ms; unique natural key
so a replayed batch records nothing twice):

- ``installed``: a band id seen for the first time after another (or at the first start);
- ``removed``: the band id changed; the reason is ``tooth_breakage`` when the PLC reported tooth
  breakage on this band within ``breakage_window_s`` of cutting time before, else ``worn`` when
  its estimated remaining life was at or below the alarm threshold, else ``band_id_changed``;
- ``breakage``: the PLC's tooth-breakage alarm (alarm_status 2 or alarm_info bit 1) came on;
- ``note``: what someone at the saw wrote about the band on it (core.api ``note_band``, audited),
  e.g. why it came off; shown with the band's row.

A band id must read the same for ``CONFIRM_POLLS`` good polls before it counts as a change (one
bad read is not a band change). Band id 0 means the PLC has no band id set: it is recorded as
such (reason ``no_band_id``) and never given the life figures of a real band.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.analysis.store import SqlSink, read_rows
from core.snapshot import Quality, Snapshot

log = logging.getLogger("bandsaw.production.band_history")

CONFIRM_POLLS = 3
NOTE_MAX_CHARS = 200
BREAKAGE_CODE = 2  # alarm_status
BREAKAGE_BIT = 1 << 1  # alarm_info

TOTAL_V4 = """
CREATE TABLE band_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    band_id INTEGER NOT NULL,
    event TEXT NOT NULL,         -- installed, removed, breakage, note
    reason TEXT,                 -- removed: tooth_breakage, worn, band_id_changed,
                                 -- installed: first_seen, no_band_id, note: its text
    detail TEXT,                 -- JSON: previous/next band id, life used at removal and its method, who wrote a note
    UNIQUE (ts_ms, band_id, event)
);
CREATE INDEX band_history_ts_ms ON band_history(ts_ms);
CREATE INDEX band_history_band ON band_history(band_id, id);
"""

INSERT_EVENT = "INSERT OR IGNORE INTO band_history (ts_ms, band_id, event, reason, detail) VALUES (?, ?, ?, ?, ?)"
LAST_EVENT = "SELECT band_id, event FROM band_history WHERE event IN ('installed', 'removed') ORDER BY id DESC LIMIT 1"

# (band id, life used %, method) of the band's latest estimate, for the removal record.
LifeProvider = Callable[[int], tuple[float | None, str] | None]


@dataclass(frozen=True, slots=True)
class BandHistoryRow:
    """One band's time on the saw (newest first in :func:`read_history`)."""

    band_id: int
    installed_ms: int | None  # None: fitted before the history began
    removed_ms: int | None  # None: still on the saw
    reason: str  # why it came off ("" while fitted)
    breakages: int
    life_used_pct: float | None  # at removal
    method: str  # how life_used_pct was found
    notes: tuple[str, ...] = ()  # what people at the saw wrote about this band, oldest first


def clean_note(text: str) -> str:
    """A note as it is stored: one line of printable text, 1..NOTE_MAX_CHARS; ValueError says what is wrong."""
    line = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    if not line:
        raise ValueError("the note is empty")
    if len(line) > NOTE_MAX_CHARS:
        raise ValueError(f"the note is longer than {NOTE_MAX_CHARS} characters ({len(line)})")
    return line


def note_event(ts_ms: int, band: int, text: str, user: str) -> tuple[int, int, str, str, str]:
    """The INSERT_EVENT parameters of a note (text already cleaned)."""
    return ts_ms, band, "note", text, json.dumps({"user": user})


class BandNotes(Protocol):
    """Where core.api ``note_band`` puts a note: the engine's tracker, or the stand-in's direct file."""

    @property
    def band(self) -> int | None: ...  # the band on the saw, None before one is known

    def note(self, ts_ms: int, band: int, text: str, user: str) -> None: ...


class BandHistoryTracker:
    def __init__(self, sink: SqlSink | None, *, breakage_window_s: float, worn_at_remaining_pct: float,
                 life: LifeProvider = lambda band: None,
                 on_change: Callable[[int], None] = lambda band: None) -> None:
        self._sink = sink
        self._on_change = on_change
        self._window_ms = int(breakage_window_s * 1000)
        self._worn_at = worn_at_remaining_pct
        self._life = life
        self.band: int | None = None  # the band on the saw as recorded
        self._candidate: int | None = None
        self._seen = 0
        self._breakage_on = False
        self._breakage_ms: int | None = None  # last tooth breakage of the band on the saw

    def note(self, ts_ms: int, band: int, text: str, user: str) -> None:
        """A note about ``band`` (cleaned by :func:`clean_note`), through the same writer as the events."""
        if self._sink is not None:
            self._sink.submit(INSERT_EVENT, note_event(ts_ms, band, text, user))

    def restore(self, total_db: Path) -> None:
        """The band on the saw when the engine stopped (the next poll compares against it)."""
        try:
            rows = read_rows(total_db, LAST_EVENT)
        except sqlite3.Error as exc:
            log.error("%s: band history unreadable: %s", total_db, exc)
            return
        if rows and rows[0]["event"] == "installed":
            self.band = int(rows[0]["band_id"])

    def feed(self, snapshot: Snapshot) -> None:
        if snapshot.quality is Quality.COMM_ERROR:
            return
        values = snapshot.values
        ts = snapshot.ts_ms
        self._breakage(values.get("alarm_status"), values.get("alarm_info"), ts)
        raw = values.get("band_id")
        if raw is None or not math.isfinite(raw) or raw < 0:
            return
        band = int(raw)
        if band == self.band:
            self._candidate, self._seen = None, 0
            return
        if band != self._candidate:
            self._candidate, self._seen = band, 0
        self._seen += 1
        if self._seen >= CONFIRM_POLLS:
            self._change(band, ts)

    def _breakage(self, code: float | None, bits: float | None, ts: int) -> None:
        on = (code is not None and math.isfinite(code) and int(code) == BREAKAGE_CODE) or (
            bits is not None and math.isfinite(bits) and bits >= 0 and bool(int(bits) & BREAKAGE_BIT))
        if on and not self._breakage_on and self.band is not None:
            self._breakage_ms = ts
            self._write(ts, self.band, "breakage", None, {})
        self._breakage_on = on

    def _change(self, band: int, ts: int) -> None:
        previous = self.band
        if previous is not None:
            reason, detail = self._removal_reason(previous, ts)
            self._write(ts, previous, "removed", reason, detail | {"next_band_id": band})
        installed_reason = "no_band_id" if band == 0 else ("first_seen" if previous is None else "band_id_changed")
        self._write(ts, band, "installed", installed_reason, {} if previous is None else {"previous_band_id": previous})
        log.info("band %s fitted (%s)%s", band, installed_reason, "" if previous is None else f", band {previous} off")
        self.band, self._candidate, self._seen = band, None, 0
        self._breakage_ms = None
        self._on_change(band)

    def _removal_reason(self, band: int, ts: int) -> tuple[str, dict[str, object]]:
        life = None
        try:
            life = self._life(band)
        except Exception:  # the estimate's own fault must not lose the history row
            log.exception("band life provider failed")
        used, method = life if life is not None else (None, "none")
        detail: dict[str, object] = {"life_used_pct": None if used is None else round(used, 1), "method": method}
        if self._breakage_ms is not None and ts - self._breakage_ms <= self._window_ms:
            return "tooth_breakage", detail
        if band != 0 and used is not None and 100.0 - used <= self._worn_at:
            return "worn", detail
        return "band_id_changed", detail

    def _write(self, ts: int, band: int, event: str, reason: str | None, detail: dict[str, object]) -> None:
        if self._sink is not None:
            self._sink.submit(INSERT_EVENT, (ts, band, event, reason, json.dumps(detail) if detail else None))


@dataclass
class _Band:
    band_id: int
    installed_ms: int | None
    removed_ms: int | None = None
    reason: str = ""
    breakages: int = 0
    life_used_pct: float | None = None
    method: str = ""
    notes: list[str] = field(default_factory=list)

    def row(self) -> BandHistoryRow:
        return BandHistoryRow(self.band_id, self.installed_ms, self.removed_ms, self.reason, self.breakages,
                              self.life_used_pct, self.method, tuple(self.notes))


def read_history(total_db: Path, *, limit: int = 200) -> list[BandHistoryRow]:
    """Bands on this saw, newest first; raises sqlite3.Error (the caller reports it)."""
    rows = read_rows(total_db, "SELECT ts_ms, band_id, event, reason, detail FROM band_history ORDER BY id")
    bands: list[_Band] = []
    current: _Band | None = None
    for row in rows:
        band, event, ts = int(row["band_id"]), str(row["event"]), int(row["ts_ms"])
        if event == "installed":
            current = _Band(band, ts)
            bands.append(current)
            continue
        detail = _json(row["detail"])
        if event == "note":  # may be written after the band came off: it goes with that band's last stay
            target = next((b for b in reversed(bands) if b.band_id == band), None)
            if target is None:
                target = _Band(band, None)
                bands.append(target)
            who, text = detail.get("user"), str(row["reason"] or "")
            target.notes.append(f"{who}: {text}" if who else text)
            continue
        if current is None or current.band_id != band:
            current = _Band(band, None)  # events of a band fitted before the history began
            bands.append(current)
        if event == "breakage":
            current.breakages += 1
        elif event == "removed":
            used = detail.get("life_used_pct")
            current.removed_ms, current.reason = ts, str(row["reason"] or "")
            current.life_used_pct = float(used) if isinstance(used, int | float) else None
            current.method = str(detail.get("method") or "")
            current = None
    return [b.row() for b in reversed(bands)][:limit]


def _json(text: object) -> dict[str, object]:
    if not isinstance(text, str):
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
