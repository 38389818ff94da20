"""A cut's figures from the older system's samples: band, current and torque, speeds, vibration,
the energy counter at its start and end, and the piece (section shape and dimensions).

``cutting_sessions`` holds only times and heights; the samples of the cut (sensor_data rows
with its ``kesim_id`` between its start and end) hold the rest. sensor_data has no index but
its rowid, and its rows were written in time order, so the cut's rows are found by a binary
search on rowid over the ISO timestamp text (a few dozen point reads), then summed up by SQLite
over that rowid range only: the whole import reads each sample once more at most.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_NUMBER = "CASE WHEN typeof({c}) IN ('integer', 'real') THEN {c} END"
# cuts column -> aggregate over sensor_data columns (SMART-SAW.md names).
FIGURES: dict[str, tuple[str, str]] = {
    "band_id": ("max", "serit_id"),
    "band_current_mean": ("avg", "serit_motor_akim_a"),
    "band_current_peak": ("max", "serit_motor_akim_a"),
    "band_torque_mean": ("avg", "serit_motor_tork_percentage"),
    "band_torque_peak": ("max", "serit_motor_tork_percentage"),
    "descent_speed_mean": ("avg", "serit_inme_hizi"),
    "cutting_speed_mean": ("avg", "serit_kesme_hizi"),
    "deviation_abs_mean": ("avg_abs", "serit_sapmasi"),
    # not cuts columns: combined by CutsStream (vibration peak of the three axes, depth from the head)
    "vibration_x_peak": ("max", "ivme_olcer_x"),
    "vibration_y_peak": ("max", "ivme_olcer_y"),
    "vibration_z_peak": ("max", "ivme_olcer_z"),
    "head_min": ("min", "kafa_yuksekligi_mm"),
}
# The piece being cut: read from the cut's first sample (the older system wrote them on every row).
MATERIAL = ("kesit_yapisi", "malzeme_a_mm", "malzeme_b_mm", "malzeme_c_mm", "malzeme_d_mm", "malzeme_genisligi",
            "malzeme_cinsi")
ENERGY = "guc_kwh"  # its energy counter (kWh): a cut's energy is its last value minus its first


class CutFigures:
    def __init__(self, source: sqlite3.Connection) -> None:
        self._db = source
        columns = {row[1] for row in source.execute("PRAGMA table_info(sensor_data)")}
        self.available = "timestamp" in columns
        self._figures = {name: spec for name, spec in FIGURES.items() if spec[1] in columns}
        self._by_cut = "kesim_id" in columns
        parts = []
        for func, column in self._figures.values():
            value = _NUMBER.format(c=f'"{column}"')
            parts.append(f"avg(abs({value}))" if func == "avg_abs" else f"{func}({value})")
        where = "rowid BETWEEN ? AND ?" + (" AND kesim_id IS ?" if self._by_cut else "")
        self._sql = f"SELECT count(*), {', '.join(parts) or 'NULL'} FROM sensor_data WHERE {where}"
        self._material = tuple(name for name in MATERIAL if name in columns)
        self._material_sql = (f"SELECT {', '.join(self._material)} FROM sensor_data WHERE {where} "
                              "ORDER BY rowid LIMIT 1") if self._material else ""
        counter = f"SELECT {ENERGY} FROM sensor_data WHERE {where} AND typeof({ENERGY}) IN ('integer', 'real')"
        self._energy_sql = (f"{counter} ORDER BY rowid LIMIT 1", f"{counter} ORDER BY rowid DESC LIMIT 1") \
            if ENERGY in columns else None
        bounds = source.execute("SELECT min(rowid), max(rowid) FROM sensor_data").fetchone() if self.available else None
        self._min: int | None = bounds[0] if bounds else None
        self._max: int | None = bounds[1] if bounds else None

    @property
    def names(self) -> tuple[str, ...]:
        return (*self._figures, "samples")

    def of(self, cut_id: Any, start_text: str, end_text: str | None) -> dict[str, Any]:
        """The figures of one cut (empty when its samples cannot be found)."""
        if not self.available or self._min is None or not isinstance(start_text, str):
            return {}
        first = self._first_at_or_after(start_text)
        last = self._first_at_or_after(end_text + "\uffff") if isinstance(end_text, str) else None
        if first is None:
            return {}
        upto = (last - 1) if last is not None else self._max
        params: tuple[Any, ...] = (first, upto, cut_id) if self._by_cut else (first, upto)
        row = self._db.execute(self._sql, params).fetchone()
        if not row or not row[0]:
            return {}
        figures = dict(zip(self._figures, row[1:], strict=False))
        figures["samples"] = int(row[0])
        if self._material_sql:
            first = self._db.execute(self._material_sql, params).fetchone()
            if first is not None:
                figures.update(zip(self._material, first, strict=True))
        if self._energy_sql is not None:
            start = self._db.execute(self._energy_sql[0], params).fetchone()
            end = self._db.execute(self._energy_sql[1], params).fetchone()
            if start is not None and end is not None:
                figures["energy_first"], figures["energy_last"] = start[0], end[0]
        return figures

    def _first_at_or_after(self, text: str) -> int | None:
        """The smallest rowid whose timestamp text is >= ``text`` (rows are in time order)."""
        assert self._min is not None and self._max is not None
        lo, hi = int(self._min), int(self._max) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            row = self._db.execute("SELECT rowid, timestamp FROM sensor_data WHERE rowid >= ? AND rowid < ? "
                                   "ORDER BY rowid LIMIT 1", (mid, hi)).fetchone()
            if row is None:
                hi = mid
            elif isinstance(row[1], str) and row[1][:1].isdigit() and row[1] >= text:
                hi = mid  # a row without a usable time never ends the search
            else:
                lo = int(row[0]) + 1
        found = self._db.execute("SELECT rowid FROM sensor_data WHERE rowid >= ? ORDER BY rowid LIMIT 1",
                                 (lo,)).fetchone()
        return int(found[0]) if found else None
