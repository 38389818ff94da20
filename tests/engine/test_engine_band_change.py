"""A band change on the engine (maintainer review at 54d2d8f): the new band's earlier cuts used to
be read from total.db inside the poll cycle (8,000 cuts: 200+ ms, two poll periods). Now they are
read in a worker thread and the estimate follows; the cycle stays short."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from engine_helpers import engine_settings

from core.analysis.store import migrator
from core.analysis.tables import CUT_COLUMNS
from core.engine import Engine
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import Quality, Snapshot
from core.storage.sqlite_open import database_path
from tests.waiting import wait_until

OLD_BAND, NEW_BAND, CUTS = 4711, 4712, 8000


def _cuts_of(path: Path, band: int, count: int) -> None:
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    try:
        migrator("total")(conn)
        rows = []
        for i in range(count):
            row: dict[str, Any] = {name: rng.random() * 100 for name in CUT_COLUMNS}
            row.update(band_id=band, start_ms=1_600_000_000_000 + i * 60_000, ts_ms=1_600_000_000_000 + i * 60_000,
                       end_ms=1_600_000_000_000 + i * 60_000 + 50_000, outcome="completed")
            rows.append(tuple(row[name] for name in CUT_COLUMNS))
        conn.executemany(f"INSERT INTO cuts ({', '.join(CUT_COLUMNS)}) VALUES ({', '.join('?' * len(CUT_COLUMNS))})",
                         rows)
        conn.commit()
    finally:
        conn.close()


async def test_a_band_change_does_not_hold_the_poll_cycle(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer
) -> None:
    settings = engine_settings(tmp_path, sim.port)
    total = database_path(settings.data_dir, "total")
    total.parent.mkdir(parents=True, exist_ok=True)
    _cuts_of(total, NEW_BAND, CUTS)  # a band fitted before, coming back on
    engine = Engine(settings, register_map)
    feed_ms: list[tuple[int, float]] = []  # (band id of the snapshot, analysis.feed time)
    feed = engine.analysis.feed

    def timed(snapshot: Snapshot) -> None:
        started = time.perf_counter()
        feed(snapshot)
        feed_ms.append((int(snapshot.values.get("band_id") or 0), (time.perf_counter() - started) * 1000.0))

    engine.analysis.feed = timed  # type: ignore[method-assign]
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    try:
        band_life = engine.analysis.band_life
        await wait_until(lambda: band_life.band == OLD_BAND and not band_life.loading, "the first band")
        sim.plc.band_id = NEW_BAND
        sim.plc._cache = None
        await wait_until(lambda: band_life.current is not None and band_life.current.band_id == NEW_BAND,
                         "the new band's estimate")
        assert band_life.current is not None and band_life.current.cuts >= CUTS  # its earlier cuts are in
        count = len(seen)
        await wait_until(lambda: len(seen) >= count + 3, "polling goes on")
    finally:
        await engine.stop()
    at_change = [ms for band, ms in feed_ms if band == NEW_BAND][:20]  # the confirming polls and the change
    assert at_change and max(at_change) < 50.0, at_change  # was 200-230 ms (the read in the cycle)
    assert sum(s.quality is Quality.GOOD for s in seen) >= 5
