"""The register groups' wrapping tab buttons: rows that fit the width, and nothing left for Qt to reuse."""

from __future__ import annotations

import gc

from hmi_testing import _layout_item_wrappers, flush_deletes
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from hmi.widgets.tab_buttons import TabButtons


def _host(groups: int) -> tuple[QWidget, QTabWidget, TabButtons]:
    host = QWidget()
    tabs = QTabWidget()
    for i in range(groups):
        tabs.addTab(QWidget(), f"Register group {i}")
    buttons = TabButtons(tabs)
    column = QVBoxLayout(host)
    column.addWidget(buttons)
    column.addWidget(tabs)
    return host, tabs, buttons


def test_buttons_wrap_into_rows_that_fit_and_never_overlap(qapp: QApplication) -> None:
    host, tabs, buttons = _host(9)
    try:
        host.resize(520, 500)
        host.show()
        qapp.processEvents()
        rects = [b.geometry() for b in buttons.buttons()]
        assert all(r.right() < buttons.width() for r in rects), "a button runs past the edge"
        assert len({r.y() for r in rects}) >= 2, "nine groups in 520 px need more than one row"
        for i, a in enumerate(rects):
            assert not any(a.intersects(b) for b in rects[i + 1 :]), "two buttons overlap"
        assert buttons.height() >= buttons.heightForWidth(buttons.width())
        host.resize(1800, 500)
        qapp.processEvents()
        assert len({b.geometry().y() for b in buttons.buttons()}) == 1, "a wide panel holds one row"
        tabs.setTabText(0, "A much longer name for the first group")
        buttons.sync()
        qapp.processEvents()
        first, second = buttons.buttons()[:2]
        assert first.text() == "A much longer name for the first group"
        assert second.geometry().left() > first.geometry().right(), "the next button moved aside"
        buttons.buttons()[3].click()
        assert tabs.currentIndex() == 3
    finally:
        host.close()
        host.deleteLater()


def test_no_layout_item_wrapper_outlives_the_widgets_qt_deletes(qapp: QApplication) -> None:
    """The old Python flow layout kept Qt's QWidgetItems: after Qt deleted the page, their wrappers
    stayed valid and came back for new widgets at the same addresses (a calendar as a QWidgetItem)."""
    gc.collect()
    before = _layout_item_wrappers()
    host, _tabs, _buttons = _host(5)
    host.show()
    qapp.processEvents()
    del _tabs, _buttons
    host.close()
    host.deleteLater()  # Qt deletes it, as it does a page of a closed window
    del host
    flush_deletes()
    gc.collect()
    assert _layout_item_wrappers() == before
