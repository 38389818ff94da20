"""Write one register: old -> new, the limits, a confirmation, then whether the read-back verified.

Non-modal (no nested event loop under qasync). The write runs as an asyncio task through
``engine.write`` (the engine's Writer: envelope, rate limit, read-back, audit). Values outside the
register's limits are refused here with the reason, before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.api import EngineApi, WriteResult
from core.registers import Register
from hmi.formatting import decimals_for, format_number
from hmi.permissions import Action, can, needs_confirmation
from hmi.session import acting
from hmi.tasks import spawn
from hmi.widgets.keypad import NumericEntry
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.write")


def limits_text(register: Register) -> str:
    unit = f" {register.unit}" if register.unit else ""
    parts = []
    if register.min is not None and register.max is not None:
        parts.append(f"{register.min:g} … {register.max:g}{unit}")
    if register.max_step_per_s is not None:
        parts.append(f"at most {register.max_step_per_s:g}{unit} per second")
    return ", ".join(parts) or "no limits in the register map"


def check_limits(register: Register, value: float) -> str:
    """Why ``value`` cannot be written ('' when it is inside the register's limits)."""
    unit = f" {register.unit}" if register.unit else ""
    if register.min is not None and value < register.min:
        return f"{value:g}{unit} is below the minimum {register.min:g}{unit}"
    if register.max is not None and value > register.max:
        return f"{value:g}{unit} is above the maximum {register.max:g}{unit}"
    return ""


def describe_result(register: Register, result: WriteResult) -> tuple[str, str]:
    """(state, text) for a finished write: state is ok, warn or refused."""
    unit = f" {register.unit}" if register.unit else ""
    decimals = decimals_for(register)
    if not result.ok and result.written is None:
        return "refused", f"Refused: {result.reason or 'the engine did not write it'}"
    written = format_number(result.written, decimals)
    text = f"Written {written}{unit}"
    if result.clamped:
        text += f" (clamped from {result.requested:g}: {result.reason})"
    read_back = format_number(result.read_back, decimals)
    if result.verified:
        return ("warn" if result.clamped else "ok"), f"{text}; read back {read_back}{unit}: verified"
    back = "no read-back" if result.read_back is None else f"read back {read_back}{unit}"
    reason = f" — {result.reason}" if result.reason and not result.clamped else ""
    return "warn", f"{text}; {back}: NOT verified{reason}"


class WriteDialog(QDialog):
    write_finished = Signal(object)  # WriteResult

    def __init__(
        self,
        engine: EngineApi,
        register: Register,
        current: float | None,
        *,
        user: str,
        kiosk: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WriteDialog")
        self.setModal(False)
        self.setWindowTitle(f"Write {register.name}")
        self.engine = engine
        self.register = register
        self.current = current
        self.user = user
        self.task: asyncio.Task[WriteResult] | None = None
        self._pending: float | None = None  # value waiting for confirmation
        unit = f" {register.unit}" if register.unit else ""
        self._unit = unit

        self.entry = NumericEntry(f"New {register.name}", kiosk=kiosk, limits=limits_text(register), parent=self)
        if current is not None:
            self.entry.set_value(current)
        self.entry.textChanged.connect(self._on_edit)
        self.preview = QLabel("", self)
        self.preview.setObjectName("WritePreview")
        self.status = QLabel("", self)
        self.status.setObjectName("WriteStatus")
        self.status.setWordWrap(True)
        set_state(self.status, "none")

        grid = QGridLayout()
        grid.addWidget(QLabel("Register", self), 0, 0)
        grid.addWidget(QLabel(f"{register.name} @ {register.address} — {register.description}", self), 0, 1)
        grid.addWidget(QLabel("Current", self), 1, 0)
        grid.addWidget(QLabel(f"{format_number(current, decimals_for(register))}{unit}", self), 1, 1)
        grid.addWidget(QLabel("Limits", self), 2, 0)
        self.limits_label = QLabel(limits_text(register), self)
        grid.addWidget(self.limits_label, 2, 1)
        grid.addWidget(QLabel("New value", self), 3, 0)
        grid.addWidget(self.entry, 3, 1)

        self.write_button = QPushButton("Write…", self)
        self.write_button.setObjectName("PrimaryButton")
        self.write_button.setMinimumSize(140, 56)
        self.write_button.clicked.connect(self.submit)
        self.back_button = QPushButton("Back", self)
        self.back_button.setMinimumSize(110, 56)
        self.back_button.setVisible(False)
        self.back_button.clicked.connect(self._back)
        self.close_button = QPushButton("Close", self)
        self.close_button.setMinimumSize(110, 56)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.write_button)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self._on_edit()

    # --- flow: enter -> check -> confirm -> write -> result -----------------------------

    def _on_edit(self, _text: str = "") -> None:
        if self._pending is not None:
            self._back()
        value = self.entry.value()
        old = format_number(self.current, decimals_for(self.register))
        new = "?" if value is None else f"{value:g}"
        self.preview.setText(f"{old} → {new}{self._unit}")

    def submit(self) -> None:
        """The Write button: first press checks and asks to confirm, the second writes."""
        if self.task is not None and not self.task.done():
            return
        if self._pending is not None:
            pending = self._pending
            self._pending = None
            self._start_write(pending)
            return
        value = self.entry.value()
        if value is None:
            self._show("refused", "Enter a number")
            return
        if not can(self.user, Action.WRITE_REGISTER):
            self._show("refused", f"Not permitted: {self.user or 'nobody'} may not write registers")
            return
        problem = check_limits(self.register, value)
        if problem:
            self._show("refused", f"Refused: {problem}. Nothing was written.")
            return
        if needs_confirmation(Action.WRITE_REGISTER):
            self._pending = value
            old = format_number(self.current, decimals_for(self.register))
            self._show("confirm", f"Confirm: write {self.register.name} {old} → {value:g}{self._unit}?")
            self.write_button.setText("Confirm write")
            self.back_button.setVisible(True)
            return
        self._start_write(value)

    def _back(self) -> None:
        self._pending = None
        self.write_button.setText("Write…")
        self.back_button.setVisible(False)
        self._show("none", "")

    def _start_write(self, value: float) -> None:
        self.write_button.setText("Write…")
        self.back_button.setVisible(False)
        self.write_button.setEnabled(False)
        self._show("busy", f"Writing {value:g}{self._unit}…")
        self.task = spawn(self._write(value))

    async def _write(self, value: float) -> WriteResult:
        try:
            result = await self.engine.write(acting(self.user), self.register.name, value,
                                            reason="register inspector")
        except Exception as exc:  # the Writer failed outright: say so, never crash the HMI
            log.exception("write of %s failed", self.register.name)
            result = WriteResult(self.register.name, value, ok=False, reason=f"write failed: {exc}")
        state, text = describe_result(self.register, result)
        self._show(state, text)
        self.write_button.setEnabled(True)
        self.write_finished.emit(result)
        return result

    def _show(self, state: str, text: str) -> None:
        self.status.setText(text)
        set_state(self.status, state)

    def status_text(self) -> str:
        return self.status.text()
