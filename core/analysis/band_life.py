"""Blade life used per band, from the append-only band counters in total.db."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.analysis.store import read_rows

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
