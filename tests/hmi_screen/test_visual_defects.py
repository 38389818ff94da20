"""Small visual defects from the #15 review: the Trends hint's font."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

from hmi.bridge import EngineBridge
from hmi.pages.trends import TrendsPage
from hmi.theme import apply_theme


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")


def test_the_trends_hint_is_in_the_screen_font(themed: QApplication, bridge: EngineBridge) -> None:
    """"Tap a plot to place the cursor" was set in monospace (the read-out's font for columns of
    numbers): the hint is a sentence, in the UI font; a cursor's reading keeps its columns."""
    page = TrendsPage(bridge)
    page.resize(1280, 700)
    page.show()
    themed.processEvents()
    try:
        readout = page.readout
        assert readout.text() == "Tap a plot to place the cursor"
        ui = QFontInfo(themed.font()).family()
        assert QFontInfo(readout.font()).family() == ui
        assert not QFontInfo(readout.font()).fixedPitch()
    finally:
        page.plot.stop()
        page.close()
        page.deleteLater()
        themed.processEvents()
