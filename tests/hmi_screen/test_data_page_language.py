"""The Data page speaks the chosen language (at start and after a switch) and an empty backup list
says so, with columns wide enough to read."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.testing.standin_engine import StandInEngine
from hmi.i18n import Translator
from hmi.pages.data import DataPage


def _texts(page: DataPage) -> list[str]:
    items = [page.table.horizontalHeaderItem(i) for i in range(page.table.columnCount())]
    headers = [item.text() if item is not None else "" for item in items]
    buttons = [b.text() for b in (page.backup_button, page.verify_button, page.restore_button,
                                  page.restore_from_button, page.refresh_button, page.export_button,
                                  page.import_button)]
    return [page.title.text(), *headers, *buttons, page.empty_hint.text()]


def test_turkish_from_the_start_and_after_a_switch(qtbot: QtBot, translator: Translator,
                                                   fake_engine: StandInEngine) -> None:
    assert translator.switch("tr")
    page = DataPage(None, fake_engine)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    QApplication.processEvents()
    turkish = _texts(page)
    assert turkish[:5] == ["Yedekler", "Alındı", "Satır", "Boyut", "Durum"]
    assert "Şimdi yedekle" in turkish and turkish[-1].startswith("Henüz yedek yok")
    assert "Daily backup" not in page.schedule_label.text()  # the schedule line too
    assert translator.switch("en")
    QApplication.processEvents()
    english = _texts(page)
    assert english[:5] == ["Backups", "Taken", "Rows", "Size", "Status"]
    assert english[5:] == ["Back up now", "Verify", "Restore…", "From USB…", "Refresh", "Export data…",
                           "Import from smart-saw…", 'No backups yet: "Back up now" makes the first one.']
    assert page.schedule_label.text().startswith(("Daily backup", "Daily backup is switched off"))
    assert translator.switch("tr")
    QApplication.processEvents()
    assert _texts(page) == turkish  # and back: nothing left in English
    translator.switch("en")


def test_an_empty_list_says_so_with_readable_columns(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    page = DataPage(None, fake_engine)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    QApplication.processEvents()
    assert page.table.rowCount() == 0
    assert page.empty_hint.isVisible() and page.empty_hint.text().startswith("No backups yet")
    header = page.table.horizontalHeader()
    widths = [header.sectionSize(i) for i in range(page.table.columnCount())]
    assert all(width >= 96 for width in widths), widths  # not squashed to the header word
    assert sum(widths) <= page.table.viewport().width() + 2  # nothing runs off to the right
