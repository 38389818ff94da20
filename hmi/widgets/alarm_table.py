"""The alarm page's tables: ISA-18.2 states told apart, priority by shape + number + name, sane columns.

Priority: the ISA-101 shape of the banner (hmi.widgets.alarm_strip.priority_polygon: 1 diamond,
2 triangle up, 3 triangle down, 4 square) with its number and name, so it never rests on colour.
States: active-unacknowledged bold with the shape flashing (filled / hollow), active-acknowledged a
steady filled shape, cleared-unacknowledged a hollow shape and grey text ("cleared", not solid like
a live alarm), shelved and out of service a hollow grey shape. Columns keep fixed widths for time,
priority and state and share the rest between the alarm text and the response, so an empty table
is not squashed; an :class:`hmi.widgets.empty_hint.EmptyHint` says when it is empty.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPen, QPixmap, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from core.api import Alarm, AlarmLogEntry, AlarmState, Priority
from hmi.code_names import alarm_text_for
from hmi.formatting import plant_time
from hmi.i18n import Translator, translate
from hmi.kiosk import TOUCH_PX
from hmi.widgets.alarm_strip import COLOURS, priority_polygon
from hmi.widgets.table_rows import keep_rows_fitted

ROW_PX = TOUCH_PX
ICON_PX = 30
GREY_TEXT = "#5f6366"
_ICONS: dict[tuple[Priority, str], QIcon] = {}


def priority_icon(priority: Priority, style: str) -> QIcon:
    """The priority's shape and number: ``filled`` (active), ``hollow`` (cleared, flash off) or ``grey``."""
    key = (priority, style)
    icon = _ICONS.get(key)
    if icon is None:
        pixmap = QPixmap(ICON_PX, ICON_PX)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outline = QColor("#8c9094") if style == "grey" else QColor("#000000")
        painter.setPen(QPen(outline, 2))
        painter.setBrush(COLOURS[priority] if style == "filled" else QColor("#e6e7e8"))
        box = QRectF(1, 1, ICON_PX - 2, ICON_PX - 2)
        painter.drawPolygon(priority_polygon(priority, box))
        font = QFont()
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        white = priority is Priority.CRITICAL and style == "filled"
        painter.setPen(QColor("#ffffff") if white else outline)
        shift = 4 if priority is Priority.HIGH else -4 if priority is Priority.MEDIUM else 0
        painter.drawText(box.adjusted(0, shift, 0, shift), Qt.AlignmentFlag.AlignCenter, str(int(priority)))
        painter.end()
        icon = QIcon(pixmap)
        _ICONS[key] = icon
    return icon


def priority_name(priority: Priority | int) -> str:
    names = {
        1: translate("AlarmTable", "Critical"),
        2: translate("AlarmTable", "High"),
        3: translate("AlarmTable", "Medium"),
        4: translate("AlarmTable", "Low"),
    }
    return names.get(int(priority), str(priority))


def state_text(alarm: Alarm) -> str:
    if alarm.state is AlarmState.SHELVED:
        until = plant_time(alarm.shelved_until_ms, "HH:mm") if alarm.shelved_until_ms else "?"
        return translate("AlarmTable", "Shelved until %1: %2").replace("%1", until).replace("%2", alarm.shelve_reason)
    if alarm.state is AlarmState.OUT_OF_SERVICE:
        return translate("AlarmTable", "Out of service: %1").replace("%1", alarm.shelve_reason)
    words = {
        AlarmState.UNACKNOWLEDGED: translate("AlarmTable", "Active, not acknowledged"),
        AlarmState.ACKNOWLEDGED: translate("AlarmTable", "Active, acknowledged"),
        AlarmState.RETURNED_UNACKNOWLEDGED: translate("AlarmTable", "Cleared, not acknowledged"),
        AlarmState.NORMAL: translate("AlarmTable", "Normal"),
    }
    return words.get(alarm.state, alarm.state.value)


def language() -> str:
    translator = Translator.current()
    return translator.language if translator is not None else "en"


def time_text(ts_ms: int) -> str:
    return plant_time(ts_ms)  # plant time (machine.time_zone), as every time on the screen


