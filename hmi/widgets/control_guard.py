"""Torque-guard settings for the engineer: view, edit (keypad in kiosk mode), apply to the live guard.

Edits are checked here against :class:`core.config.TorqueGuardSettings` for the entry's message,
then handed to the engine's command (core.api EngineApi.set_guard_settings), which checks the
session, validates the whole set, applies it to the running guard and audits old -> new; the panel
never changes the settings itself. They are not written to config/config.yaml: they last until
the program restarts, and the panel says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.api import Result
from core.config import TorqueGuardSettings
from hmi.code_names import reason_text
from hmi.formatting import format_g, with_unit
from hmi.i18n import translate
from hmi.widgets.keypad import NumericEntry
from hmi.widgets.style import set_state

TOUCH_PX = 56


@dataclass(frozen=True, slots=True)
class GuardField:
    name: str  # TorqueGuardSettings attribute
    title: str
    unit: str


GUARD_FIELDS = (
    GuardField("activation_delay_s", "Activation delay (time)", "s"),
    GuardField("activation_descent_mm", "Activation delay (descent)", "mm"),
    GuardField("rise_threshold_pct", "Rise threshold", "%"),
    GuardField("descent_cut_pct", "Descent speed cut", "%"),
)
def field_title(name: str) -> str:
    """A guard field's title in the screen's language."""
    titles = {"activation_delay_s": translate("GuardSettingsPanel", "Activation delay (time)"),
              "activation_descent_mm": translate("GuardSettingsPanel", "Activation delay (descent)"),
              "rise_threshold_pct": translate("GuardSettingsPanel", "Rise threshold"),
              "descent_cut_pct": translate("GuardSettingsPanel", "Descent speed cut"),
              "enabled": translate("GuardSettingsPanel", "Guard")}
    return titles.get(name, name)




def limits_text(name: str, unit: str) -> str:
    """The config's limits for a TorqueGuardSettings field, in words ('' when unbounded)."""
    parts = []
    for item in TorqueGuardSettings.model_fields[name].metadata:
        if isinstance(item, Ge):
            parts.append(f"≥ {with_unit(format_g(item.ge), unit)}")
        elif isinstance(item, Gt):
            parts.append(f"> {with_unit(format_g(item.gt), unit)}")
        elif isinstance(item, Le):
            parts.append(f"≤ {with_unit(format_g(item.le), unit)}")
        elif isinstance(item, Lt):
            parts.append(f"< {with_unit(format_g(item.lt), unit)}")
    joiner = translate("GuardSettingsPanel", "and")
    return f" {joiner} ".join(parts)


