"""Table rows as tall as their wrapped text: a long alarm text or note reads whole, never "…".

Kiosk sets every table's rows to a fixed 56 px (hmi.kiosk.size_views), so a view's own
ResizeToContents does not hold there; :func:`fit_rows` sizes each row to its text (word-wrapped
at its column's width) and never below the view's row height (the touch size in kiosk), and
:func:`keep_rows_fitted` does it again whenever the rows, their text or a column's width change.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTableView


def fit_rows(view: QTableView) -> None:
    """Every row as tall as its tallest cell's text, at least the header's row height."""
    header = view.verticalHeader()
    floor = max(header.defaultSectionSize(), header.minimumSectionSize())
    model = view.model()
    if model is None:
        return
    for row in range(model.rowCount()):
        height = max(view.sizeHintForRow(row), floor)
        if header.sectionSize(row) != height:
            header.resizeSection(row, height)


def keep_rows_fitted(view: QTableView) -> None:
    """:func:`fit_rows` after every change of rows, texts or column widths (once per event-loop pass)."""
    view.setWordWrap(True)
    timer = QTimer(view)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(lambda: fit_rows(view))
    model = view.model()
    if model is not None:
        for signal in (model.modelReset, model.rowsInserted, model.dataChanged, model.layoutChanged):
            signal.connect(timer.start)
    view.horizontalHeader().sectionResized.connect(timer.start)