class AlarmTableModel(QAbstractTableModel):
    """Priority, raised, alarm (the catalogue's text in the screen's language), response, state."""

    PRIORITY, RAISED, TEXT, RESPONSE, STATE = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alarms: list[Alarm] = []
        self.lit = True  # the flash phase of active-unacknowledged alarms
        self._bold = QFont()
        self._bold.setBold(True)

    @staticmethod
    def headers() -> tuple[str, ...]:
        return (
            translate("AlarmTable", "Priority"),
            translate("AlarmTable", "Raised"),
            translate("AlarmTable", "Alarm"),
            translate("AlarmTable", "What to do"),
            translate("AlarmTable", "State"),
        )

    def set_alarms(self, alarms: list[Alarm]) -> None:
        self.beginResetModel()
        self.alarms = list(alarms)
        self.endResetModel()

    def set_lit(self, lit: bool) -> None:
        """Flash: only the priority cells of active-unacknowledged alarms change."""
        self.lit = lit
        for row, alarm in enumerate(self.alarms):
            if alarm.state is AlarmState.UNACKNOWLEDGED:
                index = self.index(row, self.PRIORITY)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def flashing(self) -> bool:
        return any(a.state is AlarmState.UNACKNOWLEDGED for a in self.alarms)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers()) - 1)
        if self.alarms:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.alarms) - 1, len(self.headers()) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.alarms)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def icon_style(self, alarm: Alarm) -> str:
        if alarm.state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE):
            return "grey"
        if alarm.state is AlarmState.RETURNED_UNACKNOWLEDGED or not alarm.condition:
            return "hollow"
        if alarm.state is AlarmState.UNACKNOWLEDGED and not self.lit:
            return "hollow"
        return "filled"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.alarms):
            return None
        alarm = self.alarms[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(alarm, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TEXT, self.RESPONSE):
            return self._text(alarm, column)
        if role == Qt.ItemDataRole.UserRole:
            return alarm.key
        if role == Qt.ItemDataRole.DecorationRole and column == self.PRIORITY:
            return priority_icon(alarm.priority, self.icon_style(alarm))
        if role == Qt.ItemDataRole.FontRole and alarm.state is AlarmState.UNACKNOWLEDGED:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and not alarm.condition:
            return QBrush(QColor(GREY_TEXT))  # cleared or suppressed: calm grey, never like a live alarm
        return None

    def _text(self, alarm: Alarm, column: int) -> str:
        lang = language()
        if column == self.PRIORITY:
            return f"{int(alarm.priority)} {priority_name(alarm.priority)}"
        if column == self.RAISED:
            return time_text(alarm.raised_ms) if alarm.raised_ms else ""
        if column == self.TEXT:
            return alarm_text_for(alarm, lang)
        if column == self.RESPONSE:
            return alarm.response_for(lang)
        return state_text(alarm)

    def key_at(self, row: int) -> str | None:
        return self.alarms[row].key if 0 <= row < len(self.alarms) else None

    def row_of(self, key: str) -> int:
        return next((row for row, alarm in enumerate(self.alarms) if alarm.key == key), -1)


def action_text(action: str) -> str:
    words = {
        "raise": translate("AlarmTable", "raised"),
        "clear": translate("AlarmTable", "cleared"),
        "acknowledge": translate("AlarmTable", "acknowledged"),
        "shelve": translate("AlarmTable", "shelved"),
        "unshelve": translate("AlarmTable", "unshelved"),
        "remove_from_service": translate("AlarmTable", "removed from service"),
        "return_to_service": translate("AlarmTable", "returned to service"),
        "text": translate("AlarmTable", "text changed"),
    }
    return words.get(action, action)


class HistoryTableModel(QAbstractTableModel):
    @staticmethod
    def headers() -> tuple[str, ...]:
        return (
            translate("AlarmTable", "Time"),
            translate("AlarmTable", "Alarm"),
            translate("AlarmTable", "Action"),
            translate("AlarmTable", "Priority"),
            translate("AlarmTable", "Text"),
            translate("AlarmTable", "User"),
        )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[AlarmLogEntry] = []

    def set_entries(self, entries: list[AlarmLogEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers()) - 1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 3 and entry.priority in (1, 2, 3, 4):
            return priority_icon(Priority(entry.priority), "filled")
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        priority = (
            f"{entry.priority} {priority_name(entry.priority)}"
            if entry.priority in (1, 2, 3, 4)
            else str(entry.priority)
        )
        user = translate("AlarmsPage", "system") if entry.user == "system" else entry.user  # the engine itself
        return (
            time_text(entry.ts_ms),
            entry.alarm_key,
            action_text(entry.action),
            priority,
            alarm_text_for(entry, language()),
            user,
        )[index.column()]


class AlarmView(QTableView):
    """A touch table: whole rows, 48 px rows, ``fixed`` columns sized for a sample text, ``stretch``
    columns sharing the rest (widths never depend on the rows: an empty table is not squashed)."""

    def __init__(
        self,
        model: QAbstractTableModel,
        parent: QWidget,
        *,
        fixed: dict[int, str],
        stretch: tuple[int, ...],
        icons: tuple[int, ...] = (),
        wrap: bool = False,
    ) -> None:
        super().__init__(parent)
        self.fixed_samples = dict(fixed)
        self.icon_columns = tuple(icons)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(False)
        # ``wrap``: the alarm and what to do read whole, wrapped in their columns, each row as tall as
        # its text (the 1280 px active table cut them to "Torque guard slowed the descent: ban…" in both
        # languages). The history (up to 1000 rows of a log) keeps one line a row.
        if wrap:
            keep_rows_fitted(self)
        else:
            self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_PX)
        self.verticalHeader().setMinimumSectionSize(ROW_PX)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)  # finger scrolling
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(60)
        for column in range(model.columnCount()):
            mode = QHeaderView.ResizeMode.Stretch if column in stretch else QHeaderView.ResizeMode.Interactive
            header.setSectionResizeMode(column, mode)
        self._fitted = ""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Fixed columns as wide as their sample text in the current font (kiosk fonts are larger)
        and language; measured only when either changed."""
        key = (
            self.font().toString()
            + "|"
            + "|".join(self.model().headerData(c, Qt.Orientation.Horizontal) or "" for c in self.fixed_samples)
        )
        if key == self._fitted:
            return
        self._fitted = key
        metrics = self.fontMetrics()
        bold = QFont(self.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        header = self.horizontalHeader()
        for column, sample in self.fixed_samples.items():
            title = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(bold_metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title)) + 28
            header.resizeSection(column, width + (ICON_PX + 8 if column in self.icon_columns else 0))

    def showEvent(self, event: QShowEvent) -> None:
        self.fit_columns()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and hasattr(self, "fixed_samples"):
            self.fit_columns()  # the kiosk theme's larger font arrives after construction
