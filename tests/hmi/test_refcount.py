"""PySide6 6.12.0 on Python 3.11 drained None's refcount on signal emission (then aborted in
none_dealloc). None is not immortal before 3.12, so a steady fall is measurable: catch it here."""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.models.register_table import RegisterTableModel
from hmi.widgets.value_tile import ValueTile

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")


class _Emitter(QObject):
    carried = Signal(object)


def _none_refs() -> int:
    gc.collect()
    return sys.getrefcount(None)


def test_none_refcount_steady_across_emissions(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    tiles = [ValueTile(bridge, name) for name in ("band_current", "band_torque", "cutting_speed_actual")]
    for tile in tiles:
        qtbot.addWidget(tile)
    model = RegisterTableModel(list(fake_engine.register_map), stale_after_s=1.0)
    bridge.snapshot.connect(model.update_snapshot)
    emitter = _Emitter()
    received: list[object] = []
    emitter.carried.connect(lambda value: received.append(value) if len(received) < 1 else None)

    def burst(n: int) -> None:
        for i in range(n):
            emitter.carried.emit(None)  # None itself through a Signal(object)
            if i % 2:
                fake_engine.push({"band_current": float(i % 50)})
                QApplication.processEvents()  # the bridge shows it after the poll cycle
            else:
                fake_engine.fail()  # snapshots full of None values
                QApplication.processEvents()  # the bridge shows it after the poll cycle
            fake_engine.recover()

    burst(200)  # warm caches
    before = _none_refs()
    burst(3000)
    after = _none_refs()
    # A healthy run moves by a handful of references; the bug loses at least one per emission.
    assert after - before > -300, f"None refcount fell by {before - after} over 3000 emission rounds"
    bridge.snapshot.disconnect(model.update_snapshot)
