"""Write one register: old -> new, the limits, a confirmation, then whether the read-back verified.

Non-modal (no nested event loop under qasync). The write runs as an asyncio task through
``engine.write`` (the engine's Writer: envelope, rate limit, read-back, audit). A value outside the
register's limits is flagged in the preview as it is typed and Write is disabled; it is refused
here with the reason, before anything is sent. "Current" follows the PLC (the page hands every new
value in) and shows the read-back as soon as a write ends. Messages have their own reserved,
growing space below the entry: they never cover it.

The confirmation cannot be reached by tapping the same spot twice (a double tap, a bouncing touch
panel): "Write…" stays where it is, disabled, while "Confirm write" appears in its own row on the
other side of the dialog and ignores every tap for ``CONFIRM_GUARD_S`` after it appears. The rows
for the preview, the messages and the confirmation are reserved from the start, so nothing moves
under a finger when a warning or the confirmation appears.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi, WriteResult
from core.registers import Register
from hmi.code_names import reason_text
from hmi.formatting import (
    decimals_for,
    description,
    format_g,
    format_number,
    format_range,
    register_label,
    with_unit,
)
from hmi.permissions import Action, can, needs_confirmation
from hmi.session import acting
from hmi.tasks import spawn
from hmi.widgets.keypad import NumericEntry
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.write")

STALE_POLL_GRACE_S = 2.0
# "Confirm write" ignores taps this long after it appears (a double tap is 0.1-0.5 s apart).
CONFIRM_GUARD_S = 0.8


def limits_text(register: Register) -> str:
    """The limits with their unit; a number and its unit never broken across lines (hmi.formatting)."""
    unit = register.unit
    parts = []
    if register.min is not None and register.max is not None:
        parts.append(format_range(register.min, register.max, unit))
    if register.max_step_per_s is not None:
        parts.append(QCoreApplication.translate("WriteDialog", "at most %1 per second")
                     .replace("%1", with_unit(format_g(register.max_step_per_s), unit)))
    return ", ".join(parts) or QCoreApplication.translate("WriteDialog", "no limits in the register map")


def check_limits(register: Register, value: float, decimals: int | None = None) -> str:
    """Why ``value`` cannot be written ('' when it is inside the register's limits). The numbers with
    the register's decimals (``decimals``: the dialog's), never in e-notation (1234567,25 read
    "1,23457e+06 mm/dk")."""
    unit = register.unit
    decimals = decimals_for(register) if decimals is None else decimals

    def shown(number: float) -> str:
        return with_unit(format_number(number, decimals), unit)

    if register.min is not None and value < register.min:
        return (QCoreApplication.translate("WriteDialog", "%1 is below the minimum %2")
                .replace("%1", shown(value)).replace("%2", shown(register.min)))
    if register.max is not None and value > register.max:
        return (QCoreApplication.translate("WriteDialog", "%1 is above the maximum %2")
                .replace("%1", shown(value)).replace("%2", shown(register.max)))
    return ""


def describe_result(register: Register, result: WriteResult, decimals: int | None = None) -> tuple[str, str]:
    """(state, text) for a finished write: state is ok, warn or refused."""
    unit = register.unit
    decimals = decimals_for(register) if decimals is None else decimals
    if not result.ok and result.written is None:
        reason = reason_text(result) or QCoreApplication.translate("WriteDialog", "the engine did not write it")
        return "refused", QCoreApplication.translate("WriteDialog", "Refused: %1").replace("%1", reason)
    written = format_number(result.written, decimals)
    text = QCoreApplication.translate("WriteDialog", "Written %1").replace("%1", with_unit(written, unit))
    if result.clamped:
        text += " " + (QCoreApplication.translate("WriteDialog", "(clamped from %1: %2)")
                       .replace("%1", format_number(result.requested, decimals)).replace("%2", reason_text(result)))
    read_back = with_unit(format_number(result.read_back, decimals), unit)
    if result.verified:
        return ("warn" if result.clamped else "ok"), text + "; " + (
            QCoreApplication.translate("WriteDialog", "read back %1: verified").replace("%1", read_back))
    back = (QCoreApplication.translate("WriteDialog", "no read-back") if result.read_back is None
            else QCoreApplication.translate("WriteDialog", "read back %1").replace("%1", read_back))
    reason = f" — {reason_text(result)}" if reason_text(result) and not result.clamped else ""
    not_verified = QCoreApplication.translate("WriteDialog", "%1: NOT verified").replace("%1", back)
    return "warn", f"{text}; {not_verified}{reason}"


class WriteDialog(QDialog):
    write_finished = Signal(object)  # WriteResult
    confirm_guard_s = CONFIRM_GUARD_S

    def __init__(
        self,
        engine: EngineApi,
        register: Register,
        current: float | None,
        *,
        user: str,
        kiosk: bool,
        decimals: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WriteDialog")
        self.setModal(False)
        self.setWindowTitle(self.tr("Write %1").replace("%1", register.name))
        self.engine = engine
        self.register = register
        self.current = current
        self.user = user
        self.decimals = decimals_for(register) if decimals is None else decimals
        self.task: asyncio.Task[WriteResult] | None = None
        self._pending: float | None = None  # value waiting for confirmation
        self._confirm_armed_at = 0.0  # monotonic time from which "Confirm write" takes a tap
        self._written_at = 0.0  # wall clock (s) when the last write's read-back came

        # The keypad's title names the register as the screen does (its label in the screen's language).
        self.entry = NumericEntry(self.tr("New %1").replace("%1", register_label(register)), kiosk=kiosk,
                                  limits=limits_text(register), parent=self)
        if current is not None:
            self.entry.set_value(current)
        self.entry.textChanged.connect(self._on_edit)
        self.preview = QLabel("", self)
        self.preview.setObjectName("WritePreview")
        self.preview.setWordWrap(True)
        self.status = QLabel("", self)
        self.status.setObjectName("WriteStatus")
        self.status.setWordWrap(True)
        # Room for two lines always (the range warning, the confirmation question, a refusal appear
        # without moving anything); the dialog grows (never shrinks under) when a message needs more.
        for label in (self.preview, self.status):
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 16)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        set_state(self.status, "none")
        set_state(self.preview, "none")

        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("Register"), self), 0, 0)
        what = QLabel(f"{register.name} @ {register.address} — {description(register)}", self)
        what.setWordWrap(True)
        grid.addWidget(what, 0, 1)
        grid.addWidget(QLabel(self.tr("Current"), self), 1, 0)
        self.current_label = QLabel("", self)
        self.current_label.setObjectName("WriteCurrent")
        grid.addWidget(self.current_label, 1, 1)
        grid.addWidget(QLabel(self.tr("Limits"), self), 2, 0)
        self.limits_label = QLabel(limits_text(register), self)
        grid.addWidget(self.limits_label, 2, 1)
        grid.addWidget(QLabel(self.tr("New value"), self), 3, 0)
        grid.addWidget(self.entry, 3, 1)
        grid.setColumnStretch(1, 1)

        self.write_button = QPushButton(self.tr("Write…"), self)
        self.write_button.setObjectName("PrimaryButton")
        self.write_button.setMinimumSize(140, 56)
        self.write_button.clicked.connect(self.submit)
        # The confirmation row: left, above the buttons, never where "Write…" is; its place is kept
        # while hidden (nothing moves when it appears).
        self.confirm_button = QPushButton(self.tr("Confirm write"), self)
        self.confirm_button.setObjectName("PrimaryButton")
        self.confirm_button.setMinimumSize(180, 56)
        self.confirm_button.setAutoDefault(False)  # Return twice must not confirm either
        self.confirm_button.clicked.connect(self.confirm)
        self._arm_timer = QTimer(self)
        self._arm_timer.setSingleShot(True)
        self._arm_timer.timeout.connect(self._arm)
        self.back_button = QPushButton(self.tr("Back"), self)
        self.back_button.setMinimumSize(110, 56)
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self._back)
        for button in (self.confirm_button, self.back_button):
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
            button.setVisible(False)
        confirm_row = QHBoxLayout()
        confirm_row.addWidget(self.confirm_button)
        confirm_row.addSpacing(16)
        confirm_row.addWidget(self.back_button)
        confirm_row.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setMinimumSize(110, 56)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.write_button)

        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # never smaller than its contents
        layout.addLayout(grid)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        layout.addLayout(confirm_row)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self._show_current()
        self._on_edit()

    # --- the PLC's value -------------------------------------------------------------------

    def set_current(self, value: float | None, *, polled_at_ms: int | None = None) -> None:
        """The register's value now: each new poll (``polled_at_ms``: when its reads started), and the
        read-back after a write. A poll that started before the read-back came may still hold the old
        value: it does not overwrite the read-back (for at most two seconds, whatever the clocks say)."""
        if value is None or value == self.current:
            return
        if polled_at_ms is not None and 0 <= time.time() - self._written_at < STALE_POLL_GRACE_S \
                and polled_at_ms / 1000 < self._written_at:
            return
        self.current = value
        self._show_current()
        self._preview()  # one current value: the preview and an open confirmation question follow it
        if self._pending is not None:
            self._show("confirm", self._confirm_question(self._pending))

    def _with_unit(self, number: str) -> str:
        """A number of this register with its unit, on one line whatever the width (hmi.formatting)."""
        return with_unit(number, self.register.unit)

    def _show_current(self) -> None:
        self.current_label.setText(self._with_unit(format_number(self.current, self.decimals)))

    # --- flow: enter -> check -> confirm -> write -> result -----------------------------

    def _on_edit(self, _text: str = "") -> None:
        if self._pending is not None:
            self._back()
        self._preview()

    def _preview(self, *, finished: bool = False) -> None:
        """old → new, flagged (and Write disabled) when the new value is outside the limits.
        ``finished``: called by the write's own task as it ends (not busy any more)."""
        value = self.entry.value()
        problem = check_limits(self.register, value, self.decimals) if value is not None else ""
        self.preview.setText(self._preview_text(value))
        set_state(self.preview, "refused" if problem else "none")
        busy = not finished and self.task is not None and not self.task.done()
        self.write_button.setEnabled(not problem and not busy and self._pending is None)
        self._fit()

    def _preview_text(self, value: float | None, old: float | None = None) -> str:
        """old → new, with the range warning when ``value`` is outside the limits."""
        shown_old = format_number(self.current if old is None else old, self.decimals)
        new = "?" if value is None else format_number(value, self.decimals)  # the same decimals as old
        text = f"{shown_old} → {self._with_unit(new)}"
        problem = check_limits(self.register, value, self.decimals) if value is not None else ""
        if problem:
            text += "  ⚠ " + self.tr("out of range: %1").replace("%1", problem)
        return text

    def out_of_range(self) -> bool:
        return self.preview.property("state") == "refused"

    def submit(self) -> None:
        """The Write button: checks the value and asks to confirm (never writes by itself when a
        confirmation is needed; a second press while the question is open does nothing)."""
        if self.task is not None and not self.task.done():
            return
        if self._pending is not None:
            return
        value = self.entry.value()
        if value is None:
            self._show("refused", self.tr("Enter a number"))
            return
        if not can(self.user, Action.WRITE_REGISTER):
            self._show("refused", self.tr("Not permitted: %1 may not write registers")
                       .replace("%1", self.user or self.tr("nobody")))
            return
        problem = check_limits(self.register, value, self.decimals)
        if problem:
            self._show("refused", self.tr("Refused: %1. Nothing was written.").replace("%1", problem))
            return
        if needs_confirmation(Action.WRITE_REGISTER):
            self._pending = value
            self._show("confirm", self._confirm_question(value))
            self.write_button.setEnabled(False)
            self.confirm_button.setEnabled(False)  # armed after the guard time: a double tap is ignored
            self.confirm_button.setVisible(True)
            self.back_button.setVisible(True)
            self._confirm_armed_at = time.monotonic() + self.confirm_guard_s
            self._arm_timer.start(int(self.confirm_guard_s * 1000) + 1)
            return
        self._start_write(value)

    def _confirm_question(self, value: float, old: float | None = None) -> str:
        shown_old = format_number(self.current if old is None else old, self.decimals)
        return (self.tr("Confirm: write %1 %2 → %3?").replace("%1", self.register.name)
                .replace("%2", shown_old).replace("%3", self._with_unit(format_number(value, self.decimals))))

    def _arm(self) -> None:
        if self._pending is not None and self.confirm_button.isVisible():
            self.confirm_button.setEnabled(True)

    def showEvent(self, event: QShowEvent) -> None:
        self.reserve_message_room()
        super().showEvent(event)

    def reserve_message_room(self) -> None:
        """Room, at the theme's fonts and this width, for the longest range warning this register can
        give and for the confirmation question: neither moves "Write…" when it appears (the themed
        16 pt preview wrapped to two lines grew the dialog by 31 px under the finger)."""
        layout = self.layout()
        if layout is None:
            return
        self.ensurePolished()
        layout.activate()
        width = self.preview.width()
        if width <= 0:
            return
        wide = -8888888.888  # as long as a number on this screen gets (grouped, with its decimals)
        samples = [self._preview_text(value, old=wide) for value in (wide, -wide)] if self._has_limits() else []
        plain = [self._preview_text(wide, old=wide)]
        self.preview.setMinimumHeight(max(self._height_of(self.preview, "refused", samples, width),
                                          self._height_of(self.preview, "none", plain, width),
                                          self.preview.minimumHeight()))
        question = self._confirm_question(wide, old=wide)
        self.status.setMinimumHeight(max(self._height_of(self.status, "confirm", [question], width),
                                         self.status.minimumHeight()))
        self._fit()

    def _has_limits(self) -> bool:
        return self.register.min is not None or self.register.max is not None

    @staticmethod
    def _height_of(label: QLabel, state: str, texts: list[str], width: int) -> int:
        """The height ``label`` needs for the longest of ``texts`` in ``state`` at ``width``."""
        if not texts:
            return 0
        shown, shown_state = label.text(), str(label.property("state") or "none")
        set_state(label, state)
        heights = []
        for text in texts:
            label.setText(text)
            heights.append(label.heightForWidth(width))
        label.setText(shown)
        set_state(label, shown_state)
        return max(heights)

    def hideEvent(self, event: QHideEvent) -> None:
        """Closed (or hidden) while asking: the question is withdrawn, nothing is written later."""
        if self._pending is not None:
            self._back()
        super().hideEvent(event)

    def confirm_armed(self) -> bool:
        return (self._pending is not None and self.confirm_button.isEnabled()
                and time.monotonic() >= self._confirm_armed_at)

    def confirm(self) -> None:
        """The "Confirm write" button: writes the value asked about; taps inside the guard time are ignored."""
        if self._pending is None or (self.task is not None and not self.task.done()):
            return
        if not self.confirm_armed():
            log.info("confirmation tap ignored: inside the %.1f s guard", self.confirm_guard_s)
            return
        pending = self._pending
        self._pending = None
        self._start_write(pending)

    def _back(self) -> None:
        self._pending = None
        self._hide_confirmation()
        self._show("none", "")
        self._preview()

    def _hide_confirmation(self) -> None:
        self._arm_timer.stop()
        self.confirm_button.setVisible(False)
        self.confirm_button.setEnabled(False)
        self.back_button.setVisible(False)

    def _start_write(self, value: float) -> None:
        self._hide_confirmation()
        self.write_button.setEnabled(False)
        self._show("busy", self.tr("Writing %1…").replace("%1", self._with_unit(format_number(value, self.decimals))))
        self.task = spawn(self._write(value))

    async def _write(self, value: float) -> WriteResult:
        try:
            result = await self.engine.write(acting(self.user), self.register.name, value,
                                            reason="register inspector")
        except Exception as exc:  # the Writer failed outright: say so, never crash the HMI
            log.exception("write of %s failed", self.register.name)
            result = WriteResult(self.register.name, value, ok=False, reason=f"write failed: {exc}")
        # What the PLC holds now: the read-back (or what went out when there was none).
        if result.read_back is not None or (result.ok and result.written is not None):
            self._written_at = time.time()
            self.set_current(result.read_back if result.read_back is not None else result.written)
        state, text = describe_result(self.register, result, self.decimals)
        self._show(state, text)
        self._preview(finished=True)
        self.write_finished.emit(result)
        return result

    def _show(self, state: str, text: str) -> None:
        self.status.setText(text)
        set_state(self.status, state)
        self._fit()

    def _fit(self) -> None:
        """Grow to fit a longer message (the layout's minimum); never covers the entry."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        hint = self.sizeHint()
        if hint.height() > self.height() or hint.width() > self.width():
            self.resize(max(hint.width(), self.width()), max(hint.height(), self.height()))

    def status_text(self) -> str:
        return self.status.text()
