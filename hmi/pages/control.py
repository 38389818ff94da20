"""The ML control page: mode and the ML switch, the model's live output, decisions, model, torque guard.

Operator: switches ML on (confirmed in a dialog, refused with the reason) and off (at once: manual
is the safe direction), sees the mode, why ML last stopped, the model output and the guard events.
The confirmation is a non-modal dialog (a modal exec() would nest an event loop inside qasync) and
messages have a fixed place: nothing on the page moves under the operator's finger.
Engineer: chooses the model file and edits the torque-guard settings (until restart).
Everything refreshes on the page's own QTimer (4 Hz for the controller status, 1 Hz for ml.db),
never per snapshot, and only while the page is shown. Nothing is modal. Every text is tr()'d and
the page retranslates itself on a language switch.

    page = ControlPage(bridge, engine, parent, session=session)
    page.mode_changed.connect(...)            # "manual" / "ml" / "" (engine not running)
    page.availability_changed.connect(...)    # (ML possible?, why not) for the dashboard toggle
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import ALARM_FAULT, ALARM_GUARD, ControlView, EngineApi, MlJournal, Result, Text
from core.config import TorqueGuardSettings
from hmi.bridge import EngineBridge
from hmi.code_names import alarm_text_for, decision_mode_name, journal_text, reason_text
from hmi.dialogs.confirm import ConfirmDialog
from hmi.formatting import feature_labels, format_g, format_signed
from hmi.i18n import Translator, translate
from hmi.kiosk import ROW_PX as KIOSK_ROW_PX
from hmi.permissions import Action, can, needs_confirmation, requires, set_unavailable, show_for
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.control_common import STYLE, box, label, ml_availability, permitted_action, set_text
from hmi.widgets.control_decisions import DecisionsTab, time_text
from hmi.widgets.control_guard import GuardSettingsPanel
from hmi.widgets.control_handover import HandoverPanel
from hmi.widgets.control_model import ModelPanel
from hmi.widgets.control_output import CoefficientBar, FeatureTable
from hmi.widgets.fitted_text import TabRowMessage
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.control")

STATUS_MS = 250  # 4 Hz: the controller decides at 5 Hz; nobody reads faster than this
JOURNAL_EVERY = 4  # ml.db once a second
CONFIRM_TIMEOUT_S = 15.0
TOUCH_PX = 56
ROW_PX = 28  # decision rows on the desktop; kiosk rows are hmi.kiosk's (touch targets >= 48 px)


def action_words(action: str) -> str:
    """The controller's decision actions (core.control.journal.DecisionRow.action) in the operator's words."""
    words = {
        "wait": translate("ControlPage", "initial delay"), "hold": translate("ControlPage", "holding the speeds"),
        "model": translate("ControlPage", "model deciding"),
        "write": translate("ControlPage", "model changed the speeds"),
        "guard": translate("ControlPage", "torque guard cut the descent speed"),
        "restore": translate("ControlPage", "restoring the operator's speeds"),
        "fault": translate("ControlPage", "stopped"), "refused": translate("ControlPage", "write refused"),
    }
    return words.get(action, action)


def _arg(text: str, *values: object) -> str:
    """Qt's %1, %2 … placeholders filled (translations may reorder them)."""
    for i, value in enumerate(values, start=1):
        text = text.replace(f"%{i}", str(value))
    return text

# Engineer actions (core.security.permissions: engineer and up); the closest existing action if a
# build of hmi.permissions lacks them.
GUARD_ACTION, MODEL_ACTION = "change_control_settings", "change_ml_settings"
DECISIONS_TAB, MODEL_TAB, GUARD_TAB = 0, 1, 2

