"""The Data page's paths: file dialogs start in the configured folders, long paths are never cut off."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from core.api import UserSession
from core.config import PROJECT_ROOT, Settings, load_settings
from core.registers import RegisterMap
from core.storage.backup import daily_dir
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.export_dialog import ExportDialog
from hmi.dialogs.import_dialog import ImportDialog
from hmi.pages.data import DataPage
from hmi.widgets.path_label import ZERO_WIDTH_SPACE, PathLabel

LONG = "very_long_folder_name_of_a_plant_share/" * 6


def close(qtbot: QtBot, dialog: QDialog) -> None:
    """Closed and deleted before the test's widgets go (QFileDialog's model crashes otherwise)."""
    dialog.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))


@pytest.fixture
def custom(tmp_path: Path, register_map: RegisterMap) -> StandInEngine:
    """paths.export_dir set (a share, a USB mount): everything on the screen exports there."""
    settings = load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
        overrides={"paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
                             "export_dir": str(tmp_path / "share" / "saw-01")}},
    )
    return StandInEngine(settings, register_map)


def test_the_configured_folders(custom: StandInEngine, settings: Settings, tmp_path: Path) -> None:
    assert custom.settings.export_dir == tmp_path / "share" / "saw-01"
    assert settings.export_dir == settings.data_dir / "exports"  # null: DATA/exports
    assert settings.backup_dir == daily_dir(settings.data_dir)  # where the backups really are


def test_restore_dialog_starts_in_the_backup_folder(qtbot: QtBot, custom: StandInEngine, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the working directory is where QFileDialog fell back to
    custom.settings.backup_dir.mkdir(parents=True)
    page = DataPage(None, custom)
    qtbot.addWidget(page)
    page.set_user("alice")  # no policy installed: the page allows, the engine would check
    dialog = page.request_restore_from_media()
    assert dialog is not None
    try:
        assert Path(dialog.directory().absolutePath()) == custom.settings.backup_dir  # type: ignore[attr-defined]
    finally:
        close(qtbot, dialog)


def test_import_and_export_dialogs_start_in_the_export_folder(qtbot: QtBot, custom: StandInEngine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    nobody = UserSession.anonymous()
    importer = ImportDialog(custom, lambda: nobody)
    qtbot.addWidget(importer)
    folder = importer.choose_folder()
    try:
        assert Path(folder.directory().absolutePath()) == custom.settings.export_dir  # type: ignore[attr-defined]
    finally:
        close(qtbot, folder)
    exporter = ExportDialog(custom, lambda: nobody, list(custom.register_map.names))
    qtbot.addWidget(exporter)
    assert Path(exporter.path_edit.text()).parent == custom.settings.export_dir
    save = exporter.choose_file()
    try:
        assert Path(save.directory().absolutePath()) == custom.settings.export_dir  # type: ignore[attr-defined]
    finally:
        close(qtbot, save)
    exporter.path_edit.setText(str(tmp_path / "gone" / "x.csv"))  # a folder that does not exist
    save = exporter.choose_file()
    try:
        assert Path(save.directory().absolutePath()) == custom.settings.export_dir  # type: ignore[attr-defined]
    finally:
        close(qtbot, save)


def test_a_long_export_path_is_elided_in_the_middle(qtbot: QtBot) -> None:
    path = "/media/usb0/" + LONG + "samples-20261202-120000.csv"
    label = PathLabel(path)
    qtbot.addWidget(label)
    label.resize(400, 56)
    shown = label.shown_text()
    assert "…" in shown and shown.startswith("/media/usb0/") and shown.endswith("120000.csv")
    assert label.fontMetrics().horizontalAdvance(shown) <= 400
    assert label.toolTip() == path
    assert label.minimumSizeHint().width() == 0  # never widens the dialog


def test_export_dialog_shows_the_whole_path_somewhere(qtbot: QtBot, custom: StandInEngine) -> None:
    dialog = ExportDialog(custom, UserSession.anonymous, list(custom.register_map.names))
    qtbot.addWidget(dialog)
    path = "/media/usb0/" + LONG + "cuts.csv"
    dialog.path_edit.setText(path)
    assert dialog.path_edit.toolTip() == path and dialog.path_view.toolTip() == path


def test_data_page_message_wraps_a_long_path(qtbot: QtBot, settings: Settings, register_map: RegisterMap) -> None:
    page = DataPage(None, StandInEngine(settings, register_map))
    qtbot.addWidget(page)
    text = "Exported 864,000 rows to /media/usb0/" + LONG + "samples-20261202-120000.csv in 3.1 s"
    page.say(text)
    label = page.message_label
    assert label.text().replace(ZERO_WIDTH_SPACE, "") == text and label.toolTip() == text
    assert label.minimumSizeHint().width() < 1000  # the longest unbreakable piece is one folder name
    assert label.heightForWidth(1000) > label.fontMetrics().height() * 1.5  # wrapped onto more lines
