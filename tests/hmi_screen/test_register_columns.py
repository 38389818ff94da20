"""The register inspector's columns show every text whole at 1280x800 (#15 review: the admin's
"read/write" cut to "read/…" in the desktop window), English and Turkish, desktop and kiosk, every raw
format; text fit measured with the view's font metrics against the cell's room."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QStyle, QTableView

from core.testing.standin_engine import StandInEngine
from hmi.formatting import RawFormat
from hmi.i18n import Translator
from hmi.models.register_table import Column
from hmi.pages.registers import RegistersPage
from tests.hmi_screen.panel_fit import PANEL, panel_window


@pytest.fixture(params=["en", "tr"])
def lang(request: pytest.FixtureRequest, translator: Translator) -> str:
    assert translator.switch(request.param)
    return str(request.param)


def _cell_room(view: QTableView, column: int) -> int:
    """The width a cell's text has: the section less the item's text margins (QCommonStyle: the focus
    frame's margin + 1 on each side) and the grid line."""
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return view.horizontalHeader().sectionSize(column) - 2 * margin - 1


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_every_register_column_shows_its_texts_whole(qapp: QApplication, lang: str, fake_engine: StandInEngine,
                                                      push: Callable[..., None], kiosk: bool) -> None:
    """The admin's "read/write" was cut to "read/…" in the desktop window at 1280x800 (Turkish
    "okuma/yazma" needs 113 px of the 100 px the column had); every cell of every tab whole, in every
    raw format, and the table still fits the panel without scrolling sideways."""
    with panel_window(qapp, fake_engine, push, kiosk=kiosk, admin=True) as window:
        window.show_page("registers")
        page = window.pages["registers"]
        assert isinstance(page, RegistersPage)
        qapp.processEvents()
        assert page.models["process"].write_allowed  # the admin's view: read/write in link blue
        problems: list[str] = []
        for fmt in RawFormat:
            page.raw_format.setCurrentIndex(page.raw_format.findData(fmt))
            for tab, group in enumerate(page.models):
                page.tabs.setCurrentIndex(tab)
                qapp.processEvents()
                view = page.views[group]
                header = view.horizontalHeader()
                metrics = view.fontMetrics()
                for column in Column:
                    if column is Column.DESCRIPTION:  # the rest of the width; whole in its tooltip
                        continue
                    room = _cell_room(view, column)
                    if header.sectionSizeHint(column) > header.sectionSize(column):
                        problems.append(f"{group} header {column.name}: {header.sectionSizeHint(column)} px > "
                                        f"{header.sectionSize(column)}")
                    for row in range(view.model().rowCount()):
                        text = str(view.model().index(row, column).data())
                        if metrics.horizontalAdvance(text) > room:
                            problems.append(f"{group} {column.name} {text!r}: {metrics.horizontalAdvance(text)} px "
                                            f"> {room}")
                if view.horizontalScrollBar().isVisible():
                    problems.append(f"{group}: the table scrolls sideways")
        assert window.width() <= PANEL[0]
        page.raw_format.setCurrentIndex(0)
        assert not problems, "\n".join(sorted(set(problems)))
