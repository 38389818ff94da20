"""Register inspector: one tab per register group, live table, formats, writes through a dialog."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.registers import Register
from core.snapshot import Snapshot
from hmi.bridge import EngineBridge
from hmi.dialogs.write_dialog import WriteDialog
from hmi.formatting import RawFormat
from hmi.models.register_table import Column, RegisterTableModel
from hmi.session import Session


class RegistersPage(QWidget):
    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RegistersPage")
        self.bridge = bridge
        self.session = session
        self.dialog: WriteDialog | None = None
        register_map = bridge.engine.register_map
        self.tabs = QTabWidget(self)
        self.models: dict[str, RegisterTableModel] = {}
        self.views: dict[str, QTableView] = {}
        for group, title in register_map.groups.items():
            registers = register_map.in_group(group)
            if not registers:
                continue
            model = RegisterTableModel(registers, stale_after_s=bridge.stale_after_s, parent=self)
            view = QTableView(self)
            view.setModel(model)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setAlternatingRowColors(True)
            view.verticalHeader().setVisible(False)
            view.verticalHeader().setDefaultSectionSize(40 if session.kiosk else 28)
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            for column, width in ((Column.ADDRESS, 90), (Column.NAME, 220), (Column.RAW, 120),
                                  (Column.VALUE, 120), (Column.UNIT, 80), (Column.ACCESS, 100),
                                  (Column.AGE, 90)):
                header.resizeSection(column, width)
            header.setStretchLastSection(True)
            view.activated.connect(lambda index, g=group: self._on_activated(g, index))
            view.selectionModel().currentRowChanged.connect(lambda *_a: self._update_write_button())
            self.tabs.addTab(view, title.replace("&", "&&"))  # a lone & would become a mnemonic
            self.models[group] = model
            self.views[group] = view
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.address_format = QComboBox(self)
        self.raw_format = QComboBox(self)
        for combo, formats in ((self.address_format, (RawFormat.DECIMAL, RawFormat.HEX)),
                               (self.raw_format, tuple(RawFormat))):
            combo.setMinimumHeight(48)
            for fmt in formats:
                combo.addItem(fmt.value, fmt)
        self.address_format.currentIndexChanged.connect(
            lambda _i: self._set_format(Column.ADDRESS, self.address_format.currentData()))
        self.raw_format.currentIndexChanged.connect(
            lambda _i: self._set_format(Column.RAW, self.raw_format.currentData()))
        self.write_button = QPushButton("Write…", self)
        self.write_button.setMinimumSize(140, 48)
        self.write_button.setEnabled(False)
        self.write_button.clicked.connect(self.open_write_for_selection)

        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel("Address", self))
        toolbar.addWidget(self.address_format)
        toolbar.addSpacing(16)
        toolbar.addWidget(QLabel("Raw", self))
        toolbar.addWidget(self.raw_format)
        toolbar.addStretch(1)
        toolbar.addWidget(self.write_button)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.tabs, 1)

        bridge.snapshot.connect(self._on_snapshot)
        bridge.tick.connect(self._on_tick)

    # --- data --------------------------------------------------------------------------

    # Only the visible tab's table is refreshed; the others catch up from the newest snapshot when
    # they are shown (each model keeps its own values, so nothing is lost but intermediate samples).
    def _visible_model(self) -> RegisterTableModel | None:
        if not self.isVisible() or not self.models:
            return None
        return self.models[self.current_group()]

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        model = self._visible_model()
        if model is not None:
            model.update_snapshot(snapshot)

    def _on_tick(self, now: float) -> None:
        model = self._visible_model()
        if model is not None:
            model.tick(now)

    def _catch_up(self) -> None:
        model = self._visible_model()
        latest = self.bridge.latest
        if model is not None and latest is not None:
            model.update_snapshot(latest)
            model.tick()

    def _on_tab_changed(self, _index: int) -> None:
        self._catch_up()
        self._update_write_button()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._catch_up()

    def _set_format(self, column: Column, fmt: RawFormat) -> None:
        for model in self.models.values():
            model.set_format(column, fmt)

    # --- writes ------------------------------------------------------------------------

    def current_group(self) -> str:
        return list(self.models)[self.tabs.currentIndex()]

    def selected_register(self) -> Register | None:
        group = self.current_group()
        index = self.views[group].currentIndex()
        if not index.isValid():
            return None
        return self.models[group].register_at(index.row())

    def _update_write_button(self) -> None:
        register = self.selected_register()
        self.write_button.setEnabled(register is not None and register.writable)

    def _on_activated(self, group: str, index: QModelIndex) -> None:
        register = self.models[group].register_at(index.row())
        if register.writable:
            self.open_write(register)

    def open_write_for_selection(self) -> WriteDialog | None:
        register = self.selected_register()
        return self.open_write(register) if register is not None and register.writable else None

    def select(self, name: str) -> None:
        """Show the tab of register ``name`` and select its row."""
        register = self.bridge.engine.register_map[name]
        group = register.group
        self.tabs.setCurrentIndex(list(self.models).index(group))
        self.views[group].selectRow(self.models[group].row_of(name))
        self._update_write_button()

    def open_write(self, register: Register) -> WriteDialog:
        if self.dialog is not None and (self.dialog.task is None or self.dialog.task.done()):
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        model = self.models[register.group]
        dialog = WriteDialog(
            self.bridge.engine,
            register,
            model.value_of(register.name),
            user=self.session.user,
            kiosk=self.session.kiosk,
            parent=self.window(),
        )
        self.dialog = dialog
        dialog.show()
        return dialog