class ControlPage(QWidget):
    mode_changed = Signal(str)
    availability_changed = Signal(bool, str)

    def __init__(
        self,
        bridge: EngineBridge,
        engine: EngineApi,
        parent: QWidget | None = None,
        *,
        session: Session | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ControlPage")
        self.setStyleSheet(STYLE)
        self.bridge = bridge
        self.engine = engine
        settings = engine.settings
        self.session = session or getattr(parent, "session", None) or Session.default(kiosk=settings.hmi.kiosk)
        self.journal_task: asyncio.Task[None] | None = None
        self._ticks = 0
        self._mode = "?"
        self._available: tuple[bool, str] | None = None
        self._confirm_until: float | None = None
        self.confirm_dialog: ConfirmDialog | None = None
        self._last_guard = ""  # the newest guard event in ml.db, as text

        # --- top strip: mode, switch, output, guard -------------------------------------------
        mode_box, mode_layout = box("", self)
        self.mode_label = label(mode_box, "ModeValue", "—", wrap=False)
        self.mode_detail = label(mode_box, "ModeDetail")
        self.fault_label = label(mode_box, "FaultText")
        self.change_label = label(mode_box, "ControlNote")
        for widget in (self.mode_label, self.mode_detail, self.fault_label, self.change_label):
            mode_layout.addWidget(widget)
        mode_layout.addStretch(1)

        switch_box, switch_layout = box("", self)
        self.switch_box = switch_box  # hidden for a viewer (hmi.permissions.show_for)
        self.toggle = QPushButton(switch_box)
        self.toggle.setObjectName("MlToggle")
        self.toggle.setMinimumSize(240, 72)
        self.toggle.clicked.connect(self.toggle_clicked)
        self.toggle_reason = label(switch_box, "ToggleReason")
        switch_layout.addWidget(self.toggle)
        switch_layout.addWidget(self.toggle_reason)
        switch_layout.addStretch(1)

        output_box, output_layout = box("", self)
        self.coefficient_label = label(output_box, "BigNumber", "—", wrap=False)
        self.coefficient_bar = CoefficientBar(output_box)
        self.cut_label = label(output_box, "ControlNote")
        output_layout.addWidget(self.coefficient_label)
        output_layout.addWidget(self.coefficient_bar)
        output_layout.addWidget(self.cut_label)

        guard_box, guard_layout = box("", self)
        self.guard_count = label(guard_box, "BigNumber", "0", wrap=False)
        self.guard_caption = label(guard_box, "ControlNote", "", wrap=False)
        count_row = QHBoxLayout()
        count_row.addWidget(self.guard_count)
        count_row.addWidget(self.guard_caption, 1, Qt.AlignmentFlag.AlignBottom)
        self.guard_text = label(guard_box, "GuardText")
        guard_layout.addLayout(count_row)
        guard_layout.addWidget(self.guard_text)
        guard_layout.addStretch(1)
        self._box_titles = [b.findChild(QLabel, "BoxTitle") for b in (mode_box, switch_box, output_box, guard_box)]

        strip = QHBoxLayout()
        strip.setSpacing(8)
        strip.addWidget(mode_box, 4)
        strip.addWidget(switch_box, 3)
        strip.addWidget(output_box, 4)
        strip.addWidget(guard_box, 4)

        # --- the previous run ended with ML holding the speeds (shown only while that is open) ----
        units = {name: engine.register_map[name].unit for name in ("cutting_speed", "descent_speed")
                 if name in engine.register_map}
        self.handover = HandoverPanel(lambda: self.engine.restore_previous_speeds(self.session.actor()),
                                      lambda: self.engine.keep_present_speeds(self.session.actor()), units, self)

        # --- body: live inputs | decisions, model, guard settings ------------------------------
        self.inputs_box, inputs_layout = box("", self)
        self.features = FeatureTable(self.inputs_box)
        inputs_layout.addWidget(self.features, 1)
        self.inputs_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        self.decisions_tab = DecisionsTab(row_px=self._row_px(), parent=self, registers=engine.register_map)
        self.decisions = self.decisions_tab.model
        self.changes_only = self.decisions_tab.changes_only
        self.changes_only.toggled.connect(lambda _on: self.refresh_journal(replace=True))

        self.model_panel = ModelPanel(self.engine.control_view, self.engine.models,
                                      lambda path: self.engine.load_model(self.session.actor(), path),
                                      permitted=self._engineer(MODEL_ACTION), parent=self)
        self.model_panel.loaded.connect(self._model_loaded)
        self.guard_panel = GuardSettingsPanel(
            self._guard_targets, permitted=self._engineer(GUARD_ACTION),
            apply=lambda changes: self.engine.set_guard_settings(self.session.actor(), changes),
                                              kiosk=self.session.kiosk, parent=self)
        self.guard_panel.applied.connect(self._guard_applied)

        self.tabs = QTabWidget(self)
        # --- the message: a fixed place beside the tabs, so a message never moves anything; it had a
        # 44 px line of its own between the top strip and the tables, empty nearly all the time.
        self.message = TabRowMessage(self.tabs)
        self.message.setObjectName("ControlMessage")
        self.message.setVisible(False)
        self.tabs.addTab(self.decisions_tab, "")
        # Long forms scroll inside their tab (touch-sized scroll bar in kiosk): the page keeps to 800 px.
        self.tabs.addTab(_scrolled(self.model_panel), "")
        self.tabs.addTab(_scrolled(self.guard_panel), "")
        body = QHBoxLayout()
        body.setSpacing(8)
        body.addWidget(self.inputs_box, 3)
        body.addWidget(self.tabs, 8)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(strip)
        layout.addWidget(self.handover)
        layout.addLayout(body, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(STATUS_MS)
        self.timer.timeout.connect(self._on_timer)
        self.retranslate()
        self.update_permissions()

    def retranslate(self) -> None:
        """Every fixed text in the screen's language (at start and on a language switch)."""
        titles = (self.tr("Control mode"), self.tr("ML speed control"), self.tr("Model output (coefficient)"),
                  self.tr("Torque guard"))
        for caption, title in zip(self._box_titles, titles, strict=True):
            if caption is not None:
                caption.setText(title)
        inputs_title = self.inputs_box.findChild(QLabel, "BoxTitle")
        if inputs_title is not None:
            inputs_title.setText(self.tr("Live model inputs (last decision)"))
        self.guard_caption.setText(self.tr("events since start"))
        self.tabs.setTabText(0, self.tr("Decisions"))
        self.tabs.setTabText(1, self.tr("Model"))
        self.tabs.setTabText(2, self.tr("Torque guard settings"))
        for part in (self.decisions_tab, self.features, self.model_panel, self.guard_panel, self.handover):
            part.retranslate()
        if self.confirm_dialog is not None:
            self.confirm_dialog.question.setText(self._confirm_question())
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "timer"):
            self.retranslate()

    def _row_px(self) -> int:
        return KIOSK_ROW_PX if self.session.kiosk else ROW_PX

    # --- lifecycle: the timer runs only while the page is shown --------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.refresh_journal()
        self.model_panel.start_rescan()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def stop(self) -> None:
        """Stop the timer (the main window's shutdown) and close an open confirmation; reads in
        flight end with their worker."""
        self.timer.stop()
        self.cancel_confirmation()

    def _on_timer(self) -> None:
        self._ticks += 1
        self.refresh()
        if self._ticks % JOURNAL_EVERY == 0:
            self.refresh_journal()

    # --- refresh ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Controller status into the widgets (cheap: in-memory reads, text set only on change)."""
        view = self.engine.control_view()
        available = ml_availability(view)
        if available != self._available:
            self._available = available
            self.availability_changed.emit(*available)
        mode = view.status.mode if view is not None else ""
        if mode != self._mode:
            if self._mode != "?":
                self._say("none", "")  # an old "ML mode on." must not outlive the mode it announced
            self._mode = mode
            self.mode_changed.emit(mode)
        if self._confirm_until is not None and (time.monotonic() > self._confirm_until or mode == "ml"
                                                or not available[0]):
            self.cancel_confirmation()  # the question is stale: nobody answers it by accident later
        self.guard_panel.set_kiosk(self.session.kiosk)
        self.decisions_tab.set_row_height(self._row_px())
        self.model_panel.refresh()
        if view is None:
            self.handover.show_question({}, {}, self.session.user)
            self._show_stopped()
            return
        status = view.status
        self.handover.show_question(status.left_speeds, status.left_operator, self.session.user, status.left_changed,
                                    status.in_cut)
        self._show_mode(view, status.in_cut, status.controlling, status.last_action, status.last_reason)
        self._show_toggle(mode, available)
        held = not status.controlling or status.coefficient is None
        coefficient = format_signed(status.coefficient, 2)
        if held and status.coefficient is not None:
            coefficient = _arg(self.tr("%1  (held)"), coefficient)
        set_text(self.coefficient_label, coefficient)
        set_state(self.coefficient_label, "held" if held else "live")
        self.coefficient_bar.set_value(status.coefficient, held=held)
        speeds = {"cutting_speed": self.tr("cutting"), "descent_speed": self.tr("descent")}
        saved = ", ".join(f"{speeds.get(name, name)} {format_g(value)}" for name, value in status.saved_speeds.items())
        cut = self.tr("in a cut") if status.in_cut else self.tr("no cut")
        if status.controlling:
            cut = _arg(self.tr("%1, ML controlling"), cut)
        if saved and status.controlling:
            cut = _arg(self.tr("%1; operator speeds saved: %2"), cut, saved)
        set_text(self.cut_label, cut)
        self.features.set_features(view.model_features, status.features, held=held,
                                   labels=feature_labels(self.engine.register_map, view.model_features))
        self._show_guard(view, status.guard_events)

    def _show_stopped(self) -> None:
        set_text(self.mode_label, "—")
        set_state(self.mode_label, "stale")
        set_text(self.mode_detail, self.tr("The engine is not running."))
        self.fault_label.setVisible(False)
        set_text(self.toggle, self.tr("ML unavailable"))
        set_text(self.toggle_reason, self.tr("ML unavailable: the engine is not running"))
        set_unavailable(self.toggle, self.toggle_reason.text())

    def _show_mode(self, view: ControlView, in_cut: bool, controlling: bool, action: str, reason: str) -> None:
        ml = view.status.mode == "ml"
        set_text(self.mode_label, self.tr("ML") if ml else self.tr("MANUAL"))
        set_state(self.mode_label, "ml" if ml else "manual")
        if ml:
            doing = (self.tr("controlling the cut") if controlling
                     else self.tr("cut starting") if in_cut else self.tr("waiting for a cut"))
            # wait/hold reasons say it all ("initial delay 2.0/5.0 s", "features not ready").
            reason = journal_text(reason, self.engine.register_map)
            words = reason if action in ("wait", "hold") and reason else (
                action_words(action) + (f": {reason}" if reason else ""))
            detail = _arg(self.tr("ML %1"), doing)
            if action and controlling:
                detail += f" — {words}"
        elif view.status.left_speeds:
            detail = self.tr("Manual; the PLC still holds the speeds ML set before the engine stopped")
        else:
            detail = self.tr("Operator's speeds (manual)")
        set_text(self.mode_detail, detail)
        fault = view.last_fault
        self.fault_label.setVisible(bool(fault))
        if fault:
            alarm = self.engine.alarm(ALARM_FAULT)
            attention = alarm is not None and alarm.needs_attention
            set_text(self.fault_label, _arg(self.tr("ML stopped: %1"), journal_text(fault, self.engine.register_map)))
            set_state(self.fault_label, "attention" if attention else "none")

    def update_permissions(self) -> None:
        """Hide what the user can never do (after every login change): the ML switch for a viewer,
        the model and torque-guard settings tabs for anyone below an engineer."""
        user = self.session.user
        requires(self.toggle, Action.TOGGLE_ML)
        show_for(user, self.switch_box, Action.TOGGLE_ML)  # the box with the switch and its reason
        for index, action in ((MODEL_TAB, Action.CHANGE_ML_SETTINGS), (GUARD_TAB, Action.CHANGE_CONTROL_SETTINGS)):
            page = self.tabs.widget(index)
            if page is not None:
                requires(page, action)
            allowed = can(user, action)
            if not allowed and self.tabs.currentIndex() == index:
                self.tabs.setCurrentIndex(DECISIONS_TAB)
            self.tabs.setTabVisible(index, allowed)
        self.refresh()

    def _show_toggle(self, mode: str, available: tuple[bool, str]) -> None:
        if mode == "ml":
            set_unavailable(self.toggle, "")
            set_text(self.toggle, self.tr("Switch ML off"))
            set_text(self.toggle_reason, self.tr("Back to manual at once; your speeds are restored."))
        else:
            ok, why = available
            held = self.engine.replay_hold()
            if ok and held:  # a replay holds the PLC writes: ML may not start now (the engine refuses too)
                ok, why = False, held
            set_unavailable(self.toggle, "" if ok else why[:1].upper() + why[1:])
            set_text(self.toggle, self.tr("Switch ML on") if ok else self.tr("ML unavailable"))
            set_text(self.toggle_reason, "" if ok else why[:1].upper() + why[1:])

    def _show_guard(self, view: ControlView, events: int) -> None:
        set_text(self.guard_count, str(max(events, view.guard_events)))
        alarm = self.engine.alarm(ALARM_GUARD)
        lang = _language()
        if not view.guard.enabled:
            text, state = self.tr("Torque guard DISABLED (Torque guard settings)"), "attention"
        elif alarm is not None and alarm.condition:
            text = f"{time_text(alarm.raised_ms)}  {alarm_text_for(alarm, lang).removeprefix('Torque guard: ')}"
            state = "attention"
        elif self._last_guard:
            text, state = self._last_guard, "none"
        else:
            text, state = self.tr("No guard event recorded"), "none"
        set_text(self.guard_text, text)
        set_state(self.guard_text, state)

    def refresh_journal(self, *, replace: bool = False) -> None:
        """Start reading ml.db (about 1 Hz; one read at a time): the engine reads in its worker."""
        if self.journal_task is not None and not self.journal_task.done():
            return
        try:
            self.journal_task = spawn(self.load_journal(replace=replace))
        except RuntimeError:  # no event loop (a widget test without one)
            self.journal_task = None

    async def load_journal(self, *, replace: bool = False) -> None:
        """ml.db: the newest decisions, the last mode change and guard event."""
        result = await self.engine.ml_journal(self.decisions_tab.model.capacity,
                                              changes_only=self.decisions_tab.changes_only.isChecked())
        journal = result.value if result.value is not None else MlJournal(error=reason_text(result))
        self.decisions_tab.show_rows(journal, replace=replace)
        registers = self.engine.register_map
        change = journal.last_mode_change
        if change is not None and not change.previous_mode:
            # The engine's start (core.control.modes.ModeManager.record_start): no previous mode.
            started = journal_text(change.reason, registers) or decision_mode_name(change.mode)
            set_text(self.change_label, _arg(self.tr("Last change %1: %2"), time_text(change.ts_ms), started))
        elif change is not None:
            # A fault's reason is already shown above; the change line then only says when and who.
            view = self.engine.control_view()
            fault = view.last_fault if view is not None else ""
            why = f": {journal_text(change.reason, registers)}" if change.reason and change.reason != fault else ""
            set_text(self.change_label, _arg(self.tr("Last change %1 %2 → %3 by %4"), time_text(change.ts_ms),
                                             decision_mode_name(change.previous_mode),
                                             decision_mode_name(change.mode), change.user) + why)
        guard = journal.last_guard_event
        if guard is not None:
            self._last_guard = _arg(self.tr("Last: %1  %2"), time_text(guard.ts_ms),
                                    journal_text(guard.reason, registers))

    # --- operator: the ML switch -----------------------------------------------------------------

    def toggle_clicked(self) -> None:
        if self._mode == "ml":
            self.switch_ml_off()
        else:
            self.request_ml_on()

    def _confirm_question(self) -> str:
        return self.tr("Switch ML on? During each cut the model adjusts the speeds; your speeds are saved and put "
                       "back when the cut ends.")

    def request_ml_on(self) -> bool:
        """Ask for ML: permission, availability, then a confirmation dialog (or at once).

        The dialog is non-modal (answered through its signal, no nested event loop under qasync)
        and floats over the page: nothing on the page moves, so the next tap lands where it aimed.
        """
        if not can(self.session.user, Action.TOGGLE_ML):
            self._say("refused", _arg(self.tr("Not permitted: %1 may not switch ML mode."), self.session.user))
            return False
        ok, why = ml_availability(self.engine.control_view())
        if not ok:
            self._say("refused", _arg(self.tr("ML refused: %1"), why))
            return False
        if not needs_confirmation(Action.TOGGLE_ML):
            return self.confirm_ml_on()
        self._say("none", "")
        if self.confirm_dialog is not None:  # asked already: the same question, brought to the front
            self.confirm_dialog.raise_()
            self.confirm_dialog.activateWindow()
        else:
            dialog = ConfirmDialog(self.tr("ML speed control"), self._confirm_question(),
                                   yes=self.tr("Yes, switch ML on"), no=self.tr("Cancel"), parent=self)
            dialog.answered.connect(self._confirm_answered)
            dialog.destroyed.connect(lambda _obj=None, d=dialog: self._dialog_gone(d))
            self.confirm_dialog = dialog
            dialog.show()
        self._confirm_until = time.monotonic() + CONFIRM_TIMEOUT_S
        return True

    def _confirm_answered(self, yes: bool) -> None:
        self.confirm_dialog = None
        self._confirm_until = None
        if yes:
            self.confirm_ml_on()

    def _dialog_gone(self, dialog: ConfirmDialog) -> None:
        if self.confirm_dialog is dialog:
            self.confirm_dialog = None
            self._confirm_until = None

    def confirm_ml_on(self) -> bool:
        self.cancel_confirmation()
        return self._set_mode("ml", str(Text("mode.operator_on")))  # ml.db keeps the English

    def cancel_confirmation(self) -> None:
        self._confirm_until = None
        dialog, self.confirm_dialog = self.confirm_dialog, None
        if dialog is not None:
            dialog.answered.disconnect(self._confirm_answered)
            dialog.close()

    def switch_ml_off(self) -> bool:
        # Manual is the safe direction: no confirmation, only the permission to touch the switch.
        if not can(self.session.user, Action.TOGGLE_ML):
            self._say("refused", _arg(self.tr("Not permitted: %1 may not switch ML mode."), self.session.user))
            return False
        self.cancel_confirmation()
        return self._set_mode("manual", str(Text("mode.operator_off")))

    def _set_mode(self, mode: str, reason: str) -> bool:
        try:
            result = self.engine.set_mode(self.session.actor(), mode, reason=reason)
        except Exception as exc:  # the HMI reports, it does not crash
            log.exception("set_mode(%s) failed", mode)
            result = Result.refused(f"{type(exc).__name__}: {exc}")
        self.refresh()
        note = f" ({reason_text(result)})" if reason_text(result) else ""
        if result.ok and mode == "ml":
            self._say("ok", self.tr("ML mode on.") + note)
        elif result.ok:
            self._say("ok", self.tr("ML mode off: manual, operator speeds.") + note)
        elif mode == "ml":
            self._say("refused", _arg(self.tr("ML refused: %1"), reason_text(result)))
        else:
            self._say("refused", _arg(self.tr("Manual refused: %1"), reason_text(result)))
        return result.ok

    def _say(self, state: str, text: str) -> None:
        set_text(self.message, text)
        set_state(self.message, state)
        self.message.setVisible(bool(text))

    # --- engineer: model and guard ------------------------------------------------------------------

    def _engineer(self, action_name: str) -> Callable[[], tuple[bool, str]]:
        def check() -> tuple[bool, str]:
            action = permitted_action(action_name, Action.WRITE_REGISTER)
            if can(self.session.user, action):
                return True, ""
            return False, _arg(self.tr("Not permitted: %1 may not do this (engineer only)."), self.session.user)

        return check

    def _guard_targets(self) -> list[TorqueGuardSettings]:
        """The live guard settings: the running guard's and the settings tree's (once if the same)."""
        view = self.engine.control_view()
        return [view.guard if view is not None else self.engine.settings.control.torque_guard]

    def _guard_applied(self, _changed: dict[str, tuple[object, object]]) -> None:
        self.refresh()  # the engine applied and audited it

    def _model_loaded(self, _ok: bool, _why: str) -> None:
        self.refresh()  # the engine loaded (or refused), kept the choice and audited it


def _language() -> str:
    translator = Translator.current()
    return translator.language if translator is not None else "en"


def _scrolled(panel: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(panel)
    return area
