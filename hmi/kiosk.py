"""Touch sizes for kiosk mode, and the check that every visible interactive element is big enough.

Kiosk (gloved fingers on a 1280x800 panel): every interactive element at least 48 x 48 px with
at least 8 px between targets - buttons, combo boxes and their drop-down items, table and list
rows, check boxes, scroll bars, tabs, calendar cells, keypad keys. :func:`apply_touch_sizes`
puts the rules on a window (its dialogs and pop-ups inherit them) and sizes the item views that
style sheets cannot reach; :func:`touch_violations` lists what is still too small or too close.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLayout,
    QLineEdit,
    QListView,
    QStyledItemDelegate,
    QTabBar,
    QTableView,
    QWidget,
)

from hmi import kiosk_parts
from hmi.lifetime import delete_later

TOUCH_PX = 48  # the touch minimum: every interactive element at least this wide and tall
FIELD_PX = 56  # the height most fields and buttons get: the minimum and some room
GAP_PX = 8
ROW_PX = 56  # table and list rows in kiosk: a fingertip and some room

TOUCH_QSS = f"""
QPushButton, QToolButton {{ min-height: {TOUCH_PX}px; min-width: {TOUCH_PX}px; }}
QComboBox, QLineEdit, QAbstractSpinBox, QDateTimeEdit {{ min-height: {TOUCH_PX}px; padding-top: 0; padding-bottom: 0; }}
QComboBox QAbstractItemView::item, QListView::item, QListWidget::item {{ min-height: {ROW_PX}px; }}
QCheckBox, QRadioButton {{ min-height: {TOUCH_PX}px; spacing: 12px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: {TOUCH_PX}px; height: {TOUCH_PX}px; }}
QAbstractItemView::indicator {{ width: {TOUCH_PX}px; height: {TOUCH_PX}px; }}
QComboBox::drop-down, QDateTimeEdit::drop-down {{ width: {TOUCH_PX}px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: {TOUCH_PX}px; }}
QScrollBar:vertical {{ width: {TOUCH_PX}px; }}
QScrollBar:horizontal {{ height: {TOUCH_PX}px; }}
QScrollBar::handle:vertical {{ min-height: {TOUCH_PX}px; }}
QScrollBar::handle:horizontal {{ min-width: {TOUCH_PX}px; }}
QTabBar::tab {{ min-height: {TOUCH_PX}px; min-width: {TOUCH_PX * 2}px; margin-right: {GAP_PX}px;
                padding-top: 0; padding-bottom: 0; }}
