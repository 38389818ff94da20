"""The operator's dashboard: state, cut progress, speeds actual beside target, presets, lamps.

Big numbers for a 1280x800 touch panel read with gloves on; grey when normal, colour only for
what is abnormal (alarm banner, lamps, greyed stale values).
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi, EngineStatus, Result, ServiceHealth, WriteResult
from hmi.bridge import ChannelValue, EngineBridge
from hmi.formatting import BAND_MATERIALS, BAND_TYPES, CROSS_SECTIONS, SAW_STATES, code_name
from hmi.permissions import Action, can, needs_confirmation
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.banners import AlarmBanner
from hmi.widgets.cut_progress import CutProgress
from hmi.widgets.status_lamp import LampState, StatusLamp
from hmi.widgets.style import set_state
from hmi.widgets.value_tile import ValueTile

log = logging.getLogger("bandsaw.hmi.dashboard")

_STATE_STYLE = {0: "normal", 1: "normal", 2: "normal", 3: "active", 4: "normal", 5: "fault"}


def ml_model_loaded(engine: EngineApi) -> bool:
    """Whether the engine's ML controller holds a model."""
    status = engine.control_status()
    return status is not None and bool(status.model)


def service_lamp(health: ServiceHealth) -> tuple[LampState, str]:
    if not health.enabled:
        return LampState.OFF, "off"
    if health.connected:
        return (LampState.WARN, f"backlog {health.backlog}") if health.backlog > 1000 else (LampState.OK, "ok")
    return LampState.FAULT, "down"


