"""The data page under a real qasync loop: backup now, list with status, verify, restore (stop,
restore, start; permission; refusal), and the export dialog (content, progress, cancel, the GUI
keeps running during a big export)."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from backup_helpers import COLUMNS, T0_MS, fill_raw, query
from hmi_testing import QLoop
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.storage.backup import daily_dir, run_backup
from core.storage.sqlite_open import database_path
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.export_dialog import ExportDialog
from hmi.pages.data import DataPage
from hmi.permissions import Action, set_policy
from hmi.session import acting
from tests.waiting import wait_until

T = TypeVar("T")
pytestmark = pytest.mark.gui


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    loop = QLoop(qapp)
    yield loop
    loop.close()
    set_policy(None)


@pytest.fixture
def page(qapp: QApplication, settings: Settings, register_map: RegisterMap) -> Iterator[DataPage]:
    fill_raw(settings.data_dir, COLUMNS, 2000, step_ms=1000)
    engine = StandInEngine(settings, register_map)
    widget = DataPage(None, engine)
    widget.set_user(login_as(engine.access, "ada", Role.ADMIN))  # restore is an administrator's
    widget.resize(1280, 800)
    widget.show()
    yield widget
    widget.shutdown()
    widget.close()
    widget.deleteLater()


def engine_of(page: DataPage) -> StandInEngine:
    assert isinstance(page.engine, StandInEngine)
    return page.engine


def test_backup_now_adds_a_complete_backup(page: DataPage, qloop: QLoop) -> None:
    assert page.table.rowCount() == 0

    async def run() -> None:
        task = page.backup_now()
        assert task is not None and page.busy and not page.backup_button.isEnabled()
        assert await task is True

    qloop.run(run())
    assert page.table.rowCount() == 1
    assert page.table.item(0, 3).text() == "Complete"  # type: ignore[union-attr]
    # 2,000 samples, users.db's one user (the administrator logged in at the page) and its seal
    assert page.table.item(0, 1).text() == "2002"  # type: ignore[union-attr]
    assert page.message_label.text().startswith("Backup complete: 2002 rows")
    assert page.restore_button.isEnabled()  # the new backup is selected


def test_damaged_backups_are_marked_and_verify_names_the_problem(page: DataPage, qloop: QLoop,
                                                                 settings: Settings) -> None:
    manifest = run_backup(settings)
    assert manifest.path is not None
    gz = manifest.path / "raw.db.gz"
    blob = bytearray(gz.read_bytes())
    blob[100] ^= 0xFF
    gz.write_bytes(bytes(blob))
    qloop.run(page.reload())
    page.select(manifest.path)
    assert page.table.item(0, 3).text() == "Complete"  # type: ignore[union-attr]  # sizes match...

    async def run() -> None:
        task = page.verify_selected()
        assert task is not None
        assert await task is False

    qloop.run(run())
    assert "does not match its sha256" in page.message_label.text()  # ...the hash does not
    gz.write_bytes(bytes(blob[:-1]))
    qloop.run(page.reload())
    assert page.table.item(0, 3).text().startswith("Damaged:")  # type: ignore[union-attr]
    page.select(manifest.path)
    assert not page.restore_button.isEnabled()


def test_restore_from_a_usb_stick_in_kiosk(page: DataPage, qloop: QLoop, settings: Settings, tmp_path: Path) -> None:
    """A backup carried on removable media: chosen in the touch picker, checked, confirmed, restored."""
    import shutil

    from hmi.widgets.touch_file_picker import TouchFilePicker

    manifest = run_backup(settings)
    assert manifest.path is not None
    usb = tmp_path / "media" / "USB1"
    usb.mkdir(parents=True)
    carried = usb / manifest.path.name
    shutil.copytree(manifest.path, carried)
    fill_raw(settings.data_dir, COLUMNS, 50, first=2000)
    page.mounts = lambda: [usb]
    page.setProperty("kiosk", "true")  # the window's kiosk mode, as MainWindow.set_kiosk marks it
    picker = page.request_restore_from_media()
    assert isinstance(picker, TouchFilePicker)  # never the desktop file dialog in kiosk
    assert not picker.open_folder(settings.data_dir)  # outside the export folder and the media
    assert picker.open_folder(carried)

    async def run() -> None:
        picker.accept_choice()  # checked against its manifest in the engine's worker
        assert page.task is not None
        dialog = await page.task
        assert dialog is not None and dialog.path == carried
        dialog.understand_button.click()
        dialog.restore_button.click()
        assert page.task is not None and await page.task is True

    qloop.run(run())
    assert query(database_path(settings.data_dir, "raw"), "SELECT COUNT(*) FROM samples") == [(2000,)]
    assert page.message_label.text().startswith("Restored the backup of")


def test_restore_stops_restores_and_starts_the_engine(page: DataPage, qloop: QLoop, settings: Settings) -> None:
    manifest = run_backup(settings)
    assert manifest.path is not None
    fill_raw(settings.data_dir, COLUMNS, 50, first=2000)
    qloop.run(page.reload())
    page.select(manifest.path)
    dialog = page.request_restore()
    assert dialog is not None and not dialog.restore_button.isEnabled()

    async def run() -> None:
        dialog.understand_button.click()
        assert dialog.restore_button.isEnabled()
        dialog.restore_button.click()
        assert page.task is not None and page.busy
        assert await page.task is True

    qloop.run(run())
    assert engine_of(page).calls == ["stop", "start"]
    assert [(r.user, r.action, r.result.value) for r in engine_of(page).audited if r.action == "restore"] == [
        ("ada", "restore", "accepted")]
    assert query(database_path(settings.data_dir, "raw"), "SELECT COUNT(*) FROM samples") == [(2000,)]
    assert page.message_label.text().startswith("Restored the backup of")
    assert list((settings.data_dir / "databases").glob("raw.before-restore-*.db"))


def test_a_tampered_backup_is_refused_before_the_engine_stops(page: DataPage, qloop: QLoop,
                                                              settings: Settings) -> None:
    manifest = run_backup(settings)
    assert manifest.path is not None
    data = json.loads((manifest.path / "manifest.json").read_text())
    data["databases"]["log"]["sha256"] = "0" * 64
    (manifest.path / "manifest.json").write_text(json.dumps(data))
    assert qloop.run(page.restore(manifest.path)) is False
    assert engine_of(page).calls == []
    assert "Restore refused: log: log.db.gz does not match its sha256" in page.message_label.text()


def test_restore_needs_permission(page: DataPage, qloop: QLoop, settings: Settings) -> None:
    manifest = run_backup(settings)
    assert manifest.path is not None
    # An operator: no register writes, no backup, no restore (restore_backup, once Action names it).
    set_policy(lambda user, action: action not in (Action.WRITE_REGISTER, Action.BACKUP, "restore_backup"))
    qloop.run(page.reload())
    page.select(manifest.path)
    page.update_permissions()  # the window's session controller calls this after every login change
    assert page.restore_button.isHidden() and page.backup_button.isHidden()  # never usable: not shown
    assert page.request_restore() is None
    assert "may not restore" in page.message_label.text()
    assert not page.export_button.isHidden()  # operators may not export either, but that is the policy's call
    set_policy(None)


async def start_on_loop(dialog: ExportDialog) -> bool:
    """Start on the running loop (the engine's export is an asyncio task)."""
    return dialog.start()


def finish(dialog: ExportDialog, qloop: QLoop, timeout_s: float = 120.0) -> None:
    async def run() -> None:
        await wait_until(lambda: not dialog.running and not dialog._timer.isActive(),
                         "export finished", within_s=timeout_s)

    qloop.run(run())


def test_export_dialog_writes_the_chosen_signals(page: DataPage, qloop: QLoop, tmp_path: Path) -> None:
    dialog = page.open_export()
    assert dialog is not None and not dialog.isModal()
    dialog.choose_range(len(dialog.range_group.buttons()) - 1)  # everything
    dialog.set_all_signals(False)
    for name in ("band_torque", "head_height", "saw_state"):
        item = dialog.signal_item(name)
        assert item is not None
        dialog.toggle_signal(item)  # what a touch on the name does
    saw_state = dialog.signal_item("saw_state")
    assert saw_state is not None and saw_state.text() == "saw state"  # shown by its label
    dialog.toggle_signal(saw_state)  # and off again
    out = tmp_path / "page.csv"
    dialog.path_edit.setText(str(out))
    assert qloop.run(start_on_loop(dialog))
    finish(dialog, qloop)
    assert dialog.progress.value() == 100
    assert "2000 rows written" in dialog.status_label.text()
    with open(out, newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][1:] == ["ts_ms", "head_height", "band_torque"]
    assert len(lines) == 2001 and int(lines[1][1]) == T0_MS
    assert page.message_label.text() == dialog.status_label.text()
    dialog.close()


def test_export_dialog_refuses_an_empty_choice(page: DataPage) -> None:
    dialog = page.open_export()
    assert dialog is not None
    dialog.set_all_signals(False)
    assert not dialog.start()
    assert "at least one signal" in dialog.status_label.text()
    dialog.close()


@pytest.mark.slow
def test_a_big_export_keeps_the_gui_running_and_can_be_cancelled(qapp: QApplication, settings: Settings,
                                                                  register_map: RegisterMap, qloop: QLoop,
                                                                  tmp_path: Path) -> None:
    names = tuple(register_map.names)
    fill_raw(settings.data_dir, names, 36_000, step_ms=100)  # an hour of every signal
    engine = StandInEngine(settings, register_map)
    erin = acting(login_as(engine.access, "erin", Role.ENGINEER))
    dialog = ExportDialog(engine, lambda: erin, list(names), clock=(T0_MS + 3_600_000) / 1000)
    dialog.show()
    dialog.format_group.button(1).click()  # Excel
    out = tmp_path / "hour.xlsx"
    dialog.path_edit.setText(str(out))
    ticks: list[float] = []
    beat = QTimer()
    beat.setInterval(20)
    beat.timeout.connect(lambda: ticks.append(time.monotonic()))
    beat.start()
    seen: list[int] = []
    try:
        assert qloop.run(start_on_loop(dialog))

        async def run() -> None:
            while dialog.running:
                seen.append(dialog.progress.value())
                await asyncio.sleep(0.05)

        started = time.monotonic()
        qloop.run(run())
        seconds = time.monotonic() - started
        finish(dialog, qloop)
    finally:
        beat.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    print(f"GUI export of 36,000 rows x {len(names)} signals to xlsx: {seconds:.1f} s; "
          f"longest GUI pause {max(gaps) * 1000:.0f} ms over {len(ticks)} ticks")
    assert "36000 rows written" in dialog.status_label.text()
    assert len(set(seen)) >= 3, "the progress bar moved"
    assert max(gaps) < 2.0, "the GUI kept running"  # measured ~0.1 s; generous for a loaded machine

    # Cancel: stop at the next page, no file left.
    target = tmp_path / "cancelled.csv"
    dialog.path_edit.setText(str(target))
    assert qloop.run(start_on_loop(dialog))

    async def cancel_soon() -> None:
        await wait_until(lambda: dialog._job is not None and dialog._job.done > 0, "first page")
        dialog.cancel_button.click()

    qloop.run(cancel_soon())
    finish(dialog, qloop)
    assert dialog.status_label.text() == "Export cancelled; no file was left."
    assert not target.exists() and not list(tmp_path.glob("cancelled*"))
    dialog.close()
    dialog.deleteLater()


def test_closing_the_page_cancels_a_running_export(page: DataPage, qloop: QLoop, settings: Settings,
                                                   tmp_path: Path) -> None:
    fill_raw(settings.data_dir, COLUMNS, 30_000, first=2000, start_ms=T0_MS + 2_000_000)
    dialog = page.open_export()
    assert dialog is not None
    dialog.choose_range(len(dialog.range_group.buttons()) - 1)
    out = tmp_path / "closed.csv"
    dialog.path_edit.setText(str(out))

    async def run() -> None:
        assert dialog.start()
        await asyncio.sleep(0.05)
        page.shutdown()  # the window closes: the export stops and removes its partial file
        if dialog.task is not None:
            await dialog.task

    qloop.run(run())
    assert dialog.wait_finished()
    assert not out.exists() or out.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))
    assert daily_dir(settings.data_dir) is not None


def test_the_page_shows_a_failed_scheduled_backup(page: DataPage) -> None:
    scheduler = engine_of(page).backup_scheduler
    assert scheduler is not None
    scheduler.last_error = "not enough disk space for the copy of raw.db"
    page.refresh()
    assert "Last scheduled backup failed: not enough disk space" in page.schedule_label.text()
    assert "Daily backup at 03:00 (kept 30 days)" in page.schedule_label.text()
