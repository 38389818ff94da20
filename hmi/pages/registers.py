"""Register inspector: one tab per register group plus every register, a search across all of them,
formats, writes through a dialog.

The search (on-screen letter keyboard in kiosk) filters every tab at once: each tab title counts
its matches and the "All registers" tab lists them all. Values show the decimals of their unit
(the finest register of that unit), coded registers their names, raw the register words.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.registers import TEXT_LANGUAGES, Register
from core.snapshot import Snapshot
from hmi.bridge import EngineBridge
from hmi.dialogs.write_dialog import WriteDialog
from hmi.formatting import RawFormat, unit_decimals
from hmi.i18n import current_language
from hmi.kiosk import ROW_PX, TOUCH_PX
from hmi.lifetime import delete_later
from hmi.models.register_table import Column, RegisterFilter, RegisterTableModel, format_title
from hmi.permissions import Action, can, set_unavailable, show_for
from hmi.session import Session
from hmi.widgets.empty_hint import EmptyHint
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.tab_buttons import TabButtons

ALL = "all"  # the tab listing every register (the search's results across groups)


class RegistersPage(QWidget):
    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RegistersPage")
        self.bridge = bridge
        self.session = session
        self.dialog: WriteDialog | None = None
        register_map = bridge.engine.register_map
        decimals = unit_decimals(register_map)
        self.group_titles = {group: title for group, title in register_map.groups.items()
                             if register_map.in_group(group)}
        self.register_map = register_map
        searchable = {group: " ".join([title, *(register_map.group_title(group, lang) for lang in TEXT_LANGUAGES)])
                      for group, title in self.group_titles.items()}  # a search finds a tab in either language
        self.tabs = QTabWidget(self)
        self.models: dict[str, RegisterTableModel] = {}
        self.proxies: dict[str, RegisterFilter] = {}
        self.views: dict[str, QTableView] = {}
        groups = [(group, register_map.in_group(group)) for group in self.group_titles]
        for group, registers in [*groups, (ALL, list(register_map))]:
            model = RegisterTableModel(registers, stale_after_s=bridge.stale_after_s, decimals=decimals, parent=self)
            proxy = RegisterFilter(model, group_titles=searchable, parent=self)
            view = self._view(proxy, group)
            self.tabs.addTab(view, "")
            self.models[group] = model
            self.proxies[group] = proxy
            self.views[group] = view
        self.tab_buttons = TabButtons(self.tabs, self)  # wrapping rows: every group in sight, on touch too
        self.empty_hint = EmptyHint(self.views[ALL], "")
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.search = TextEntry("", touch=lambda: self.session.kiosk, parent=self)
        self.search.setObjectName("RegisterSearch")
        self.search.setClearButtonEnabled(not session.kiosk)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(self.set_search)
        self.clear_button = QPushButton(self)
        self.clear_button.setMinimumSize(TOUCH_PX * 2, TOUCH_PX)
        self.clear_button.clicked.connect(self.search.clear)
        self.matches_label = QLabel("", self)
        self.matches_label.setObjectName("InfoText")

        self.address_format = QComboBox(self)
        self.raw_format = QComboBox(self)
        for combo, formats in ((self.address_format, (RawFormat.DECIMAL, RawFormat.HEX)),
                               (self.raw_format, tuple(RawFormat))):
            combo.setMinimumHeight(TOUCH_PX)
            for fmt in formats:
                combo.addItem(format_title(fmt), fmt)
        self.address_format.currentIndexChanged.connect(
            lambda _i: self._set_format(Column.ADDRESS, self.address_format.currentData()))
        self.raw_format.currentIndexChanged.connect(
            lambda _i: self._set_format(Column.RAW, self.raw_format.currentData()))
        self.address_label = QLabel(self)
        self.raw_label = QLabel(self)
        self.write_button = QPushButton(self)
        self.write_button.setMinimumSize(140, TOUCH_PX)
        self.write_button.setEnabled(False)
        self.write_button.clicked.connect(self.open_write_for_selection)

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.search, 1)
        toolbar.addWidget(self.clear_button)
        toolbar.addSpacing(16)
        toolbar.addWidget(self.address_label)
        toolbar.addWidget(self.address_format)
        toolbar.addSpacing(16)
        toolbar.addWidget(self.raw_label)
        toolbar.addWidget(self.raw_format)
        toolbar.addSpacing(16)
        toolbar.addWidget(self.write_button)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.matches_label)
        layout.addWidget(self.tab_buttons)
        layout.addWidget(self.tabs, 1)
        self._retranslate()

        bridge.snapshot.connect(self._on_snapshot)
        bridge.tick.connect(self._on_tick)
        bridge.link_changed.connect(lambda _ok: self._update_write_button())
        bridge.replay_changed.connect(lambda _status: self._update_write_button())
        self.update_permissions()

    def _view(self, proxy: RegisterFilter, group: str) -> QTableView:
        view = QTableView(self)
        view.setObjectName(f"Registers_{group}")
        view.setModel(proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setMinimumSectionSize(ROW_PX if self.session.kiosk else 24)
        view.verticalHeader().setDefaultSectionSize(ROW_PX if self.session.kiosk else 28)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # sized by _fit_columns, then by hand
        header.setStretchLastSection(True)  # the description takes the rest (its tooltip has it whole)
        view.activated.connect(lambda index, g=group: self._on_activated(g, index))
        view.selectionModel().currentRowChanged.connect(lambda *_a: self._update_write_button())
        return view

    # --- language ------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()  # kiosk's larger type (the theme's font for the window's mode)

    def _fit_columns(self) -> None:
        """Every column but the description as wide as the widest text it can show, in this language,
        format and type size: the admin's "read/write" was cut to "read/…" at 1280x800 and Turkish
        "okuma/yazma" needs 113 px of the 100 px the column had."""
        for group, view in getattr(self, "views", {}).items():  # a font change can come while building
            model = self.models[group]
            header = view.horizontalHeader()
            padding = self._cell_padding(view)
            for column in Column:
                if column is Column.DESCRIPTION:
                    continue
                widest = max(map(view.fontMetrics().horizontalAdvance, model.widest_texts(column)), default=0)
                header.resizeSection(column, max(widest + padding, header.sectionSizeHint(column)))

    @staticmethod
    def _cell_padding(view: QTableView) -> int:
        """A cell's width beyond its text: the item's margins (the focus frame's + 1 each side), the grid
        line, and a little air."""
        return 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 4

    def _grow_columns(self, group: str) -> None:
        """A value wider than its column was sized for (a float, a counter grown past its fit): the column
        widens (never narrows while shown), so no number is cut."""
        view, model = self.views[group], self.models[group]
        header, metrics, padding = view.horizontalHeader(), view.fontMetrics(), self._cell_padding(view)
        for column in (Column.RAW, Column.VALUE, Column.AGE):
            need = max(map(metrics.horizontalAdvance, model.column_texts(column)), default=0) + padding
            if need > header.sectionSize(column):
                header.resizeSection(column, need)

    def _retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search: name, address, unit, description"))
        self.search.set_title(self.tr("Search registers"))
        self.clear_button.setText(self.tr("Clear"))
        self.address_label.setText(self.tr("Address"))
        self.raw_label.setText(self.tr("Raw"))
        self.write_button.setText(self.tr("Write…"))
        for combo in (self.address_format, self.raw_format):
            for i in range(combo.count()):
                combo.setItemText(i, format_title(combo.itemData(i)))
        for model in self.models.values():
            model.retranslate()
        self._show_matches()
        self._update_write_button()  # its reason, in the new language
        self._fit_columns()

    # --- search --------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        """Filter every tab; a search that starts shows the results across all groups."""
        had = bool(self.proxies[ALL].filter_words)
        for proxy in self.proxies.values():
            proxy.set_search(text)
        if text.strip() and not had:
            self.tabs.setCurrentIndex(list(self.models).index(ALL))
        self._show_matches()
        self._update_write_button()

    def _show_matches(self) -> None:
        searching = bool(self.proxies[ALL].filter_words)
        for i, key in enumerate(self.models):
            title = self.tr("All registers") if key == ALL else self.register_map.group_title(key, current_language())
            title = title.replace("&", "&&")  # a lone & would become a mnemonic
            if searching:
                title = f"{title} ({self.proxies[key].rowCount()})"
            self.tabs.setTabText(i, title)
        self.tab_buttons.sync()
        found, total = self.proxies[ALL].rowCount(), self.models[ALL].rowCount()
        text = self.search.text().strip()
        if not searching:
            self.matches_label.setText(self.tr("%n registers", "", total))
        elif found:
            self.matches_label.setText(self.tr("%1 of %2 registers match “%3”").replace("%1", str(found))
                                       .replace("%2", str(total)).replace("%3", text))
        else:
            self.matches_label.setText(self.tr("No register matches “%1”").replace("%1", text))
        self.empty_hint.setText(self.tr("No register matches “%1”").replace("%1", text))
        self.empty_hint.refresh()

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
            self._grow_columns(self.current_group())
        dialog = self.dialog
        if dialog is not None and dialog.isVisible():
            value = snapshot.values.get(dialog.register.name)
            if value is not None:
                dialog.set_current(value, polled_at_ms=snapshot.ts_ms)

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
            self._grow_columns(self.current_group())

    def _on_tab_changed(self, _index: int) -> None:
        self._catch_up()
        self._update_write_button()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_columns()  # at the type size the window's mode gives (kiosk is larger)
        self._catch_up()

    def _set_format(self, column: Column, fmt: RawFormat) -> None:
        for model in self.models.values():
            model.set_format(column, fmt)
        self._fit_columns()  # hex words are wider than decimal ones

    # --- writes ------------------------------------------------------------------------

    def current_group(self) -> str:
        return list(self.models)[self.tabs.currentIndex()]

    def selected_register(self) -> Register | None:
        group = self.current_group()
        index = self.views[group].currentIndex()
        if not index.isValid():
            return None
        source = self.proxies[group].mapToSource(index)
        return self.models[group].register_at(source.row()) if source.isValid() else None

    def update_permissions(self) -> None:
        """Write… only for who may write registers (after every login change); others only read."""
        show_for(self.session.user, self.write_button, Action.WRITE_REGISTER)
        allowed = can(self.session.user, Action.WRITE_REGISTER)
        for model in self.models.values():
            model.set_write_allowed(allowed)
        self._update_write_button()

    def _update_write_button(self) -> None:
        register = self.selected_register()
        held = self.bridge.engine.replay_hold() or (
            "" if not self.bridge.link_lost else self.tr("PLC link lost: nothing can be written until it is back."))
        why = held or ("" if register is not None and register.writable
                       else self.tr("Select a writable register (access rw) first."))
        set_unavailable(self.write_button, why)

    def _on_activated(self, group: str, index: QModelIndex) -> None:
        source = self.proxies[group].mapToSource(index)
        if not source.isValid():
            return
        register = self.models[group].register_at(source.row())
        if register.writable and can(self.session.user, Action.WRITE_REGISTER):  # others only read
            self.open_write(register)

    def open_write_for_selection(self) -> WriteDialog | None:
        register = self.selected_register()
        return self.open_write(register) if register is not None and register.writable else None

    def select(self, name: str) -> None:
        """Show the tab of register ``name`` and select its row (the search is cleared if it hides it)."""
        register = self.bridge.engine.register_map[name]
        group = register.group
        if not self.proxies[group].matches(register):
            self.search.clear()
        self.tabs.setCurrentIndex(list(self.models).index(group))
        model = self.models[group]
        row = self.proxies[group].mapFromSource(model.index(model.row_of(name), 0)).row()
        self.views[group].selectRow(row)
        self._update_write_button()

    def open_write(self, register: Register) -> WriteDialog:
        if self.dialog is not None and (self.dialog.task is None or self.dialog.task.done()):
            self.dialog.close()
            delete_later(self.dialog)
            self.dialog = None
        latest = self.bridge.latest
        current = latest.values.get(register.name) if latest is not None else None
        if current is None:
            current = self.models[register.group].value_of(register.name)
        dialog = WriteDialog(
            self.bridge.engine,
            register,
            current,
            user=self.session.user,
            kiosk=self.session.kiosk,
            decimals=self.models[ALL].decimals.get(register.unit),
            parent=self.window(),
        )
        self.dialog = dialog
        dialog.show()
        return dialog
