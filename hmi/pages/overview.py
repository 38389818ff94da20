"""The operator's overview, built around the cut (issue #15), replacing the tile dashboard.

Top: the ISA-18.2 alarm banner with acknowledge. Left: the cut (state, progress with elapsed and
remaining time, what next, analog bars against target and limits, the section's real shape).
Right: what the operator may do (speed presets, ML mode behind a confirmation dialog), the piece
and band in words; the engineering lamps (poll rate, storage queue, MQTT, PostgreSQL) only for
people who can act on them. Layout never shifts: messages have a fixed place, confirmations
are dialogs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from core.api import ControllerStatus, EngineStatus, ServiceHealth, WriteResult
from core.snapshot import Snapshot
from hmi.bridge import EngineBridge
from hmi.code_names import audit_value_name, english_text, reason_text
from hmi.dialogs.confirm import ConfirmDialog
from hmi.formatting import enum_name, format_g, format_number, format_percent, register_label, unit_name
from hmi.i18n import current_language, translate
from hmi.permissions import Action, can, requires, set_unavailable, show_for
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.alarm_strip import AlarmStrip
from hmi.widgets.cut_overview import CutOverview
from hmi.widgets.status_lamp import LampState, StatusLamp
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.overview")


def service_lamp(health: ServiceHealth) -> tuple[LampState, str]:
    if not health.enabled:
        return LampState.OFF, translate("OverviewPage", "off")
    if health.connected:
        if health.backlog > 1000:
            return LampState.WARN, translate("OverviewPage", "backlog %1").replace("%1", str(health.backlog))
        return LampState.OK, translate("OverviewPage", "ok")
    return LampState.FAULT, translate("OverviewPage", "down")


def preset_title(name: str, labels: Mapping[str, str] | None = None) -> str:
    """A preset's name in the screen's language: its configured label for that language, else the
    shipped presets' translated names, else the configured key capitalised."""
    label = (labels or {}).get(current_language())
    if label:
        return label
    titles = {"slow": translate("OverviewPage", "Slow"), "normal": translate("OverviewPage", "Normal"),
              "fast": translate("OverviewPage", "Fast")}
    return titles.get(name, name.capitalize())


MESSAGE_OK_MS = 10_000  # how long "Preset Yavaş applied" stays
MESSAGE_REFUSED_MS = 30_000  # a refusal is read more slowly
PRESET_PX = 58  # a preset button's height: two lines of 13 pt, a gloved finger's target (kiosk >= 48)
MESSAGE_PX = 56  # the preset message's box: two lines; a longer refusal scrolls in it
LAMP_PX = 28  # a status lamp's row: an indicator, not a touch target
# The mode in words, one line in the right column: bold, framed while ML sets the speeds (a mode,
# not an abnormal state: no colour, as the CUTTING box).
PAGE_QSS = """
QLabel#ModeText { font-weight: bold; padding: 2px 6px; border: 2px solid transparent; }
QLabel#ModeText[state="ml"] { border: 2px solid #303336; }
"""


def mode_text(mode: str, control: ControllerStatus | None) -> str:
    """Who sets the speeds now, in a few words (the dashboard's mode line)."""
    if mode != "ml":
        return translate("OverviewPage", "Manual: operator's speeds")
    if control is not None and control.paused_reason:
        return translate("OverviewPage", "ML paused in this cut")
    if control is not None and control.controlling:
        return translate("OverviewPage", "ML controls the speeds")
    return translate("OverviewPage", "ML on: waits for the cut")


