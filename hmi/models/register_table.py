"""The register inspector's table model: one row per register, only changed cells repainted.

The shape of pydm's connection table model: values arrive from the bridge, cell texts are cached,
and dataChanged is emitted for the cells whose text (or staleness) changed, never the whole table.
"""

from __future__ import annotations

import time
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from core.registers import DataType, Register
from core.snapshot import Snapshot
from hmi.formatting import (
    RawFormat,
    description,
    enum_name,
    format_address,
    format_age,
    format_coded,
    format_raw,
    register_words,
    unit_name,
)

_Index = QModelIndex | QPersistentModelIndex
_STALE_INK = QColor("#8c9094")
_WRITABLE_INK = QColor("#1f4e79")


class Column(IntEnum):
    ADDRESS = 0
    NAME = 1
    RAW = 2
    VALUE = 3
    UNIT = 4
    ACCESS = 5
    AGE = 6
    DESCRIPTION = 7


def header(column: Column) -> str:
    """A column's title in the screen's language (written out so lupdate finds every one)."""
    return {
        Column.ADDRESS: QCoreApplication.translate("RegisterTableModel", "Address"),
        Column.NAME: QCoreApplication.translate("RegisterTableModel", "Name"),
        Column.RAW: QCoreApplication.translate("RegisterTableModel", "Raw"),
        Column.VALUE: QCoreApplication.translate("RegisterTableModel", "Value"),
        Column.UNIT: QCoreApplication.translate("RegisterTableModel", "Unit"),
        Column.ACCESS: QCoreApplication.translate("RegisterTableModel", "Access"),
        Column.AGE: QCoreApplication.translate("RegisterTableModel", "Age"),
        Column.DESCRIPTION: QCoreApplication.translate("RegisterTableModel", "Description"),
    }[column]


def format_title(fmt: RawFormat | str) -> str:
    fmt = RawFormat(fmt)
    if fmt is RawFormat.HEX:
        return QCoreApplication.translate("RegisterTableModel", "hex")
    if fmt is RawFormat.SIGNED:
        return QCoreApplication.translate("RegisterTableModel", "signed")
    return QCoreApplication.translate("RegisterTableModel", "decimal")


FORMATTABLE = (Column.ADDRESS, Column.RAW)
# The widest raw numbers an integer register holds (a counter without limits can reach them).
_RAW_RANGE = {DataType.UINT16: (65535,), DataType.INT16: (-32768,), DataType.UINT32: (4294967295,),
              DataType.INT32: (-2147483648,)}


class _Row:
    __slots__ = ("good_at", "raw", "register", "stale", "texts", "value")

    def __init__(self, register: Register) -> None:
        self.register = register
        self.raw: int | float | None = None
        self.value: float | None = None
        self.good_at: float | None = None  # monotonic time of the last good value
        self.stale = True
        self.texts: list[str] = [""] * len(Column)


