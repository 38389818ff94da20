"""Pieces the control page's widgets share: the engine surface it needs, permissions, look."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from core.api import ControlView
from hmi.permissions import Action

STYLE = """
QFrame#ControlBox { background: #e6e7e8; border: 1px solid #b5b9bd; border-radius: 4px; }
QFrame#ControlBox QLabel { background: transparent; }
QLabel#ModeValue { font-size: 26pt; font-weight: bold; padding: 2px 10px; border: 2px solid transparent; }
QLabel#ModeValue[state="ml"] { background: #303336; color: #ffffff; border-radius: 3px; }
QLabel#ModeValue[state="stale"] { color: #a3a7ab; }
QLabel#BoxTitle { color: #5b5f63; font-size: 10pt; }
QMainWindow[kiosk="true"] QLabel#BoxTitle { font-size: 20px; }
QLabel#BigNumber { font-size: 22pt; font-weight: bold; }
QLabel#BigNumber[state="held"] { color: #8c9094; }
QLabel#FaultText[state="attention"], QLabel#GuardText[state="attention"],
QLabel#ControlMessage[state="refused"] { background: #e0a000; color: #000; font-weight: bold; padding: 4px; }
QLabel#ControlMessage[state="ok"] { border: 1px solid #9ea3a8; padding: 4px; }
QLabel#ControlMessage[state="busy"] { color: #303336; padding: 4px; font-style: italic; }
QLabel#ControlNote, QLabel#GuardLimits, QLabel#FieldTitle, QLabel#GuardOther { color: #5b5f63; }
QLabel#ToggleReason { color: #303336; font-weight: bold; }
QPushButton#MlToggle { font-size: 15pt; font-weight: bold; min-height: 72px; }
QPushButton#GuardEnabled[state="warn"] { background: #e0a000; color: #000; font-weight: bold; }
QFrame#ConfirmBar { background: #eceded; border: 2px solid #303336; border-radius: 4px; }
QFrame#ConfirmBar QLabel { background: transparent; font-weight: bold; }
QListWidget#ModelList::item { min-height: 48px; padding: 2px 6px; }
QListWidget#ModelList::item:selected { background: #b5b9bd; color: #000; }
"""


def permitted_action(name: str, fallback: Action) -> Action:
    """``name`` once hmi.permissions defines it, else the closest existing action."""
    try:
        return Action(name)
    except ValueError:
        return fallback


def ml_availability(view: ControlView | None) -> tuple[bool, str]:
    """(ML can be switched on, why not): for this page and the dashboard's toggle."""
    if view is None:
        return False, "the engine is not running"
    return view.ml_available


def box(title: str, parent: QWidget) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName("ControlBox")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 6, 10, 8)
    layout.setSpacing(4)
    caption = QLabel(title, frame)
    caption.setObjectName("BoxTitle")
    layout.addWidget(caption)
    return frame, layout


def label(parent: QWidget, name: str, text: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel(text, parent)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


def set_text(widget: QLabel | QPushButton, text: str) -> None:
    if widget.text() != text:
        widget.setText(text)