class OverviewPage(QWidget):
    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OverviewPage")
        self.bridge = bridge
        self.session = session
        self.task: asyncio.Task[list[WriteResult]] | None = None
        self._applying = False  # a preset's writes are under way: its buttons stay greyed
        self._ml_shown: tuple[bool, str] | None = None  # (model available, mode) last shown
        self._confirm: ConfirmDialog | None = None
        self._status: EngineStatus | None = None  # the last shown
        engine = bridge.engine
        settings = engine.settings

        self.alarm_strip = AlarmStrip(engine.alarm_summary, self._acknowledge, self)
        self.alarm_strip.may_acknowledge = lambda: can(self.session.user, Action.ACKNOWLEDGE_ALARM)
        requires(self.alarm_strip.ack_button, Action.ACKNOWLEDGE_ALARM)
        bridge.alarms_changed.connect(lambda _alarms: self.alarm_strip.refresh())
        self.cut = CutOverview(bridge, self)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)  # the page's margins are enough: 800 px, every row counts
        right.setSpacing(6)
        self.mode_label = QLabel(mode_text("manual", None), self)
        self.mode_label.setObjectName("ModeText")
        right.addWidget(self.mode_label)
        self.preset_caption = caption = QLabel(translate("OverviewPage", "Speed preset"), self)
        caption.setObjectName("SectionTitle")
        right.addWidget(caption)
        self.preset_buttons: dict[str, QPushButton] = {}
        for name in settings.control.presets:
            button = QPushButton(self._preset_text(name), self)
            button.setObjectName("PresetButton")
            button.setMinimumHeight(PRESET_PX)
            button.clicked.connect(lambda _c=False, n=name: self.apply_preset(n))
            self.preset_buttons[name] = button
            right.addWidget(button)
        self.message = QLabel("", self)
        self.message_timer = QTimer(self)
        self.message_timer.setSingleShot(True)
        self.message_timer.timeout.connect(self.clear_message)
        self._message_state: float | None = None  # the saw state when the message was shown
        self.message.setObjectName("PresetMessage")
        self.message.setWordWrap(True)
        # A long refusal (the replay's "nothing is written to the PLC") wraps and grows within a box of
        # fixed height that scrolls: every line can be read and the buttons below never move.
        self.message_area = QScrollArea(self)
        self.message_area.setObjectName("PresetMessageArea")
        self.message_area.setFrameShape(QFrame.Shape.NoFrame)
        self.message_area.setWidgetResizable(True)
        self.message_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message_area.setWidget(self.message)
        self.message_area.setFixedHeight(MESSAGE_PX)  # two lines; the buttons below never move
        right.addWidget(self.message_area)
        self.ml_toggle = QPushButton(self)
        self.ml_toggle.setObjectName("MlToggle")
        self.ml_toggle.setCheckable(True)
        self.ml_toggle.setMinimumHeight(56)
        self.ml_toggle.clicked.connect(self._on_ml_clicked)
        right.addWidget(self.ml_toggle)
        self.info = QLabel("", self)
        self.info.setObjectName("InfoText")
        self.info.setWordWrap(True)
        right.addWidget(self.info)
        self.lamps = {key: StatusLamp(title, self, row_px=LAMP_PX) for key, title in (
            ("plc", "PLC"), ("database", translate("OverviewPage", "Database")), ("mqtt", "MQTT"),
            ("postgres", "PostgreSQL"))}
        lamps = QVBoxLayout()
        lamps.setSpacing(0)
        for lamp in self.lamps.values():
            lamps.addWidget(lamp)
        right.addLayout(lamps)
        right.addStretch(1)
        side = QWidget(self)
        side.setObjectName("OverviewSide")
        side.setLayout(right)
        side.setFixedWidth(290)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self.cut, 1)
        body.addWidget(side)
        self.setStyleSheet(PAGE_QSS)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)  # 800 px less the banners: every row counts
        layout.setSpacing(6)
        layout.addWidget(self.alarm_strip)
        layout.addLayout(body, 1)

        bridge.snapshot.connect(self._on_snapshot)
        bridge.status_changed.connect(self._on_status)
        bridge.link_changed.connect(lambda _ok: self._show_hold())
        bridge.replay_changed.connect(lambda _status: self._show_hold())
        self.update_role()
        self._show_ml(False, "manual")
        self._show_mode("manual", None)

    # --- who sees what ---------------------------------------------------------------------

    def set_user(self, user: str) -> None:
        """The window's session controller calls this on every login change, then update_permissions()."""
        self.session.user = user

    def update_permissions(self) -> None:
        self.update_role()

    def update_role(self) -> None:
        """Operators see what they can use; the engineering lamps only for who can act on them."""
        user = self.session.user
        engineer = can(user, Action.CHANGE_CONTROL_SETTINGS)
        for lamp in self.lamps.values():
            lamp.setVisible(engineer)
        for button in self.preset_buttons.values():
            show_for(user, button, Action.APPLY_PRESET)
        self.preset_caption.setVisible(can(user, Action.APPLY_PRESET))
        show_for(user, self.ml_toggle, Action.TOGGLE_ML)
        self.alarm_strip.refresh()  # its Acknowledge button follows the user too
        self._show_hold()

    def write_hold(self) -> str:
        """Why nothing can be written to the PLC now ("" when it can): a replay, a lost link."""
        held = self.bridge.engine.replay_hold()
        if held:
            return held
        if self.bridge.link_lost:
            return translate("OverviewPage", "PLC link lost: nothing can be written until it is back.")
        return ""

    def _show_hold(self) -> None:
        """Presets greyed with the reason while a replay or a lost link holds the writes."""
        if self._applying:
            return  # a preset is being applied: the buttons come back when it ends
        held = self.write_hold()
        for button in self.preset_buttons.values():
            set_unavailable(button, held)
        if self._ml_shown is not None:
            self._show_ml(*self._ml_shown)  # a replay greys ML on as well

    def _preset_text(self, name: str) -> str:
        preset = self.bridge.engine.settings.control.presets[name]
        speeds = (f"{format_g(preset.cutting_speed)} {unit_name('m/min')} · "
                  f"{format_g(preset.descent_speed)} {unit_name('mm/min')}")
        return f"{preset_title(name, preset.label)}\n{speeds}"

    def _preset_name(self, name: str) -> str:
        preset = self.bridge.engine.settings.control.presets.get(name)
        return preset_title(name, preset.label if preset is not None else None)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "lamps"):
            for name, button in self.preset_buttons.items():  # the speeds' units are in the screen's language too
                button.setText(self._preset_text(name))
            # The lamps' words are composed ("Database: ok"): the catalogue cannot map them back.
            self.lamps["database"].set_title(translate("OverviewPage", "Database"))
            if self._status is not None:
                self._on_status(self._status)  # "off", "ok", "LINK LOST", the mode in the new language at once
            else:
                self._show_mode("manual", None)

    # --- live values -------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        v = snapshot.values
        state = v.get("saw_state")
        if self.message_timer.isActive() and state != self._message_state:
            if self._message_state is None:
                self._message_state = state  # the state the message was shown in
            else:
                self.clear_message()
        registers = self.bridge.engine.register_map
        parts = []
        grade = enum_name(registers["material_type"], v.get("material_type")) if "material_type" in registers else None
        if grade:
            parts.append(translate("OverviewPage", "Material %1").replace("%1", grade))
        wear = v.get("band_wear")
        if wear is not None:
            parts.append(translate("OverviewPage", "PLC band wear %1").replace("%1", format_percent(wear, 0)))
        text = "\n".join(parts)
        if text != self.info.text():
            self.info.setText(text)

    def _on_status(self, status: EngineStatus) -> None:
        self._status = status
        self._show_hold()
        link = status.link
        if self.bridge.link_ok:
            self.lamps["plc"].set_state(LampState.OK, f"{format_number(link.achieved_hz, 1)} Hz")
        else:
            self.lamps["plc"].set_state(LampState.FAULT, translate("OverviewPage", "LINK LOST"))
        storage = status.storage
        if not storage.ok:
            self.lamps["database"].set_state(LampState.FAULT, storage.error or "error")
        elif storage.backpressure:
            self.lamps["database"].set_state(
                LampState.WARN, translate("OverviewPage", "queue %1").replace("%1", str(storage.queue_rows)))
        else:
            self.lamps["database"].set_state(LampState.OK, translate("OverviewPage", "ok"))
        self.lamps["mqtt"].set_state(*service_lamp(status.mqtt))
        self.lamps["postgres"].set_state(*service_lamp(status.postgres))
        control = self.bridge.engine.control_status()
        self._show_ml(control is not None and bool(control.model), status.mode)
        self._show_mode(status.mode, control)

    def _show_mode(self, mode: str, control: ControllerStatus | None) -> None:
        """Who sets the speeds, in words: a darker button alone did not say ML was in control."""
        text = mode_text(mode, control)
        if text != self.mode_label.text():
            self.mode_label.setText(text)
        set_state(self.mode_label, "ml" if mode == "ml" else "manual")

    # --- operator actions --------------------------------------------------------------------

    def _acknowledge(self, key: str) -> object:
        return self.bridge.engine.acknowledge_alarm(self.session.actor(), key)

    def _show_ml(self, available: bool, mode: str) -> None:
        self._ml_shown = (available, mode)
        text = translate("OverviewPage", "ML speed control") if available else translate(
            "OverviewPage", "ML speed control\n(no model loaded)")
        if text != self.ml_toggle.text():
            self.ml_toggle.setText(text)
        # A replay holds ML (the engine refuses it); switching ML off is always possible.
        held = self.bridge.engine.replay_hold() if mode != "ml" else ""
        set_unavailable(self.ml_toggle, held or ("" if available else text.replace("\n", " ")))
        if self._confirm is None:
            self.ml_toggle.setChecked(mode == "ml")

    def _on_ml_clicked(self, checked: bool) -> None:
        self.ml_toggle.setChecked(not checked)  # the engine's mode decides, after the confirmation
        target = "ml" if checked else "manual"
        question = (translate("OverviewPage", "Let the ML model set the cutting speeds?") if target == "ml"
                    else translate("OverviewPage", "Return to the operator's speeds (manual)?"))
        dialog = ConfirmDialog(translate("OverviewPage", "Control mode"), question,
                               yes=translate("OverviewPage", "Switch"), no=translate("OverviewPage", "Cancel"),
                               parent=self)
        dialog.answered.connect(lambda yes: self._ml_answered(yes, target))
        self._confirm = dialog
        dialog.open()

    def _ml_answered(self, yes: bool, target: str) -> None:
        self._confirm = None
        if yes:
            self.set_mode(target)

    def set_mode(self, target: str) -> bool:
        outcome = self.bridge.engine.set_mode(self.session.actor(), target, reason="overview")
        ok, why, mode = outcome.ok, reason_text(outcome), audit_value_name(target)
        self.ml_toggle.setChecked(ok == (target == "ml"))
        if ok:
            self._show_mode(target, self.bridge.engine.control_status())
        self._message("ok" if ok else "refused", translate("OverviewPage", "Mode %1").replace("%1", mode) if ok
                      else translate("OverviewPage", "Mode %1 refused: %2").replace("%1", mode).replace("%2", why))
        return bool(ok)

    def apply_preset(self, name: str) -> asyncio.Task[list[WriteResult]] | None:
        if self.task is not None and not self.task.done():
            return None
        self._applying = True
        for button in self.preset_buttons.values():
            button.setEnabled(False)
        self._message("busy", translate("OverviewPage", "Applying %1…")
                          .replace("%1", self._preset_name(name)))
        self.task = spawn(self._apply(name))
        return self.task

    async def _apply(self, name: str) -> list[WriteResult]:
        results: list[WriteResult] = []
        try:
            results = await self.bridge.engine.apply_preset(self.session.actor(), name)
        except Exception as exc:  # the HMI reports, it does not crash
            log.exception("preset %s failed", name)
            self._message("refused", translate("OverviewPage", "Preset %1 failed: %2")
                          .replace("%1", self._preset_name(name))
                          .replace("%2", english_text(str(exc))))
        else:
            refused = [r for r in results if not r.ok]
            if refused:
                detail = "; ".join(self._refusal(r) for r in refused)
                self._message("refused", translate("OverviewPage", "Preset %1 not applied: %2")
                              .replace("%1", self._preset_name(name)).replace("%2", detail))
            else:
                self._message("ok", translate("OverviewPage", "Preset %1 applied")
                              .replace("%1", self._preset_name(name)))
        finally:
            self._applying = False
            self._show_hold()
        return results

    def _refusal(self, result: WriteResult) -> str:
        """One refused write of a preset in the screen's language: the register by its label (not the
        preset itself when the whole preset was refused), why by core's code."""
        why = reason_text(result) or translate("OverviewPage", "refused")
        registers = self.bridge.engine.register_map
        return f"{register_label(registers[result.register])}: {why}" if result.register in registers else why

    def clear_message(self) -> None:
        self.message_timer.stop()
        self._message_state = None
        self.message.setText("")
        set_state(self.message, "")

    def _message(self, state: str, text: str) -> None:
        """Show the outcome of a tap; it goes after a while (an 'applied' read six minutes later
        looked like news) and at the saw's next state change."""
        self.message.setText(text)
        self._message_state = None  # taken from the next snapshot
        if state == "busy":
            self.message_timer.stop()
        else:
            self.message_timer.start(MESSAGE_OK_MS if state == "ok" else MESSAGE_REFUSED_MS)
        set_state(self.message, state)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.message_area.verticalScrollBar().setValue(0)  # from its first line
