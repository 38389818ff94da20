"""core.api's band_life query: the same on the stand-in and the real engine, off the loop thread,
a broken total.db a refused result; the real engine records the band history as it polls."""

from __future__ import annotations

from pathlib import Path

from band_life_sim import run_cuts

from core.analysis.band_life import read_band_life
from core.analysis.store import BatchedSqliteWriter, migrator
from core.analysis.tables import INSERT_CUT
from core.api import UserSession
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.audit import AuditResult
from core.storage.sqlite_open import database_path
from core.testing.standin_engine import StandInEngine
from tests.tmp_settings import settings_in
from tests.waiting import wait_until


async def test_the_stand_in_answers_band_life_from_total_db(settings: Settings, register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map)
    empty = await engine.band_life()
    assert empty.ok and empty.value is not None and empty.value.band_id is None and empty.value.problem
    path = database_path(settings.data_dir, "total")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = BatchedSqliteWriter(path, migrator("total"), batch_rows=100, batch_ms=10)
    writer.open()
    try:
        for cut in run_cuts(8, seed=2):
            writer.submit(INSERT_CUT, tuple(cut.row.values()))
    finally:
        writer.close()
    result = await engine.band_life()
    assert result.ok and result.value is not None
    view = result.value
    assert view == read_band_life(path, settings.analysis)
    assert view.band_id == 4711 and view.estimate is not None and view.estimate.cuts == 8
    assert view.estimate.method == "area" and "8 usable cuts" in view.estimate.note


async def test_a_broken_total_db_is_a_refused_band_life(settings: Settings, register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map)
    path = database_path(settings.data_dir, "total")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    result = await engine.band_life()
    assert not result.ok and "cannot read the band life" in result.reason


async def test_the_real_engine_records_the_fitted_band(tmp_path: Path, register_map: RegisterMap) -> None:
    settings = settings_in(tmp_path, database={"sqlite": {"batch_ms": 100}}, ml={"model_path": None})
    engine = Engine(settings, register_map, simulate=True)
    await engine.start()
    try:
        async def band_history() -> bool:
            result = await engine.band_life()
            assert result.ok, result.reason
            return result.value is not None and bool(result.value.history)

        await wait_until(band_history, "band history from the simulator", every_s=0.2)
        noted = engine.note_band(UserSession.anonymous(), "fitted by the night shift")
        assert noted.ok and noted.value == 4711

        async def noted_in_total_db() -> bool:
            result = await engine.band_life()
            return result.value is not None and bool(result.value.history) and bool(result.value.history[0].notes)

        await wait_until(noted_in_total_db, "the note in total.db", within_s=30, every_s=0.2)
        result = await engine.band_life()
    finally:
        await engine.stop()
    view = result.value
    assert view is not None and view.history[0].notes == ("operator: fitted by the night shift",)
    assert view.band_id == 4711 and view.history[0].band_id == 4711 and view.history[0].removed_ms is None
    assert engine.analysis.band_history.band == 4711 and engine.analysis.band_life.band == 4711


def test_a_note_goes_into_the_band_history_checked_and_audited(settings: Settings,
                                                                register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map)  # the PLC shows band 7
    operator = UserSession.anonymous()
    done = engine.note_band(operator, "  teeth\tchipped on the 90 mm C45\n ")
    assert done.ok and done.value == 7
    late = engine.note_band(operator, "the old one had a cracked weld", band_id=12)
    assert late.ok and late.value == 12
    assert engine.note_band(operator, " \n ").reason == "the note is empty"
    assert "longer than 200 characters" in engine.note_band(operator, "x" * 201).reason
    assert "outside 0..65535" in engine.note_band(operator, "x", band_id=70_000).reason
    audited = [(r.user, r.action, r.target, r.new_value, r.result) for r in engine.audited if r.action == "band_note"]
    assert audited == [
        ("operator", "band_note", "band_history.7", "teeth chipped on the 90 mm C45", AuditResult.ACCEPTED),
        ("operator", "band_note", "band_history.12", "the old one had a cracked weld", AuditResult.ACCEPTED)]
    history = read_band_life(database_path(settings.data_dir, "total"), settings.analysis).history
    notes = {row.band_id: row.notes for row in history}
    assert notes == {7: ("operator: teeth chipped on the 90 mm C45",),
                     12: ("operator: the old one had a cracked weld",)}
