"""Band life per band from total.db: the running counters, and the view of the fitted band.

:func:`band_life` reads the append-only band counters (area-based life used); :func:`read_band_life`
gives the band on the saw with its estimated remaining life (core.production.band_life_estimate)
and the band history (core.production.band_life_history), for core.api's ``band_life`` query.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.analysis.settings import AnalysisSettings
from core.analysis.store import read_rows
from core.production.band_life_estimate import BandEstimate, estimate
from core.production.band_life_history import BandHistoryRow, read_history
from core.production.band_life_monitor import BAND_ROWS

log = logging.getLogger("bandsaw.analysis.cuts")


@dataclass(frozen=True, slots=True)
class BandLife:
    band_id: int
    cuts: int
    area_cm2: float
    run_s: float
    life_used_pct: float  # area cut against the configured blade life area
    last_ms: int  # when the newest cut on this band was recorded


def band_life(total_db: Path, band_id: int, blade_life_area_cm2: float) -> BandLife | None:
    """The running totals of ``band_id`` (None when it has no recorded cut or total.db is unreadable)."""
    try:
        rows = read_rows(
            total_db,
            "SELECT ts_ms, band_id, cuts, area_mm2, run_time_s FROM band_counters WHERE band_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (band_id,),
        )
    except sqlite3.Error as exc:
        log.error("%s: band counters unreadable: %s", total_db, exc)
        return None
    if not rows:
        return None
    row = rows[0]
    area_cm2 = float(row["area_mm2"]) / 100.0
    used = 100.0 * area_cm2 / blade_life_area_cm2 if blade_life_area_cm2 > 0 else 0.0
    return BandLife(int(row["band_id"]), int(row["cuts"]), area_cm2, float(row["run_time_s"]), used,
                    int(row["ts_ms"]))


@dataclass(frozen=True, slots=True)
class BandLifeView:
    """What the band-life widget and the API show: the band on the saw, its estimate, the history."""

    band_id: int | None  # the band on the saw (band history, else the newest cut); None: none seen yet
    estimate: BandEstimate | None  # None with no cut on this band yet
    history: list[BandHistoryRow]  # newest first
    problem: str  # "" or what keeps the figures from being per band (band id 0, nothing recorded)


def read_band_life(total_db: Path, analysis: AnalysisSettings, *, history_limit: int = 200) -> BandLifeView:
    """The fitted band's life from total.db; raises sqlite3.Error (the query reports it)."""
    history = read_history(total_db, limit=history_limit)
    band = history[0].band_id if history and history[0].removed_ms is None else None
    if band is None:
        newest = read_rows(total_db, "SELECT band_id FROM cuts WHERE band_id IS NOT NULL "
                                     "ORDER BY start_ms DESC LIMIT 1")
        band = int(newest[0]["band_id"]) if newest else None
    if band is None:
        return BandLifeView(None, None, history, "no band seen yet: no cut has been recorded with a band id")
    rows = [dict(r) for r in read_rows(total_db, BAND_ROWS, (band,))]
    found = estimate(band, rows, analysis.band_life, blade_life_area_cm2=analysis.cuts.blade_life_area_cm2) \
        if rows or band == 0 else None
    problem = found.note if found is not None and found.method == "none" else ""
    return BandLifeView(band, found, history, problem)
