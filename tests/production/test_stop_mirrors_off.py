"""A clean stop mid-cut: the closing "off" row reaches PostgreSQL before the mirror stops, so the
fleet report ends the cut where the saw's own report does (not up to STALE_AFTER_S later)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import asyncpg
import pytest
from production_helpers import PG, run_settings
from test_report_fleet import same, to_pg

from core.engine import Engine
from core.production.fleet import fleet_reports
from core.production.service import report_set
from core.production.states import STALE_AFTER_S
from core.production.values import StateClass
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MACHINE = 21


def _local_states(data_dir: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(data_dir / "databases" / "total.db")
    try:
        return [(int(ts), str(link)) for ts, link in conn.execute("SELECT ts_ms, link FROM saw_states ORDER BY id")]
    finally:
        conn.close()


async def _run_and_stop_mid_cut(engine: Engine) -> None:
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None and engine.latest.saw_state is SawState.CUTTING,
                         "a cut", within_s=90)
        await asyncio.sleep(1.0)  # well into the cut
        assert engine.latest is not None and engine.latest.saw_state is SawState.CUTTING
    finally:
        await engine.stop()


async def _pg_states(database: str) -> list[tuple[int, str]]:
    conn = await asyncpg.connect(**PG, database=database)
    try:
        rows = await conn.fetch("SELECT ts_ms, link FROM saw_states WHERE machine_id = $1 ORDER BY ts_ms, id", MACHINE)
        return [(int(r["ts_ms"]), str(r["link"])) for r in rows]
    finally:
        await conn.close()


def test_a_clean_stop_mid_cut_mirrors_the_off_row(tmp_path: Path, pg_database: str,
                                                   register_map: RegisterMap) -> None:
    settings = to_pg(run_settings(tmp_path / "data"), pg_database, MACHINE)
    start_ms = int(time.time() * 1000)
    engine = Engine(settings, register_map, simulate=True, sim_speedup=40.0, sim_seed=3)
    asyncio.run(_run_and_stop_mid_cut(engine))
    stopped_ms = int(time.time() * 1000)

    local = _local_states(settings.data_dir)
    assert local[-1][1] == "off"
    assert asyncio.run(_pg_states(pg_database)) == sorted(local)  # the last rows too, the "off" row among them

    # Asked before the last row's freshness runs out: the fleet's cutting time does not run on.
    now = stopped_ms + int(STALE_AFTER_S * 1000) // 2
    own = report_set(settings, start_ms - 1000, now, now_ms=now, timeline=False).total
    fleet = asyncio.run(fleet_reports(settings, start_ms - 1000, now, now_ms=now))
    assert len(fleet) == 1
    assert own.time_by_state[StateClass.CUTTING] > 0
    assert fleet[0].time_by_state[StateClass.CUTTING] == own.time_by_state[StateClass.CUTTING]
    same(fleet[0], own)


def test_catch_up_does_not_wait_for_an_unreachable_postgresql(tmp_path: Path, unused_tcp_port: int) -> None:
    """PostgreSQL down at stop: no wait; the rows go at the next start (the cursor has not moved)."""
    settings = to_pg(run_settings(tmp_path / "data"), "bandsaw_nowhere", MACHINE)
    settings.database.postgresql.port = unused_tcp_port

    async def scenario() -> tuple[bool, float]:
        from core.analysis.alarms import AlarmManager
        from core.storage.pg import PostgresMirror

        (settings.data_dir / "databases").mkdir(parents=True)
        mirror = PostgresMirror(settings, alarms=AlarmManager())
        await mirror.start()
        try:
            await asyncio.sleep(0.3)  # its first attempt has failed
            began = time.monotonic()
            sent = await mirror.catch_up(5.0)
            return sent, time.monotonic() - began
        finally:
            await mirror.stop()

    sent, waited = asyncio.run(scenario())
    assert not sent and waited < 0.5