def validation_text(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        problems.append(f"{field_title(name)}: {error['msg'].lower()}")
    return "; ".join(problems)


class GuardSettingsPanel(QWidget):
    """``targets()`` gives the live settings (shown); ``apply(changes)`` is the engine's command
    (core.api EngineApi.set_guard_settings for the acting session); ``permitted()`` says whether
    the user may edit (the engine checks again)."""

    applied = Signal(object)  # dict[str, tuple[old, new]] of what changed

    def __init__(
        self,
        targets: Callable[[], list[TorqueGuardSettings]],
        *,
        apply: Callable[[dict[str, float | bool]], Result[dict[str, tuple[object, object]]]],
        permitted: Callable[[], tuple[bool, str]],
        kiosk: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GuardSettingsPanel")
        self._targets = targets
        self._apply = apply
        self._permitted = permitted
        live = self.live()
        self.config_values = live.model_copy()  # what the program started with, for "Back to config"
        self._enabled = live.enabled

        self.enabled_button = QPushButton(self)
        self.enabled_button.setObjectName("GuardEnabled")
        self.enabled_button.setCheckable(True)
        self.enabled_button.setMinimumHeight(TOUCH_PX)
        self.enabled_button.clicked.connect(self._toggle_enabled)
        self.entries: dict[str, NumericEntry] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.guard_caption = QLabel(self)
        grid.addWidget(self.guard_caption, 0, 0)
        self.captions: dict[str, QLabel] = {}
        grid.addWidget(self.enabled_button, 0, 1)
        for row, field in enumerate(GUARD_FIELDS, start=1):
            limits = limits_text(field.name, field.unit)
            entry = NumericEntry(field_title(field.name), kiosk=kiosk, limits=limits, parent=self)
            entry.setMinimumHeight(TOUCH_PX)
            entry.setMaximumWidth(200)
            self.entries[field.name] = entry
            caption = QLabel(self)
            self.captions[field.name] = caption
            grid.addWidget(caption, row, 0)
            grid.addWidget(entry, row, 1)
            unit = QLabel(f"{field.unit}    ({limits})" if limits else field.unit, self)
            unit.setObjectName("GuardLimits")
            grid.addWidget(unit, row, 2)
        grid.setColumnStretch(2, 1)
        self.other_label = QLabel("", self)
        self.other_label.setObjectName("GuardOther")
        self.other_label.setWordWrap(True)

        self.apply_button = QPushButton(self)
        self.apply_button.setObjectName("PrimaryButton")
        self.revert_button = QPushButton(self)
        self.config_button = QPushButton(self)
        buttons = QHBoxLayout()
        for button in (self.apply_button, self.revert_button, self.config_button):
            button.setMinimumSize(150, TOUCH_PX)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.show_live)
        self.config_button.clicked.connect(self.back_to_config)

        self.message = QLabel("", self)
        self.message.setObjectName("ControlMessage")
        self.message.setWordWrap(True)
        self.note = note = QLabel(self)
        note.setObjectName("ControlNote")
        note.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.other_label)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(note)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.guard_caption.setText(field_title("enabled"))
        for name, caption in self.captions.items():
            caption.setText(field_title(name))
        self.apply_button.setText(translate("GuardSettingsPanel", "Apply"))
        self.revert_button.setText(translate("GuardSettingsPanel", "Undo edits"))
        self.config_button.setText(translate("GuardSettingsPanel", "Back to config values"))
        self.note.setText(translate("GuardSettingsPanel", "Changes apply to the running torque guard at once and "
                                                          "last until the program restarts; config/config.yaml is "
                                                          "not changed."))
        self.show_live()

    # --- values ------------------------------------------------------------------------

    def live(self) -> TorqueGuardSettings:
        return self._targets()[0]

    def show_live(self) -> None:
        """Put the running values in the fields (discarding edits)."""
        live = self.live()
        for name, entry in self.entries.items():
            entry.set_value(getattr(live, name))
        self._set_enabled_button(live.enabled)
        self.other_label.setText(
            translate("GuardSettingsPanel", "Compares torque now with torque %1 mm higher; the band counts as engaged "
                                            "%2 % points above free running (config only).")
            .replace("%1", format_g(live.lookback_mm)).replace("%2", format_g(live.min_reference_torque_pct))
        )
        self._say("none", "")

    def set_kiosk(self, kiosk: bool) -> None:
        for entry in self.entries.values():
            if entry.kiosk != kiosk:
                entry.kiosk = kiosk
                entry.setReadOnly(kiosk)
                entry.setPlaceholderText(translate("GuardSettingsPanel", "tap to enter") if kiosk else "")

    def _toggle_enabled(self) -> None:
        self._set_enabled_button(not self._enabled)

    def _set_enabled_button(self, enabled: bool) -> None:
        self._enabled = enabled
        self.enabled_button.setChecked(enabled)
        self.enabled_button.setText(translate("GuardSettingsPanel", "Enabled") if enabled
                                    else translate("GuardSettingsPanel", "DISABLED"))
        set_state(self.enabled_button, "normal" if enabled else "warn")

    def edits(self) -> dict[str, float | bool] | str:
        """The values in the fields, or why they are not numbers."""
        values: dict[str, float | bool] = {"enabled": self._enabled}
        for field in GUARD_FIELDS:
            value = self.entries[field.name].value()
            if value is None:
                return translate("GuardSettingsPanel", "%1: enter a number").replace("%1", field_title(field.name))
            values[field.name] = value
        return values

    # --- actions -----------------------------------------------------------------------

    def apply(self) -> bool:
        ok, why = self._permitted()
        if not ok:
            self._say("refused", why)
            return False
        edits = self.edits()
        if isinstance(edits, str):
            self._say("refused", translate("GuardSettingsPanel", "Not applied — %1").replace("%1", edits))
            return False
        return self._apply_values(edits)

    def back_to_config(self) -> bool:
        ok, why = self._permitted()
        if not ok:
            self._say("refused", why)
            return False
        values: dict[str, float | bool] = {"enabled": self.config_values.enabled}
        values.update({f.name: getattr(self.config_values, f.name) for f in GUARD_FIELDS})
        return self._apply_values(values)

    def _apply_values(self, values: dict[str, float | bool]) -> bool:
        # The engine validates the whole set (nothing changes unless every value is allowed),
        # checks the permission, applies it to the running guard and audits each change.
        result = self._apply(values)
        if not result.ok or result.value is None:
            self._say("refused", translate("GuardSettingsPanel", "Not applied — %1").replace("%1", reason_text(result)))
            return False
        changed = result.value
        if not changed:
            self.show_live()
            self._say("ok", translate("GuardSettingsPanel", "No change: these are the running values."))
            return True
        titles = {f.name: (field_title(f.name), f.unit) for f in GUARD_FIELDS}
        titles["enabled"] = (field_title("enabled"), "")
        parts = []
        for name, (old, new) in changed.items():
            title, unit = titles[name]
            if isinstance(new, bool):
                state = (translate("GuardSettingsPanel", "enabled") if new
                         else translate("GuardSettingsPanel", "DISABLED"))
                parts.append(f"{title} {state}")
            else:
                parts.append(f"{title.lower()} {format_g(old)} → {with_unit(format_g(new), unit)}")
        self.show_live()
        self._say("ok", translate("GuardSettingsPanel", "Applied: %1. Until restart.").replace("%1", "; ".join(parts)))
        self.applied.emit(changed)
        return True

    def _say(self, state: str, text: str) -> None:
        self.message.setText(text)
        set_state(self.message, state)