class DashboardPage(QWidget):
    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DashboardPage")
        self.bridge = bridge
        self.session = session
        self.task: asyncio.Task[list[WriteResult]] | None = None
        settings = bridge.engine.settings

        self.alarm_banner = AlarmBanner(bridge, self)

        # --- left: state, count, material and band ---------------------------------------
        self.state_label = QLabel("—", self)
        self.state_label.setObjectName("SawState")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cut_count = ValueTile(bridge, "cut_count", title="Cuts", parent=self)
        self.material_label = QLabel("Material —", self)
        self.material_label.setObjectName("InfoText")
        self.material_label.setWordWrap(True)
        self.band_label = QLabel("Band —", self)
        self.band_label.setObjectName("InfoText")
        self.band_label.setWordWrap(True)
        self.mode_label = QLabel("Mode: manual", self)
        self.mode_label.setObjectName("InfoText")
        left = QVBoxLayout()
        left.addWidget(self.state_label)
        left.addWidget(self.cut_count)
        left.addWidget(self._boxed(self.material_label))
        left.addWidget(self._boxed(self.band_label))
        left.addWidget(self.mode_label)
        left.addStretch(1)

        # --- centre: cut progress and the value tiles -------------------------------------
        self.cut_progress = CutProgress(bridge, self)
        self.tiles = {
            "cutting_speed_actual": ValueTile(bridge, "cutting_speed_actual", title="Band speed",
                                              target="cutting_speed", parent=self),
            "descent_speed_actual": ValueTile(bridge, "descent_speed_actual", title="Descent speed",
                                              target="descent_speed", decimals=1, parent=self),
            "band_current": ValueTile(bridge, "band_current", title="Band current", parent=self),
            "band_torque": ValueTile(bridge, "band_torque", title="Band torque", parent=self),
            "band_deviation": ValueTile(bridge, "band_deviation", title="Band deviation", parent=self),
            "head_height": ValueTile(bridge, "head_height", title="Head height", parent=self),
        }
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, tile in enumerate(self.tiles.values()):
            tile.setProperty("size", "large" if i < 2 else "normal")
            grid.addWidget(tile, i // 2, i % 2)
        centre = QVBoxLayout()
        centre.addWidget(self.cut_progress, 2)
        centre.addLayout(grid, 3)

        # --- right: presets, ML, lamps ------------------------------------------------------
        self.preset_buttons: dict[str, QPushButton] = {}
        right = QVBoxLayout()
        caption = QLabel("Speed preset", self)
        caption.setObjectName("SectionTitle")
        right.addWidget(caption)
        for name, preset in settings.control.presets.items():
            button = QPushButton(f"{name.capitalize()}\n{preset.cutting_speed:g} m/min · "
                                 f"{preset.descent_speed:g} mm/min", self)
            button.setObjectName("PresetButton")
            button.setMinimumHeight(72)
            button.clicked.connect(lambda _c=False, n=name: self.apply_preset(n))
            self.preset_buttons[name] = button
            right.addWidget(button)
        self.preset_message = QLabel("", self)
        self.preset_message.setObjectName("PresetMessage")
        self.preset_message.setWordWrap(True)
        right.addWidget(self.preset_message)
        self.ml_toggle = QPushButton("ML mode", self)
        self.ml_toggle.setObjectName("MlToggle")
        self.ml_toggle.setCheckable(True)
        self.ml_toggle.setMinimumHeight(56)
        self.ml_toggle.clicked.connect(self._on_ml_clicked)
        right.addWidget(self.ml_toggle)
        self._ml_confirm: QMessageBox | None = None
        self.set_ml_available(False)
        right.addSpacing(12)
        self.lamps = {key: StatusLamp(title, self) for key, title in
                      (("plc", "PLC"), ("database", "Database"), ("mqtt", "MQTT"), ("postgres", "PostgreSQL"))}
        for lamp in self.lamps.values():
            right.addWidget(lamp)
        right.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(centre, 6)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.alarm_banner)
        layout.addLayout(body, 1)

        self._state = bridge.channel("saw_state")
        self._state.changed.connect(self._on_state)
        self._info = [bridge.channel(n) for n in (
            "material_type", "material_hardness", "cross_section", "material_width",
            "band_type", "band_material", "tooth_pitch", "band_wear")]
        bridge.snapshot.connect(lambda _s: self._update_info())
        bridge.status_changed.connect(self._on_status)
        bridge.link_changed.connect(lambda _ok: self._on_status(bridge.status))
        bridge.tick.connect(self._on_tick)
        set_state(self.state_label, "stale")

    @staticmethod
    def _boxed(widget: QWidget) -> QFrame:
        frame = QFrame()
        frame.setObjectName("InfoBox")
        box = QVBoxLayout(frame)
        box.setContentsMargins(10, 6, 10, 6)
        box.addWidget(widget)
        return frame

    # --- live values -------------------------------------------------------------------

    def _on_state(self, item: ChannelValue) -> None:
        if item.value is None:
            return
        code = int(item.value)
        self.state_label.setText(SAW_STATES.get(code, f"STATE {code}"))
        set_state(self.state_label, _STATE_STYLE.get(code, "normal"))

    def _on_tick(self, now: float) -> None:
        age = self._state.age_s(now)
        if age is None or age > self.bridge.stale_after_s:
            set_state(self.state_label, "stale")

    def _update_info(self) -> None:
        v = {c.name: c.last_good_value for c in self._info}
        grade = "—" if v["material_type"] is None else f"grade {int(v['material_type'])}"
        hardness = "" if v["material_hardness"] is None else f", hardness class {v['material_hardness']:.0f}"
        width = "" if v["material_width"] is None else f", {v['material_width']:.1f} mm"
        text = f"Material: {grade}, {code_name(CROSS_SECTIONS, v['cross_section'])}{width}{hardness}"
        if text != self.material_label.text():
            self.material_label.setText(text)
        pitch = "" if v["tooth_pitch"] is None else f", pitch {v['tooth_pitch']:.2f} mm"
        wear = "" if v["band_wear"] is None else f", wear {v['band_wear']:.1f} %"
        text = (f"Band: {code_name(BAND_TYPES, v['band_type'])} "
                f"{code_name(BAND_MATERIALS, v['band_material'])}{pitch}{wear}")
        if text != self.band_label.text():
            self.band_label.setText(text)

    def _on_status(self, status: EngineStatus) -> None:
        link = status.link
        if self.bridge.link_ok:
            self.lamps["plc"].set_state(LampState.OK, f"ok, {link.achieved_hz:.1f} Hz")
        else:
            self.lamps["plc"].set_state(LampState.FAULT, "LINK LOST")
        storage = status.storage
        if not storage.ok:
            self.lamps["database"].set_state(LampState.FAULT, storage.error or "error")
        elif storage.backpressure:
            self.lamps["database"].set_state(LampState.WARN, f"queue {storage.queue_rows}")
        else:
            self.lamps["database"].set_state(LampState.OK, "ok")
        self.lamps["mqtt"].set_state(*service_lamp(status.mqtt))
        self.lamps["postgres"].set_state(*service_lamp(status.postgres))
        mode = f"Mode: {status.mode}"
        if mode != self.mode_label.text():
            self.mode_label.setText(mode)
        self.set_ml_available(ml_model_loaded(self.bridge.engine))
        if self._ml_confirm is None:
            self.ml_toggle.setChecked(status.mode == "ml")

    # --- operator actions ----------------------------------------------------------------

    def set_ml_available(self, available: bool) -> None:
        """The ML toggle is usable only while the engine has a model loaded."""
        text = "ML mode" if available else "ML mode (no model loaded)"
        if text == self.ml_toggle.text():
            return
        self.ml_toggle.setEnabled(available)
        self.ml_toggle.setToolTip("" if available else "No ML model loaded")
        self.ml_toggle.setText(text)

    def _on_ml_clicked(self, checked: bool) -> None:
        self.ml_toggle.setChecked(not checked)  # the engine's mode decides, after confirmation
        target = "ml" if checked else "manual"
        if not can(self.session.user, Action.TOGGLE_ML):
            self._message("refused", f"Not permitted: {self.session.user} may not change the control mode")
            return
        if not needs_confirmation(Action.TOGGLE_ML):
            self.set_mode(target)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Control mode", f"Switch the speed control to {target}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        for button in box.buttons():
            button.setMinimumSize(120, 56)
        box.finished.connect(lambda result: self._ml_answered(result, target))
        self._ml_confirm = box
        box.open()

    def _ml_answered(self, result: int, target: str) -> None:
        if self._ml_confirm is not None:
            self._ml_confirm.deleteLater()
            self._ml_confirm = None
        if result == QMessageBox.StandardButton.Yes:
            self.set_mode(target)

    def set_mode(self, target: str) -> bool:
        """Ask the engine for manual or ML control; it refuses ML without a model."""
        try:
            result = self.bridge.engine.set_mode(self.session.actor(), target, reason="dashboard")
        except Exception as exc:  # the HMI reports, it does not crash
            log.exception("set_mode(%s) failed", target)
            result = Result.refused(f"{type(exc).__name__}: {exc}")
        self.ml_toggle.setChecked(result.ok == (target == "ml"))
        text = f"Mode {target}" if result.ok else f"Mode {target} refused: {result.reason or 'no reason'}"
        self._message("ok" if result.ok else "refused", text)
        return result.ok

    def apply_preset(self, name: str) -> asyncio.Task[list[WriteResult]] | None:
        if self.task is not None and not self.task.done():
            return None
        if not can(self.session.user, Action.APPLY_PRESET):
            self._message("refused", f"Not permitted: {self.session.user} may not change presets")
            return None
        for button in self.preset_buttons.values():
            button.setEnabled(False)
        self._message("busy", f"Applying {name}…")
        self.task = spawn(self._apply(name))
        return self.task

    async def _apply(self, name: str) -> list[WriteResult]:
        try:
            results = await self.bridge.engine.apply_preset(self.session.actor(), name)
        except Exception as exc:  # the HMI reports, it does not crash
            log.exception("preset %s failed", name)
            results = []
            self._message("refused", f"Preset {name} failed: {exc}")
        else:
            refused = [r for r in results if not r.ok]
            if refused:
                detail = "; ".join(f"{r.register}: {r.reason or 'refused'}" for r in refused)
                self._message("refused", f"Preset {name} not fully applied — {detail}")
            else:
                unverified = [r.register for r in results if not r.verified]
                note = f" (not verified: {', '.join(unverified)})" if unverified else ""
                self._message("warn" if unverified else "ok", f"Preset {name} applied{note}")
        finally:
            for button in self.preset_buttons.values():
                button.setEnabled(True)
        return results

    def _message(self, state: str, text: str) -> None:
        self.preset_message.setText(text)
        set_state(self.preset_message, state)
