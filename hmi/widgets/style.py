"""Dynamic QSS states: widgets set a property, the theme colours it (only when it changes)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_state(widget: QWidget, value: str, prop: str = "state") -> None:
    if widget.property(prop) == value:
        return
    widget.setProperty(prop, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    for child in widget.findChildren(QWidget):
        style.unpolish(child)
        style.polish(child)
