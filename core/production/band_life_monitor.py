"""Band life in the running engine: the fitted band's estimate after every cut, its alarm, its attributes.

Fed by the cut tracker (every closed cut) and the band history (a band change). Keeps the cut
rows of the band on the saw in memory, so each cut costs one small least-squares fit (well under
a millisecond for a thousand cuts); total.db is read only when another band comes on (its earlier
cuts, if it was fitted before), in a worker thread when an event loop runs (the poll loop calls
here: 8,000 cuts took 200+ ms, two poll periods); cuts closing meanwhile wait for the load, the
figure comes when it is done. Band 0 (no band id on the PLC) is never loaded: its rows would be
every unidentified cut ever made, and band 0 has no life to estimate.
Alarm ``band_life.low`` stands while the estimated remaining life
is at or below ``alarm_remaining_pct`` and clears above it plus the hysteresis (or on a new band).
The estimate never reads register band_wear: the real PLC has none (the simulator's is the truth
the tests check the estimate against).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager, Priority
from core.analysis.cut_stats import CutRecord
from core.analysis.store import read_rows
from core.analysis.tables import CUT_COLUMNS
from core.offload import run_blocking
from core.production.band_life_estimate import (
    BandEstimate,
    CutLoad,
    area_of,
    cut_load,
    cut_loads,
    estimate,
    material_of,
)
from core.production.band_life_settings import BandLifeSettings

log = logging.getLogger("bandsaw.production.band_life")

ALARM_KEY = "band_life.low"
MAX_ROWS = 20_000  # cuts of one band kept in memory (a band lasts hundreds to a few thousand)
BAND_ROWS = f"SELECT {', '.join(CUT_COLUMNS)} FROM cuts WHERE band_id = ? ORDER BY start_ms"


class BandLifeMonitor:
    def __init__(self, settings: BandLifeSettings, alarms: AlarmManager, total_db: Path, *,
                 blade_life_area_cm2: float) -> None:
        self.settings = settings
        self._alarms = alarms
        self._total_db = total_db
        self._blade_life = blade_life_area_cm2
        self.band: int | None = None
        self._rows: list[dict[str, Any]] = []
        self._loads: list[CutLoad] = []  # one per row, kept so a cut costs one fit, not a pass over all rows
        self.current: BandEstimate | None = None
        self._generation = 0  # bumped per band change: a load finishing for an earlier band is dropped
        self._loading: asyncio.Task[None] | None = None  # the band's earlier cuts being read off the loop
        self._pending: list[CutRecord] = []  # cuts closed while the load runs, added when it is done

    # --- feeding -------------------------------------------------------------------------

    def on_band(self, band: int) -> None:
        """The band on the saw is now ``band`` (band history confirmed the change)."""
        if band != self.band:
            self._switch(band, [])

    def on_cut(self, record: CutRecord) -> None:
        """A cut closed: add it to its band and estimate again."""
        if record.band_id is None:
            return
        if record.band_id != self.band:
            self._switch(record.band_id, [record])
        elif self._loading is not None:
            self._pending.append(record)  # counted once the band's earlier cuts are in
        elif self._append(record):
            self._refresh()

    @property
    def loading(self) -> bool:
        """The band's earlier cuts are being read (the figure follows when they are in)."""
        return self._loading is not None

    async def settled(self) -> None:
        """Wait for a load in progress (tests, a clean stop)."""
        while self._loading is not None:
            await asyncio.gather(self._loading, return_exceptions=True)

    def close(self) -> None:
        """Drop a load in progress (the engine stops)."""
        task, self._loading = self._loading, None
        self._generation += 1
        if task is not None:
            task.cancel()

    def _switch(self, band: int, pending: list[CutRecord]) -> None:
        self.band = band
        self._generation += 1
        self._pending = pending
        if self._loading is not None:
            self._loading.cancel()  # its answer is for an earlier band (the thread itself finishes alone)
            self._loading = None
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a tool, a report): read here
            self._loaded(self._generation, self._load(band) if band != 0 else [])
            return
        if band == 0:
            self._loaded(self._generation, [])
            return
        self._loading = asyncio.create_task(self._load_off_loop(band, self._generation),
                                            name="bandsaw.band_life.load")

    async def _load_off_loop(self, band: int, generation: int) -> None:
        try:
            rows = await run_blocking(self._load, band, name="bandsaw-band-life")
        except Exception:
            log.exception("%s: cuts of band %s could not be read", self._total_db, band)
            rows = []
        if generation == self._generation:
            self._loading = None
            self._loaded(generation, rows)

    def _loaded(self, generation: int, rows: list[dict[str, Any]]) -> None:
        """The band's earlier cuts are in: the cuts closed meanwhile go after them, then one estimate."""
        if generation != self._generation:
            return
        pending, self._pending = self._pending, []
        if pending:  # total.db may hold them already (its writer was quicker): the closed cut wins
            rows = [r for r in rows if int(r["start_ms"]) < pending[0].start_ms]
        self._set_rows(rows)
        for record in pending:
            self._append(record)
        self._refresh()

    def _append(self, record: CutRecord) -> bool:
        if self._rows and int(self._rows[-1]["start_ms"]) >= record.start_ms:
            return False  # already counted (a restart re-delivering the same cut)
        row = dict(zip(CUT_COLUMNS, record.row(), strict=True))
        before = self._loads[-1].area_mid_cm2 + area_of(self._rows[-1]) / 2.0 if self._rows else 0.0
        self._rows.append(row)
        self._loads.append(CutLoad(record.start_ms, material_of(row), before + area_of(row) / 2.0,
                                   cut_load(row, self.settings)))
        if len(self._rows) > MAX_ROWS:
            self._set_rows(self._rows[-MAX_ROWS:])
        return True

    def _set_rows(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        self._loads = cut_loads(rows, self.settings)

    def life(self, band: int) -> tuple[float | None, str] | None:
        """(life used %, method) of ``band`` if it is the band this monitor follows."""
        current = self.current
        if current is None or current.band_id != band:
            return None
        return current.life_used_pct, current.method

    # --- outputs -------------------------------------------------------------------------

    def attributes(self) -> dict[str, Any]:
        """ThingsBoard client attributes of the fitted band's life (empty before the first band)."""
        e = self.current
        if e is None:
            return {}
        return {
            "bandLifeBandId": e.band_id,
            "bandLifeCuts": e.cuts,
            "bandLifeAreaCm2": round(e.area_cm2, 1),
            "bandLifeRunHours": round(e.run_s / 3600.0, 3),
            "bandLifeUsedPct": _round(e.life_used_pct),
            "bandLifeRemainingPct": _round(e.remaining_pct),
            "bandLifeRemainingCm2": _round(e.remaining_cm2),
            "bandLifeMethod": e.method,
        }

    def _refresh(self) -> None:
        band = self.band
        if band is None:
            return
        try:
            self.current = estimate(band, self._rows, self.settings, blade_life_area_cm2=self._blade_life,
                                    loads=self._loads)
        except (ValueError, ArithmeticError) as exc:  # a degenerate fit: keep the last figure, say why
            log.warning("band %s: life estimate failed: %s", band, exc)
            return
        self._alarm(self.current)

    def _alarm(self, e: BandEstimate) -> None:
        threshold = self.settings.alarm_remaining_pct
        remaining = e.remaining_pct
        active = self._alarms.is_active(ALARM_KEY)
        if remaining is None:
            raise_it = False
        elif active:
            raise_it = remaining <= threshold + self.settings.alarm_hysteresis_pct
        else:
            raise_it = remaining <= threshold
        if raise_it == active and not raise_it:
            return
        self._alarms.update(ALARM_KEY, raise_it, f"band {e.band_id}, {e.method}", priority=Priority.MEDIUM,
                            source="analysis", value=remaining, params={"threshold": float(threshold)})

    def _load(self, band: int) -> list[dict[str, Any]]:
        try:
            rows = read_rows(self._total_db, BAND_ROWS, (band,))
        except sqlite3.Error as exc:
            log.error("%s: cuts of band %s unreadable: %s", self._total_db, band, exc)
            return []
        return [dict(row) for row in rows[-MAX_ROWS:]]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
