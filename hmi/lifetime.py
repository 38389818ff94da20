"""What Qt deletes for us (deleteLater, WA_DeleteOnClose) stays referenced from Python until Qt is done.

A Python-made dialog closed with WA_DeleteOnClose usually has one Python reference left: its
parent's, which PySide drops while Qt deletes the dialog. The dialog's wrapper then died inside
its own destruction and took a child's wrapper with it (the child's reference went twice); Qt
went on to delete that child (a QLabel) and PySide 6.11 crashed in
``Shiboken::BindingManager::releaseWrapper`` under ``QObjectPrivate::deleteChildren``. Measured
on the stand-in engine, a window closed with the first-admin dialog open: a SIGSEGV in about one
close in 30 (one in 10 without the kiosk event filter); 0 in 240 with the dialog held here.

So every object handed to Qt for deletion is held in :data:`_HELD` until its ``destroyed`` signal
has run and the event loop has turned once; only then does its wrapper go, with nothing of Qt's
left to touch. Use :func:`delete_later` and :func:`delete_on_close`, never the Qt calls directly
(tests/hmi/test_lifetime.py fails on a direct call in hmi/).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

_HELD: set[QObject] = set()


def hold_until_destroyed(obj: QObject) -> None:
    """Keep ``obj``'s wrapper alive until Qt has deleted it and the loop has turned once."""
    if obj in _HELD:
        return
    _HELD.add(obj)
    # The release waits a loop turn: `destroyed` is emitted before Qt deletes the children.
    obj.destroyed.connect(lambda *_args: QTimer.singleShot(0, lambda: _HELD.discard(obj)))


def delete_later(obj: QObject) -> None:
    """``obj.deleteLater()`` with its wrapper held until the deletion is over."""
    hold_until_destroyed(obj)
    obj.deleteLater()


def delete_on_close(widget: QWidget) -> None:
    """``WA_DeleteOnClose`` with the widget's wrapper held until the deletion is over."""
    hold_until_destroyed(widget)
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def held() -> int:
    """How many objects wait for their deletion here (tests)."""
    return len(_HELD)