class RegisterTableModel(QAbstractTableModel):
    def __init__(self, registers: list[Register], *, stale_after_s: float, decimals: dict[str, int] | None = None,
                 parent: object = None) -> None:
        """``decimals``: per unit (hmi.formatting.unit_decimals over the whole map); else from each scale."""
        super().__init__(parent)  # type: ignore[arg-type]
        self.decimals = dict(decimals or {})
        self._rows = [_Row(r) for r in sorted(registers, key=lambda r: r.address)]
        self._by_name = {row.register.name: i for i, row in enumerate(self._rows)}
        self.stale_after_s = stale_after_s
        self.formats: dict[Column, RawFormat] = {Column.ADDRESS: RawFormat.DECIMAL, Column.RAW: RawFormat.DECIMAL}
        self.write_allowed = False  # "read/write" is drawn as a link only for who may open the write dialog
        for row in self._rows:
            self._render(row, time.monotonic())

    def set_write_allowed(self, allowed: bool) -> None:
        """Whether the user may write: writable rows look tappable only then (an operator's tap does nothing)."""
        if allowed != self.write_allowed:
            self.write_allowed = allowed
            column = int(Column.ACCESS)
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    # --- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        column = Column(section)
        title = header(column)
        if column in FORMATTABLE and self.formats[column] is not RawFormat.DECIMAL:
            title += f" ({format_title(self.formats[column])})"
        return title

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column in (Column.RAW, Column.VALUE, Column.AGE) and row.stale:
                return _STALE_INK
            if column is Column.ACCESS and row.register.writable and self.write_allowed:
                return _WRITABLE_INK
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (Column.ADDRESS, Column.RAW, Column.VALUE, Column.AGE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return description(row.register)
        if role == Qt.ItemDataRole.UserRole:
            return row.register
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # --- what the page calls -----------------------------------------------------------

    def register_at(self, row: int) -> Register:
        return self._rows[row].register

    def row_of(self, name: str) -> int:
        return self._by_name[name]

    def value_of(self, name: str) -> float | None:
        return self._rows[self._by_name[name]].value

    def widest_texts(self, column: Column) -> list[str]:
        """The texts ``column`` shows now and those it may show later in this language and format (every
        coded name, the limits, the widest raw words, ages up to hours): the page sizes the column to
        the widest, so no cell is cut ("read/…")."""
        texts = [row.texts[column] for row in self._rows]
        if column is Column.RAW:
            word = {RawFormat.HEX: "0xFFFF", RawFormat.SIGNED: "-32768"}.get(self.formats[Column.RAW], "65535")
            texts += [" ".join([word] * max(1, len(register_words(row.register, 0)))) for row in self._rows]
        elif column is Column.VALUE:
            for row in self._rows:
                register = row.register
                decimals = self.decimals.get(register.unit)
                texts += [format_coded(register, float(code), decimals) for code, _name in register.enum]
                texts += [format_coded(register, limit, decimals) for limit in (register.min, register.max)
                          if limit is not None]
                if register.min is None and register.max is None and not register.is_float:  # a count
                    texts += [format_coded(register, raw * register.scale, decimals)
                              for raw in _RAW_RANGE[register.type]]
        elif column is Column.AGE:
            texts += [format_age(None), format_age(59.9), format_age(3599.0), format_age(359_999.0)]
        return texts

    def column_texts(self, column: Column) -> list[str]:
        """What ``column`` shows now, row by row."""
        return [row.texts[column] for row in self._rows]

    def set_format(self, column: Column, fmt: RawFormat | str) -> None:
        fmt = RawFormat(fmt)  # QComboBox.currentData() returns the enum's value as a plain str
        if column not in FORMATTABLE or self.formats[column] is fmt:
            return
        self.formats[column] = fmt
        now = time.monotonic()
        for row in self._rows:
            self._render(row, now)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)
        self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def retranslate(self) -> None:
        """The screen's language changed: headers and the translated cells again."""
        now = time.monotonic()
        for row in self._rows:
            self._render(row, now)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(Column) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)

    def update_snapshot(self, snapshot: Snapshot) -> None:
        for i, row in enumerate(self._rows):
            name = row.register.name
            if name not in snapshot.values:
                continue
            value = snapshot.values[name]
            if value is not None:
                row.value = value
                row.raw = snapshot.raw.get(name)
                row.good_at = snapshot.monotonic
            self._refresh(i, row, snapshot.monotonic)

    def tick(self, now: float | None = None) -> None:
        """Re-judge ages and staleness (the status timer calls this a few times a second)."""
        now = time.monotonic() if now is None else now
        for i, row in enumerate(self._rows):
            self._refresh(i, row, now)

    # --- internals ---------------------------------------------------------------------

    def _refresh(self, i: int, row: _Row, now: float) -> None:
        before = list(row.texts)
        was_stale = row.stale
        self._render(row, now)
        changed = [c for c in Column if row.texts[c] != before[c]]
        if row.stale != was_stale:
            changed = sorted(set(changed) | {Column.RAW, Column.VALUE, Column.AGE})
        for column in changed:
            index = self.index(i, column)
            self.dataChanged.emit(index, index)

    def _render(self, row: _Row, now: float) -> None:
        register = row.register
        age = None if row.good_at is None else max(0.0, now - row.good_at)
        row.stale = age is None or age > self.stale_after_s
        row.texts[Column.ADDRESS] = format_address(register.address, self.formats[Column.ADDRESS])
        row.texts[Column.NAME] = register.name
        row.texts[Column.RAW] = format_raw(register, row.raw, self.formats[Column.RAW])
        row.texts[Column.VALUE] = format_coded(register, row.value, self.decimals.get(register.unit))
        row.texts[Column.UNIT] = unit_name(register.unit)
        row.texts[Column.ACCESS] = (QCoreApplication.translate("RegisterTableModel", "read/write") if register.writable
                                    else QCoreApplication.translate("RegisterTableModel", "read"))
        row.texts[Column.AGE] = format_age(age)
        row.texts[Column.DESCRIPTION] = description(register)


class RegisterFilter(QSortFilterProxyModel):
    """Rows whose name, address (decimal or hex), unit, group, description or coded names hold every
    word of the search text (case does not matter; ``0x7d0`` and ``2000`` find the same register)."""

    def __init__(self, source: RegisterTableModel, *, group_titles: dict[str, str] | None = None,
                 parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setSourceModel(source)
        self.setDynamicSortFilter(False)  # values change ten times a second; the filter reads fixed fields
        self._words: list[str] = []
        self._titles = dict(group_titles or {})

    @property
    def source(self) -> RegisterTableModel:
        model = self.sourceModel()
        assert isinstance(model, RegisterTableModel)
        return model

    @property
    def filter_words(self) -> list[str]:
        return list(self._words)

    def set_search(self, text: str) -> None:
        words = text.casefold().split()
        if words == self._words:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = words
            self.invalidateRowsFilter()

    def matches(self, register: Register) -> bool:
        if not self._words:
            return True
        haystack = " ".join([
            register.name, register.name.replace("_", " "), str(register.address), f"0x{register.address:x}",
            f"0x{register.address:04x}", register.unit, register.group, self._titles.get(register.group, ""),
            register.description, description(register), "rw" if register.writable else "r",
            *(name for _code, name in register.enum), *(enum_name(register, code) or "" for code, _ in register.enum),
        ]).casefold()
        return all(word in haystack for word in self._words)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        return self.matches(self.source.register_at(source_row))
