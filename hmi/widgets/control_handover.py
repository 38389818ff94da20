"""The previous run ended with ML holding the speeds: what the PLC holds, what the operator had, and the answer.

Shown on the Control page only while the question is open (ControllerStatus.left_speeds): everyone
reads it (the operator must know the PLC still holds ML's speeds); an engineer answers: restore the
operator's speeds or keep the PLC's (core.api restore_previous_speeds / keep_present_speeds,
audited by the engine). Hidden it takes no room on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from core.api import Result
from hmi.code_names import reason_text
from hmi.formatting import format_g
from hmi.permissions import Action, can, requires
from hmi.widgets.control_common import box, label, set_text
from hmi.widgets.style import set_state

TOUCH_PX = 56


class HandoverPanel(QWidget):
    """The question about the previous run's speeds, with the engineer's two answers."""

    def __init__(
        self,
        restore: Callable[[], Result[str]],
        keep: Callable[[], Result[None]],
        units: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HandoverPanel")
        self._restore, self._keep, self._units = restore, keep, dict(units)
        self._left: dict[str, float] = {}
        self._operator: dict[str, float] = {}
        self._changed: dict[str, float] = {}
        self._in_cut = False
        frame, inner = box("", self)
        self._title = frame.findChild(QLabel, "BoxTitle")
        self.text = label(frame, "FaultText")
        set_state(self.text, "attention")
        self.restore_button = QPushButton(frame)
        self.keep_button = QPushButton(frame)
        self.answer = label(frame, "ControlNote")
        for button in (self.restore_button, self.keep_button):
            button.setMinimumHeight(TOUCH_PX)
            requires(button, Action.CHANGE_ML_SETTINGS)
        self.restore_button.clicked.connect(self._on_restore)
        self.keep_button.clicked.connect(self._on_keep)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.keep_button)
        inner.addLayout(row)
        inner.addWidget(self.answer)
        self.answer.setVisible(False)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self.setVisible(False)
        self.retranslate()

    def retranslate(self) -> None:
        if self._title is not None:
            self._title.setText(self.tr("Previous run"))
        self.restore_button.setText(self.tr("Restore the operator's speeds"))
        self.keep_button.setText(self.tr("Keep the PLC's speeds"))
        self._show_text()

    def show_question(self, left: Mapping[str, float], operator: Mapping[str, float], user: str,
                      changed: Mapping[str, float] | None = None, in_cut: bool = False) -> None:
        """The status' left_speeds (the PLC's now) / left_operator ({} : no question) / left_changed
        (set by a person since the start: a restore leaves them), who is logged in, and whether the
        saw cuts (a restore then holds the descent until the cut ends)."""
        self._left, self._operator, self._changed = dict(left), dict(operator), dict(changed or {})
        self._in_cut = in_cut
        asked = bool(self._left)
        if asked != self.isVisible() and (asked or not self.answer.isVisible()):
            self.setVisible(asked)
        allowed = asked and can(user, Action.CHANGE_ML_SETTINGS)  # asked only while the question is open
        for button in (self.restore_button, self.keep_button):
            button.setVisible(allowed)
        self._show_text()

    def _speeds(self, speeds: Mapping[str, float]) -> str:
        return _join(self.tr("band speed %1 %2, descent %3 %4"), speeds, self._units)

    def _show_text(self) -> None:
        if not self._left:
            return
        text = self.tr("The engine stopped while ML held the speeds. The PLC still holds the speeds ML set: "
                       "%1. The operator's were: %2. Restore them?")
        ml = self._speeds(self._left)
        if self._changed:  # the PLC's speeds ML set are those no person has set since
            ml = self._listed({name: v for name, v in self._left.items() if name not in self._changed})
        text = text.replace("%1", ml).replace("%2", self._speeds(self._operator))
        if self._changed:
            text += " " + self.tr("Set by a person since the start, not restored: %1.").replace(
                "%1", self._listed(self._changed))
        if not can_answer_hint(self.restore_button):
            text += " " + self.tr("An engineer answers here.")
        set_text(self.text, text)

    def _listed(self, speeds: Mapping[str, float]) -> str:
        """Only the speeds given (band speed first)."""
        parts = []
        if "cutting_speed" in speeds:
            parts.append(_join(self.tr("band speed %1 %2"), speeds, self._units))
        if "descent_speed" in speeds:
            parts.append(_join(self.tr("descent %3 %4"), speeds, self._units))
        return ", ".join(parts)

    def _say(self, text: str, ok: bool) -> None:
        set_text(self.answer, text)
        set_state(self.answer, "none" if ok else "attention")
        self.answer.setVisible(True)

    def _on_restore(self) -> None:
        speeds = self._listed({name: v for name, v in self._operator.items() if name not in self._changed})
        held = self._held_descent()
        result = self._restore()
        if result.ok:
            text = self.tr("Restoring the operator's speeds: %1").replace("%1", speeds)
            if held is not None:
                text += ". " + self.tr("The saw is cutting: the descent stays at %1 %2 until the cut ends, "
                                      "then the operator's comes back.").replace("%1", format_g(held)).replace(
                                          "%2", self._units.get("descent_speed", ""))
            self._say(text, True)
        else:
            self._say(self.tr("Not restored: %1").replace("%1", reason_text(result)), False)

    def _held_descent(self) -> float | None:
        """The descent a restore holds while the saw cuts (core.control.restore): the PLC's, when lower
        than the operator's and no person has set it since; else None."""
        live, wanted = self._left.get("descent_speed"), self._operator.get("descent_speed")
        if not self._in_cut or live is None or wanted is None or "descent_speed" in self._changed or live >= wanted:
            return None
        return live

    def _on_keep(self) -> None:
        result = self._keep()
        if result.ok:
            self._say(self.tr("The PLC's speeds stay."), True)
        else:
            self._say(self.tr("Not answered: %1").replace("%1", reason_text(result)), False)


def can_answer_hint(button: QPushButton) -> bool:
    """The answer buttons are shown: the user may answer (no hint needed)."""
    return not button.isHidden()


def _join(template: str, speeds: Mapping[str, float], units: Mapping[str, str]) -> str:
    values = [format_g(speeds["cutting_speed"]) if "cutting_speed" in speeds else "—",
              units.get("cutting_speed", ""),
              format_g(speeds["descent_speed"]) if "descent_speed" in speeds else "—",
              units.get("descent_speed", "")]
    for i, value in enumerate(values, start=1):
        template = template.replace(f"%{i}", value)
    return template
