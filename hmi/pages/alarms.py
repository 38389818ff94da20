"""The alarms page (ISA-18.2): the operator's alarms, the suppressed ones, history and the engineer queue.

Counts are the alarm manager's one definition (core.api AlarmCounts), worded as on the banner
(hmi.widgets.alarm_strip.counts_text), so the banner, this page and the status bar always agree.
States are told apart by more than colour (hmi.widgets.alarm_table): active-unacknowledged bold
with a flashing priority shape, active-acknowledged steady, cleared-unacknowledged hollow and
grey, shelved apart. Priority is shape + number + name. The engineer's queue (statistical
detectors, never on the operator's banner) has its own tab for those who may act on it. Empty
tables say so. Touch targets are at least 48 px. Nothing here is modal: the shelve dialog answers
through a signal, history reads are short read-only queries in the engine's worker (the History
tab: hmi.widgets.alarm_history). Every text is tr()'d; the page retranslates on a language switch.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

from PySide6.QtCore import QEvent, QTimer, Signal, SignalInstance
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import Alarm, AlarmCounts, AlarmState, EngineApi, Permission, Result
from hmi.code_names import alarm_text_for, reason_text
from hmi.dialogs.alarm_shelve import ShelveDialog
from hmi.i18n import translate
from hmi.permissions import Action, can, show_for
from hmi.session import Session, acting
from hmi.widgets.alarm_history import AlarmHistoryPanel, touch_button
from hmi.widgets.alarm_strip import COLOURS, counts_text
from hmi.widgets.alarm_table import AlarmTableModel, AlarmView, language
from hmi.widgets.empty_hint import EmptyHint
from hmi.widgets.fitted_text import TabRowMessage

log = logging.getLogger("bandsaw.hmi.alarms")

FLASH_MS = 500  # as the banner: active-unacknowledged alarms flash once a second
ACTIVE, SHELVED, HISTORY, ENGINEER = range(4)  # tab indices
# The priority colours of the banner (background, text), for whoever paints a priority.
PRIORITY_COLOURS = {p: (c.name(), "#ffffff" if int(p) == 1 else "#000000") for p, c in COLOURS.items()}
ALARM_COLUMNS = {
    AlarmTableModel.PRIORITY: "4 Critical",
    AlarmTableModel.RAISED: "2026-12-31 23:59:59",
    AlarmTableModel.STATE: "Cleared, not acknowledged",
}


class AlarmSignals(Protocol):
    """What the page needs from the bridge (hmi.bridge.EngineBridge has both)."""

    alarm_transition: SignalInstance
    alarms_changed: SignalInstance


def _permitted(user: str, action: str) -> bool:
    # Acknowledge/shelve are checked once access control names them; until then anyone logged in.
    if action in {a.value for a in Action}:
        return can(user, action)
    return bool(user)


def summary_text(counts: AlarmCounts, *, engineer: bool) -> str:
    """The page's count line: the banner's words (one definition), the engineer queue for engineers."""
    text = counts_text(counts) or translate("AlarmsPage", "No alarms")
    if engineer and counts.engineer:
        text += " · " + translate("AlarmsPage", "engineer queue %1").replace("%1", str(counts.engineer))
    return text


class AlarmsPage(QWidget):
    """``AlarmsPage(bridge, engine)``: bridge gives alarm signals; the engine's commands act (checked, audited)."""

    sessions_changed = Signal()  # a login or logout anywhere: who may see the engineer queue changed

    def __init__(
        self, bridge: AlarmSignals, engine: EngineApi, parent: QWidget | None = None, *, session: Session | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmsPage")
        self.engine = engine
        # The window's session (who is logged in now); set_user() names someone else.
        self.session = session or getattr(parent, "session", None) or Session.default(kiosk=engine.settings.hmi.kiosk)
        self._user: str | None = None
        self.shelve_dialog: ShelveDialog | None = None
        self._message: tuple[str, tuple[str, ...]] = ("", ())

        self.summary_label = QLabel("", self)
        self.summary_label.setObjectName("AlarmSummary")
        self.tabs = QTabWidget(self)
        # The message beside the tabs: it takes no line of its own (a 48 px line under the tabs stood
        # empty nearly all the time) and nothing moves when it comes or goes.
        self.message_label = TabRowMessage(self.tabs)
        self.message_label.setObjectName("AlarmMessage")
        self.message_label.setVisible(False)
        self.tabs.addTab(self._build_active(), "")
        self.tabs.addTab(self._build_shelved(), "")
        self.history = AlarmHistoryPanel(engine, lambda: acting(self.user), self._say, self)
        self.tabs.addTab(self.history, "")
        self.tabs.addTab(self._build_engineer(), "")

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tabs, 1)

        self.flash = QTimer(self)
        self.flash.setInterval(FLASH_MS)
        self.flash.timeout.connect(self._toggle_flash)

        bridge.alarms_changed.connect(self.refresh)
        bridge.alarm_transition.connect(self._on_transition)
        # Logins happen over this page (the login dialog): the engineer tab follows at once. The
        # signal crosses to the GUI thread whichever thread the engine tells it from.
        self.sessions_changed.connect(self.refresh)
        signal = self.sessions_changed

        def tell(_user: str, _event: str) -> None:
            with contextlib.suppress(RuntimeError):  # the page is gone: nobody to tell
                signal.emit()

        self._unsubscribe_sessions = engine.subscribe_sessions(tell)
        unsubscribe = self._unsubscribe_sessions  # a plain closure: safe to call after the page is gone
        self.destroyed.connect(lambda _obj=None: unsubscribe())
        self.retranslate()

    def stop(self) -> None:
        """The window is closing: no more session news, no flashing."""
        self._unsubscribe_sessions()
        self.flash.stop()

    @property
    def user(self) -> str:
        return self._user or self.session.user

    @user.setter
    def user(self, user: str) -> None:
        self._user = user

    def set_user(self, user: str) -> None:
        """Who acknowledges and shelves from now on (login changes)."""
        self._user = user
        self.refresh()

    # --- building ------------------------------------------------------------------------

    def _alarm_view(self, model: AlarmTableModel, parent: QWidget) -> AlarmView:
        view = AlarmView(
            model,
            parent,
            fixed=ALARM_COLUMNS,
            icons=(AlarmTableModel.PRIORITY,),
            stretch=(AlarmTableModel.TEXT, AlarmTableModel.RESPONSE),
            wrap=True,
        )
        view.selectionModel().selectionChanged.connect(self._update_buttons)
        return view

    def _build_active(self) -> QWidget:
        box = QWidget(self)
        self.active_model = AlarmTableModel(self)
        self.active_view = self._alarm_view(self.active_model, box)
        self.active_hint = EmptyHint(self.active_view, "")
        self.ack_button = touch_button(box, "AckButton")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_all_button = touch_button(box, "AckAllButton")
        self.ack_all_button.clicked.connect(self.acknowledge_all)
        self.shelve_button = touch_button(box, "ShelveButton")
        self.shelve_button.clicked.connect(self.open_shelve_dialog)
        row = QHBoxLayout()
        row.setSpacing(12)
        for button in (self.ack_button, self.ack_all_button, self.shelve_button):
            row.addWidget(button)
        row.addStretch(1)
        # Touch has no hover: the whole text and response of the selected (or top) alarm, readable;
        # shown only when there is an alarm (its 52 px stood empty under an empty table).
        self.detail_label = QLabel(box)
        self.detail_label.setObjectName("AlarmDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setVisible(False)
        layout = QVBoxLayout(box)
        layout.addWidget(self.active_view, 1)
        layout.addWidget(self.detail_label)
        layout.addLayout(row)
        return box

    def _show_detail(self) -> None:
        alarm = self.selected_alarm() or (self.active_model.alarms[0] if self.active_model.alarms else None)
        if alarm is None:
            self.detail_label.setText("")
            self.detail_label.setVisible(False)
            return
        lang = language()
        response = alarm.response_for(lang)
        self.detail_label.setText(alarm_text_for(alarm, lang) + (f"  →  {response}" if response else ""))
        self.detail_label.setVisible(True)

    def _build_shelved(self) -> QWidget:
        box = QWidget(self)
        self.shelved_model = AlarmTableModel(self)
        self.shelved_view = self._alarm_view(self.shelved_model, box)
        self.shelved_hint = EmptyHint(self.shelved_view, "")
        self.unshelve_button = touch_button(box, "UnshelveButton")
        self.unshelve_button.clicked.connect(self.unshelve_selected)
        self.return_button = touch_button(box, "ReturnButton")
        self.return_button.clicked.connect(self.return_selected)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.unshelve_button)
        row.addWidget(self.return_button)
        row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.shelved_view, 1)
        layout.addLayout(row)
        return box

    def _build_engineer(self) -> QWidget:
        box = QWidget(self)
        self.engineer_model = AlarmTableModel(self)
        self.engineer_view = self._alarm_view(self.engineer_model, box)
        self.engineer_hint = EmptyHint(self.engineer_view, "")
        self.engineer_note = QLabel(box)
        self.engineer_note.setObjectName("EngineerNote")
        self.engineer_note.setWordWrap(True)
        self.engineer_ack_button = touch_button(box, "EngineerAckButton")
        self.engineer_ack_button.clicked.connect(self.acknowledge_engineer_selected)
        row = QHBoxLayout()
        row.addWidget(self.engineer_ack_button)
        row.addWidget(self.engineer_note, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.engineer_view, 1)
        layout.addLayout(row)
        return box

    # --- language ------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Every fixed text in the screen's language (at start and on a language switch)."""
        self.ack_button.setText(self.tr("Acknowledge"))
        self.ack_all_button.setText(self.tr("Acknowledge all"))
        self.shelve_button.setText(self.tr("Shelve…"))
        self.unshelve_button.setText(self.tr("Unshelve"))
        self.return_button.setText(self.tr("Return to service"))
        self.engineer_ack_button.setText(self.tr("Acknowledge"))
        self.engineer_note.setText(
            self.tr(
                "Statistical detectors and diagnostics: for judgement, not an operator "
                "response. They never reach the operator's banner."
            )
        )
        self.active_hint.setText(self.tr("No alarms"))
        self.shelved_hint.setText(self.tr("No shelved or out-of-service alarms"))
        self.engineer_hint.setText(self.tr("The engineer queue is empty"))
        for model in (self.active_model, self.shelved_model, self.engineer_model):
            model.retranslate()
        for view in (self.active_view, self.shelved_view, self.engineer_view):
            view.fit_columns()
        self.history.retranslate()
        self._say(*self._message_args())
        self.refresh()

    def _message_args(self) -> tuple[str, ...]:
        return (self._message[0], *self._message[1])

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "flash"):
            self.retranslate()

    # --- live state ----------------------------------------------------------------------

    def engineer_view_allowed(self) -> bool:
        """Engineers and up see the engineer queue (the engine's own permission table decides)."""
        return self.engine.allowed(acting(self.user), Permission.CHANGE_CONTROL_SETTINGS)

    def refresh(self, _alarms: object = None) -> None:
        """Re-read the manager: active list (priority, newest first), suppressed, engineer queue, counts."""
        self._reload(self.active_view, self.active_model, self.engine.active_alarms())
        self._reload(self.shelved_view, self.shelved_model, self.engine.suppressed_alarms())
        engineer = self.engineer_view_allowed()
        self._reload(self.engineer_view, self.engineer_model, self.engine.engineer_alarms() if engineer else [])
        counts = self.engine.alarm_summary()
        self.summary_label.setText(summary_text(counts, engineer=engineer))
        self.tabs.setTabText(ACTIVE, self.tr("Alarms (%1)").replace("%1", str(counts.attention)))
        self.tabs.setTabText(
            SHELVED, self.tr("Shelved (%1)").replace("%1", str(counts.shelved + counts.out_of_service))
        )
        self.tabs.setTabText(HISTORY, self.tr("History"))
        self.tabs.setTabText(ENGINEER, self.tr("Engineer queue (%1)").replace("%1", str(counts.engineer)))
        if self.tabs.isTabVisible(ENGINEER) != engineer:
            if not engineer and self.tabs.currentIndex() == ENGINEER:
                self.tabs.setCurrentIndex(ACTIVE)
            self.tabs.setTabVisible(ENGINEER, engineer)
        self._update_flash()
        self._update_buttons()

    @staticmethod
    def _reload(view: QTableView, model: AlarmTableModel, alarms: list[Alarm]) -> None:
        selected = AlarmsPage._selected_key(view, model)
        model.set_alarms(alarms)
        row = model.row_of(selected) if selected else -1
        if row >= 0:
            view.selectRow(row)

    def _update_flash(self) -> None:
        flashing = self.isVisible() and (self.active_model.flashing() or self.engineer_model.flashing())
        if flashing and not self.flash.isActive():
            self.flash.start()
        elif not flashing and self.flash.isActive():
            self.flash.stop()
            self._set_lit(True)

    def _toggle_flash(self) -> None:
        self._set_lit(not self.active_model.lit)

    def _set_lit(self, lit: bool) -> None:
        for model in (self.active_model, self.engineer_model):
            model.set_lit(lit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # who is logged in may have changed while hidden

    def hideEvent(self, event: QHideEvent) -> None:
        self.flash.stop()  # a hidden page costs nothing
        self._set_lit(True)
        super().hideEvent(event)

    def _on_transition(self, _transition: object) -> None:
        # alarms_changed follows every transition; the History tab re-reads itself when shown and,
        # throttled, after transitions (hmi.widgets.alarm_history).
        self.history.transition_seen()

    @staticmethod
    def _selected_key(view: QTableView, model: AlarmTableModel) -> str | None:
        rows = view.selectionModel().selectedRows()
        return model.key_at(rows[0].row()) if rows else None

    def selected_alarm(self) -> Alarm | None:
        key = self._selected_key(self.active_view, self.active_model)
        return self.engine.alarm(key) if key else None

    def _update_buttons(self, *_args: object) -> None:
        self._show_detail()
        alarm = self.selected_alarm()
        ackable = (AlarmState.UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED)
        # Nobody sees a button that can only refuse them (hmi.permissions.show_for hides and tags it).
        for button, action in (
            (self.ack_button, Action.ACKNOWLEDGE_ALARM),
            (self.ack_all_button, Action.ACKNOWLEDGE_ALARM),
            (self.engineer_ack_button, Action.ACKNOWLEDGE_ALARM),
            (self.shelve_button, Action.SHELVE_ALARM),
            (self.unshelve_button, Action.SHELVE_ALARM),
            (self.return_button, Action.SHELVE_ALARM),
            (self.history.export_button, Action.EXPORT),
        ):
            show_for(self.user, button, action)
        self.ack_button.setEnabled(alarm is not None and alarm.state in ackable)
        self.ack_all_button.setEnabled(any(a.state in ackable for a in self.active_model.alarms))
        self.shelve_button.setEnabled(alarm is not None)
        key = self._selected_key(self.shelved_view, self.shelved_model)
        suppressed = self.engine.alarm(key) if key else None
        self.unshelve_button.setEnabled(suppressed is not None and suppressed.state is AlarmState.SHELVED)
        self.return_button.setEnabled(suppressed is not None and suppressed.state is AlarmState.OUT_OF_SERVICE)
        key = self._selected_key(self.engineer_view, self.engineer_model)
        item = self.engine.alarm(key) if key else None
        self.engineer_ack_button.setEnabled(item is not None and item.state in ackable)

    def _say(self, key: str, *args: str) -> None:
        """Message ``key`` (its English source) in the screen's language with %1.. filled."""
        self._message = (key, args)
        count = int(args[0]) if args and args[0].isdigit() else -1  # for the %n texts' plural form
        texts = {
            "Acknowledged: %1": self.tr("Acknowledged: %1"),
            "%1 alarms acknowledged": self.tr("%n alarms acknowledged", "", count),
            "Shelved for %1 min: %2": self.tr("Shelved for %1 min: %2"),
            "Could not shelve %1: %2": self.tr("Could not shelve %1: %2"),
            "History unavailable: %1": self.tr("History unavailable: %1"),
            "Export failed: %1": self.tr("Export failed: %1"),
            "Exported %1 rows to %2": self.tr("Exported %n rows to %2", "", count),
        }
        text = texts.get(key, key)  # an engine's reason is shown as the engine words it
        for i, value in enumerate(args, start=1):
            text = text.replace(f"%{i}", value)
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    # --- operator actions ----------------------------------------------------------------

    def acknowledge_selected(self) -> bool:
        alarm = self.selected_alarm()
        if alarm is None or not _permitted(self.user, "acknowledge_alarm"):
            return False
        result = self.engine.acknowledge_alarm(acting(self.user), alarm.key)
        self.refresh()  # at once: the bridge's alarm event comes after this slot
        if result.ok:
            self._say("Acknowledged: %1", alarm_text_for(alarm, language()))
        else:
            self._say(reason_text(result)[:1].upper() + reason_text(result)[1:])
        return result.ok

    def acknowledge_engineer_selected(self) -> bool:
        key = self._selected_key(self.engineer_view, self.engineer_model)
        if key is None or not _permitted(self.user, "acknowledge_alarm"):
            return False
        return self._done(self.engine.acknowledge_alarm(acting(self.user), key))

    def acknowledge_all(self) -> int:
        if not _permitted(self.user, "acknowledge_alarm"):
            return 0
        result = self.engine.acknowledge_all_alarms(acting(self.user))
        if not result.ok:
            self._say(reason_text(result))
            return 0
        count = result.value or 0
        self.refresh()
        self._say("%1 alarms acknowledged", str(count))
        return count

    def open_shelve_dialog(self) -> ShelveDialog | None:
        alarm = self.selected_alarm()
        if alarm is None or not _permitted(self.user, "shelve_alarm"):
            return None
        if self.shelve_dialog is not None:
            self.shelve_dialog.close()
        dialog = ShelveDialog(alarm, self)
        dialog.shelve_requested.connect(self.shelve)
        dialog.finished.connect(self._dialog_closed)
        self.shelve_dialog = dialog
        dialog.show()  # non-modal: the event loop and the engine keep running
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        self.shelve_dialog = None

    def shelve(self, key: str, duration_s: float, reason: str) -> bool:
        result = self.engine.shelve_alarm(acting(self.user), key, duration_s, reason)
        self.refresh()
        alarm = self.engine.alarm(key)
        name = alarm_text_for(alarm, language()) if alarm else key
        if result.ok:
            self._say("Shelved for %1 min: %2", f"{duration_s / 60:.0f}", name)
        else:
            self._say("Could not shelve %1: %2", name, reason_text(result))
        return result.ok

    def unshelve_selected(self) -> bool:
        key = self._selected_key(self.shelved_view, self.shelved_model)
        return key is not None and self._done(self.engine.unshelve_alarm(acting(self.user), key))

    def return_selected(self) -> bool:
        key = self._selected_key(self.shelved_view, self.shelved_model)
        return key is not None and self._done(self.engine.set_alarm_in_service(acting(self.user), key, True))

    def _done(self, result: Result[None]) -> bool:
        self.refresh()
        if not result.ok:
            self._say(reason_text(result))
        return result.ok
