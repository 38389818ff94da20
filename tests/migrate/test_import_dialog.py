"""The import dialog under a real qasync loop on the stand-in engine: import, refusal, cancel."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.migrate import smart_saw_source as source
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.import_dialog import ImportDialog
from hmi.session import acting
from tests.migrate.test_import_smart_saw import EXPECTED_TS, build_source
from tests.waiting import wait_until

pytestmark = pytest.mark.gui


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    loop = QLoop(qapp)
    yield loop
    loop.close()


async def _start(dialog: ImportDialog) -> bool:
    return dialog.start()


def _finish(dialog: ImportDialog, qloop: QLoop, timeout_s: float = 120.0) -> None:
    qloop.run(wait_until(lambda: not dialog.running and not dialog._timer.isActive(), "the import to finish",
                         within_s=timeout_s))


def _samples(settings: Settings) -> int:
    conn = sqlite3.connect(settings.data_dir / "databases" / "raw.db")
    try:
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    finally:
        conn.close()


def test_engineer_imports_with_progress_and_summary(
    qapp: QApplication, qloop: QLoop, settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    settings.machine.time_zone = "Europe/Berlin"
    build_source(tmp_path / "smart-saw")
    engine = StandInEngine(settings, register_map)
    erin = acting(login_as(engine.access, "erin", Role.ENGINEER))
    dialog = ImportDialog(engine, lambda: erin)
    dialog.show()
    try:
        assert not dialog.isModal()
        assert not dialog.start() and "Choose the smart-saw folder" in dialog.status_label.text()
        dialog.path_edit.setText(str(tmp_path / "smart-saw"))
        assert qloop.run(_start(dialog))
        _finish(dialog, qloop)
        assert "rows imported, 4 rejected" in dialog.status_label.text()
        assert f"imported {len(EXPECTED_TS)} of 13 rows read" in dialog.summary_view.toPlainText()
        assert dialog.progress.value() == 100 and dialog.import_button.isEnabled()
        assert _samples(settings) == len(EXPECTED_TS)
    finally:
        dialog.close()
        dialog.deleteLater()


def test_operator_is_refused(
    qapp: QApplication, qloop: QLoop, settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    build_source(tmp_path / "smart-saw")
    engine = StandInEngine(settings, register_map)
    otto = acting(login_as(engine.access, "otto", Role.OPERATOR))
    dialog = ImportDialog(engine, lambda: otto)
    dialog.path_edit.setText(str(tmp_path / "smart-saw"))
    try:
        assert qloop.run(_start(dialog))
        _finish(dialog, qloop)
        assert "refused" in dialog.status_label.text().lower()
        assert not (settings.data_dir / "databases" / "raw.db").exists()
    finally:
        dialog.close()
        dialog.deleteLater()


def test_cancel_keeps_what_was_committed(
    qapp: QApplication, qloop: QLoop, settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    paths = source.create(tmp_path / "big")
    source.fill_sensor_data(paths["total"], 300_000)
    engine = StandInEngine(settings, register_map)
    erin = acting(login_as(engine.access, "erin", Role.ENGINEER))
    dialog = ImportDialog(engine, lambda: erin)
    dialog.path_edit.setText(str(tmp_path / "big"))
    try:
        assert qloop.run(_start(dialog))

        async def cancel_when_moving() -> None:
            await wait_until(lambda: dialog._job is None or dialog._job.progress is not None, "the import to move",
                             within_s=120, every_s=0.01)
            dialog.cancel_button.click()

        qloop.run(cancel_when_moving())
        _finish(dialog, qloop)
        assert "cancelled" in dialog.status_label.text()
        kept = _samples(settings)
        assert 0 < kept < 300_000
    finally:
        dialog.close()
        dialog.deleteLater()


def test_data_page_opens_it(qapp: QApplication, settings: Settings, register_map: RegisterMap) -> None:
    from hmi.pages.data import DataPage

    engine = StandInEngine(settings, register_map)
    page = DataPage(None, engine)
    try:  # who may import is the engine's can() (an operator is refused above), the button follows the policy
        page.set_user(login_as(engine.access, "erin", Role.ENGINEER))
        assert page.import_button.isEnabled()
        dialog = page.open_import()
        assert dialog is not None and not dialog.isModal() and page.open_import() is dialog
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