QHeaderView::section {{ min-height: {TOUCH_PX}px; }}
QCalendarWidget QToolButton {{ min-height: {TOUCH_PX}px; min-width: {TOUCH_PX}px; margin: 0 {GAP_PX // 2}px; }}
QCalendarWidget QAbstractItemView {{ font-size: 16pt; }}
"""

log = logging.getLogger("bandsaw.hmi.kiosk")


@dataclass(frozen=True, slots=True)
class Violation:
    widget: str  # class#objectName (text) of the widget
    problem: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.problem}"


def in_kiosk(widget: QWidget | None) -> bool:
    """Is ``widget`` (a page, a dialog) on a window in kiosk mode (MainWindow.set_kiosk sets ``kiosk``)."""
    while widget is not None:
        if widget.property("kiosk") == "true":
            return True
        widget = widget.parentWidget()
    return False


DISPLAY_ONLY = "display_only"  # a view's property: rows read, never tapped (no selection, no focus)


def display_only(view: QAbstractItemView) -> bool:
    """A table that only shows values (the control page's live model inputs): its rows are no touch
    targets, so they keep their reading height and every row stays in view (17 inputs at 56 px did not)."""
    return (view.property(DISPLAY_ONLY) is True and view.selectionMode() == QAbstractItemView.SelectionMode.NoSelection
            and view.focusPolicy() == Qt.FocusPolicy.NoFocus)


def describe(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    name = widget.objectName()
    label = f"{type(widget).__name__}{'#' + name if name else ''}"
    return f"{label} {text!r}" if isinstance(text, str) and text else label


def size_views(root: QWidget) -> None:
    """Row heights, calendar cells and the space between targets: what style sheets do not set."""
    for layout in [root.layout(), *root.findChildren(QLayout)]:
        # PySide can hand back a layout's wrapper typed as another QLayoutItem (seen: QSpacerItem)
        # once Qt has recycled it; such an item has no children to size.
        if not isinstance(layout, QLayout) or not _holds_targets(layout):
            continue  # only rows of targets need finger room; other boxes keep the panel compact
        if isinstance(layout, QGridLayout | QFormLayout):
            if layout.horizontalSpacing() < GAP_PX:
                layout.setHorizontalSpacing(GAP_PX)
            if layout.verticalSpacing() < GAP_PX:
                layout.setVerticalSpacing(GAP_PX)
        elif layout.spacing() < GAP_PX:
            layout.setSpacing(GAP_PX)
    combos = root.findChildren(QComboBox)
    for combo in [root, *combos] if isinstance(root, QComboBox) else combos:
        if not isinstance(combo.itemDelegate(), QStyledItemDelegate):
            # Fusion's combo menu delegate ignores the style sheet's item height (28 px rows):
            # a styled delegate takes the kiosk rule (56 px).
            combo.setItemDelegate(QStyledItemDelegate(combo))
    for view in root.findChildren(QAbstractItemView):
        if isinstance(view, QHeaderView) or _in_combo_popup(view) or display_only(view):
            continue  # a table's header is an item view too: 164 px of header is no touch room
        if view.minimumHeight() == 0 and view.objectName() != "qt_calendar_calendarview":
            # Taller rows would make a scroll area's default minimum (~190 px) push pages past 800 px:
            # two rows and the header are enough to start with; the layout gives it more when it can.
            view.setMinimumHeight(TOUCH_PX + 2 * ROW_PX + 4)
        if isinstance(view, QTableView) and view.objectName() != "qt_calendar_calendarview":
            view.setCornerButtonEnabled(False)  # a 13 px select-all corner: not a touch target
            header = view.verticalHeader()
            header.setMinimumSectionSize(TOUCH_PX)
            header.setDefaultSectionSize(ROW_PX)
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            for section in range(header.count()):
                if header.sectionSize(section) < TOUCH_PX:
                    header.resizeSection(section, ROW_PX)
    calendars = root.findChildren(QCalendarWidget)
    for calendar in [root, *calendars] if isinstance(root, QCalendarWidget) else calendars:
        calendar.setMinimumSize(7 * (TOUCH_PX + 8), 9 * (TOUCH_PX + 8))  # navigation bar, day names, 6 weeks


def _in_combo_popup(view: QAbstractItemView) -> bool:
    parent = view.parentWidget()
    # PySide hands the private container back as a QFrame: ask Qt's meta-object for its class.
    return parent is not None and parent.metaObject().className() == "QComboBoxPrivateContainer"


def _holds_targets(layout: QLayout) -> bool:
    """Two or more touch targets side by side in this layout (directly, or in rows of it)."""
    return _targets_in(layout) >= 2


def _targets_in(layout: QLayout) -> int:
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)
    count = 0
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        widget = item.widget()
        inner = item.layout()
        if isinstance(widget, kinds):
            count += 1
        elif isinstance(inner, QLayout) and _targets_in(inner):
            count += 1  # a row of targets next to another: the gap between the rows counts
        if count >= 2:
            return count
    return count


class _NewViews(QObject):
    """Sizes the views of dialogs opened after kiosk mode was switched on."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            try:
                size_views(watched)
                _grow_to_fit(watched)
            except (AttributeError, RuntimeError):  # a widget deleted under us: sizing is cosmetic
                log.debug("kiosk sizing of %s skipped", type(watched).__name__, exc_info=True)
        return False


def _grow_to_fit(window: QWidget) -> None:
    """Wider gaps need height: a window sized before them would squeeze its 48 px fields."""
    layout = window.layout()
    if layout is None or window.isMaximized() or window.isFullScreen():
        return
    layout.activate()
    width = window.width()
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    if needed > window.height():
        window.resize(width, needed)


def apply_touch_sizes(window: QWidget, on: bool) -> None:
    """Kiosk touch sizes on ``window`` and everything it opens (off: its own look again)."""
    window.setStyleSheet(TOUCH_QSS if on else "")
    watcher = window.findChild(_NewViews, "KioskViewSizer")
    instance = QApplication.instance()
    if on:
        size_views(window)
        if watcher is None and instance is not None:
            watcher = _NewViews(window)
            watcher.setObjectName("KioskViewSizer")
            instance.installEventFilter(watcher)
    elif watcher is not None and instance is not None:
        instance.removeEventFilter(watcher)
        delete_later(watcher)


# --- the check ---------------------------------------------------------------------------------


def _global_rect(widget: QWidget, rect: QRect | None = None) -> QRect:
    rect = rect if rect is not None else widget.rect()
    return QRect(widget.mapToGlobal(rect.topLeft()), rect.size())


def _targets(root: QWidget) -> list[tuple[QWidget, QRect, str]]:
    """Visible interactive elements as (widget, global rect, what) - tabs and rows one by one."""
    found: list[tuple[QWidget, QRect, str]] = []
    for widget in [root, *root.findChildren(QWidget)]:
        window = widget.window() if isinstance(widget, QWidget) else None
        if not isinstance(window, QWidget):  # a stale PySide wrapper of another type: nothing to measure
            log.warning("kiosk check: %r handed back by Qt as %s; skipped", widget, type(window).__name__)
            continue
        if not widget.isVisible() or window.isHidden():
            continue
        if isinstance(widget, QTabBar):
            for i in range(widget.count()):
                if widget.isTabVisible(i):
                    found.append((widget, _global_rect(widget, widget.tabRect(i)), f"tab {widget.tabText(i)!r}"))
        elif isinstance(widget, QAbstractItemView):
            model = widget.model()
            if model is not None and model.rowCount() > 0 and widget.isEnabled() and not display_only(widget):
                # A calendar's first row names the week days: its dates start in the second.
                row = 1 if widget.objectName() == "qt_calendar_calendarview" and model.rowCount() > 1 else 0
                index = model.index(row, 0)
                rect = widget.visualRect(index)
                if isinstance(widget, QTableView):  # the row's pitch, grid line included
                    rect.setHeight(widget.rowHeight(row))
                if rect.isValid():
                    found.append((widget, _global_rect(widget.viewport(), rect), "row"))
        elif isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractSpinBox | QAbstractSlider):
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox | QComboBox):
                continue  # the editor inside a spin box or combo: the outer widget is the target
            if widget.isEnabled() or isinstance(widget, QAbstractSlider):
                found.append((widget, _global_rect(widget), ""))
    return found


def touch_violations(root: QWidget, *, min_px: int = TOUCH_PX, gap_px: int = GAP_PX) -> list[Violation]:
    """Everything visible and interactive in ``root`` smaller than ``min_px`` or closer than ``gap_px``.

    Outer boxes, the parts inside them (arrows, indicators, step buttons, handles: kiosk_parts),
    calendar cells in both directions, and tab bars whose tabs run past the bar's edge.
    """
    targets = _targets(root)
    problems = _part_violations(root, min_px) + _tab_overflow(root)
    for widget, rect, what in targets:
        if rect.width() < min_px or rect.height() < min_px:
            # A scroll bar only needs its thickness; rows and tabs their height.
            thin = rect.height() if what == "row" or what.startswith("tab") else min(rect.width(), rect.height())
            if what or isinstance(widget, QAbstractSlider):
                if thin < min_px:
                    problems.append(Violation(f"{describe(widget)} {what}".strip(),
                                              f"{rect.width()}x{rect.height()} px < {min_px}"))
                continue
            problems.append(Violation(describe(widget), f"{rect.width()}x{rect.height()} px < {min_px}"))
    buttons = [(w, r) for w, r, what in targets if not what and not isinstance(w, QAbstractSlider)]
    for i, (a, ra) in enumerate(buttons):
        for b, rb in buttons[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a) or a.window() is not b.window():
                continue
            gap = _gap(ra, rb)
            if 0 <= gap < gap_px and not ra.intersects(rb):
                problems.append(Violation(f"{describe(a)} / {describe(b)}", f"{gap} px apart < {gap_px}"))
    return problems


def _too_small(what: str, rect: QRect, min_px: int) -> Violation:
    return Violation(what, f"{rect.width()}x{rect.height()} px < {min_px}")


def _visible(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.window().isHidden()


def _part_violations(root: QWidget, min_px: int) -> list[Violation]:
    """Sub-controls below the minimum, and calendar cells narrower than it."""
    problems: list[Violation] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _visible(widget) or not widget.isEnabled():
            continue
        for what, rect in kiosk_parts.parts(widget):
            if rect.width() < min_px or rect.height() < min_px:
                problems.append(_too_small(f"{describe(widget)} {what}", rect, min_px))
        if isinstance(widget, QTableView) and widget.objectName() == "qt_calendar_calendarview":
            model = widget.model()
            if model is not None and model.rowCount() > 1 and model.columnCount() > 1:
                cell = widget.visualRect(model.index(1, 1))
                if cell.width() < min_px or cell.height() < min_px:
                    problems.append(_too_small(f"{describe(widget)} cell", cell, min_px))
    return problems


def _tab_overflow(root: QWidget) -> list[Violation]:
    """A tab bar whose tabs do not all fit: the ones past its edge need a hunt with the scroll arrows."""
    problems = []
    for bar in [root, *root.findChildren(QTabBar)] if isinstance(root, QTabBar) else root.findChildren(QTabBar):
        if not _visible(bar):
            continue
        _arrows, hidden = kiosk_parts.tab_scrolling(bar)
        if hidden:
            shown = ", ".join(map(repr, hidden))
            problems.append(Violation(describe(bar), f"tabs overflow the bar: {shown} not shown"))
    return problems


def popup_violations(root: QWidget, *, min_px: int = TOUCH_PX, gap_px: int = GAP_PX) -> list[Violation]:
    """Open each visible combo box's list and date edit's calendar in ``root``, check it, close it."""
    problems: list[Violation] = []
    app = QApplication.instance()
    for widget in [root, *root.findChildren(QWidget)]:
        if not _visible(widget) or not widget.isEnabled():
            continue
        if isinstance(widget, QComboBox) and widget.count() > 0:
            widget.showPopup()
            if app is not None:
                app.processEvents()
            view = widget.view()
            for row in range(widget.count()):
                if isinstance(view, QListView) and view.isRowHidden(row):
                    continue
                rect = view.visualRect(view.model().index(row, widget.modelColumn()))
                if rect.isValid() and rect.height() < min_px:
                    problems.append(Violation(f"{describe(widget)} list item {widget.itemText(row)!r}",
                                              f"{rect.width()}x{rect.height()} px < {min_px}"))
            problems += [v for v in touch_violations(view.window(), min_px=min_px, gap_px=gap_px)
                         if " row" not in v.widget]  # rows: all of them measured above
            widget.hidePopup()
        elif isinstance(widget, QDateTimeEdit) and widget.calendarPopup():
            arrow = kiosk_parts.date_arrow(widget)
            if not arrow:
                continue
            _press(widget, arrow[0][1].center())
            calendar = widget.calendarWidget()
            popup = calendar.window() if calendar is not None else None
            if popup is not None and not isinstance(popup, QWidget):
                # PySide can hand back a recycled wrapper of another type (seen in the full suite:
                # QWidgetItem) for a pop-up Qt made and deleted: it cannot be measured this time.
                log.warning("calendar pop-up of %s came back as %s; not measured", describe(widget), type(popup))
                continue
            if popup is not None and popup is not widget.window() and popup.isVisible():
                problems += [Violation(f"{describe(widget)} calendar: {v.widget}", v.problem)
                             for v in touch_violations(popup, min_px=min_px, gap_px=gap_px)]
                popup.hide()
            else:
                problems.append(Violation(describe(widget), "the calendar pop-up did not open"))
    return problems


def _press(widget: QWidget, point: QPoint) -> None:
    """A finger down and up at ``point`` (what opens a date edit's calendar)."""
    where, left = QPointF(point), Qt.MouseButton.LeftButton
    for kind, held in ((QEvent.Type.MouseButtonPress, left), (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        event = QMouseEvent(kind, where, QPointF(widget.mapToGlobal(point)), left, held, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
    app = QApplication.instance()
    if app is not None:
        app.processEvents()


def _gap(a: QRect, b: QRect) -> int:
    """Edge-to-edge distance between two rectangles (0 when they touch; large when far apart)."""
    dx = max(b.left() - a.right() - 1, a.left() - b.right() - 1, 0)
    dy = max(b.top() - a.bottom() - 1, a.top() - b.bottom() - 1, 0)
    if dx and dy:
        return max(dx, dy)  # diagonal neighbours: the larger distance is what a finger sees
    return dx + dy

