"""A long export path shows where it goes and the file name (#15 review: the field showed the path's
end, the folder's start scrolled away): desktop (a field that can be typed into) and kiosk (a label,
and the touch picker's folder), in the 1280x800 window, as drawn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from core.testing.standin_engine import StandInEngine
from hmi.dialogs.export_dialog import ExportDialog
from hmi.i18n import Translator
from hmi.widgets.touch_file_picker import TouchFilePicker
from tests.hmi_screen.panel_fit import PANEL, panel_window


@pytest.fixture(params=["en", "tr"])
def lang(request: pytest.FixtureRequest, translator: Translator) -> str:
    assert translator.switch(request.param)
    return str(request.param)


def _long_folder(root: Path) -> Path:
    folder = root / "plant-data" / "band-saw-line-2-export-for-the-quality-department"
    for part in ("weekly-reports-of-the-second-shift", "2026", "december-week-49-before-the-audit"):
        folder = folder / part
    return folder


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_the_export_path_shows_where_and_the_file_name(qapp: QApplication, lang: str, fake_engine: StandInEngine,
                                                       push: Callable[..., None], kiosk: bool,
                                                       ) -> None:
    """The path field showed the end of a long path (the folder's start scrolled away): shown elided in
    the middle (the whole in its tooltip), as drawn on the screen; the touch picker's folder too, never
    widening the picker past the panel."""
    export_dir = fake_engine.settings.export_dir  # the touch picker opens only what is under it (or on USB)
    folder = _long_folder(export_dir)
    folder.mkdir(parents=True)
    path = str(folder / "samples-20261203-120000.csv")
    with panel_window(qapp, fake_engine, push, kiosk=kiosk, admin=True) as window:
        window.show_page("data")
        dialog = window.pages["data"].open_export()  # type: ignore[attr-defined]
        assert isinstance(dialog, ExportDialog) and dialog.kiosk == kiosk
        dialog.mounts = lambda: []  # no USB stick here
        dialog.path_edit.setText(path)
        dialog.close_button.setFocus()
        qapp.processEvents()
        field = dialog.path_view if kiosk else dialog.path_edit
        assert field.isVisible() and field.toolTip() == path
        shown = field.shown_text()
        start, _, end = shown.partition("…")
        assert path.startswith(start) and len(start) >= 20 and end.endswith("/samples-20261203-120000.csv"), shown
        assert field.fontMetrics().horizontalAdvance(shown) <= field.contentsRect().width()
        if not kiosk:
            # What is drawn: the line edit showing the elided text from its start (not the path's end).
            reference = QLineEdit(dialog)
            reference.setText(shown)
            reference.setCursorPosition(0)
            reference.setGeometry(field.geometry())
            reference.show()
            qapp.processEvents()
            assert field.grab().toImage() == reference.grab().toImage()
            reference.deleteLater()
            field.setFocus()  # typing: the line edit as it is, the whole text
            qapp.processEvents()
            assert field.shown_text() == shown and not field.elided()  # type: ignore[union-attr]
            return
        picker = dialog.choose_file()
        assert isinstance(picker, TouchFilePicker)
        assert picker.open_folder(folder)
        qapp.processEvents()
        where = picker.where
        assert where.toolTip() == str(folder)
        shown = where.shown_text()
        start, _, end = shown.partition("…")
        assert str(folder).startswith(start) and len(start) >= 20 and end.endswith("/december-week-49-before-the-audit")
        assert picker.width() <= PANEL[0] and window.width() <= PANEL[0], picker.width()
        picker.close()
