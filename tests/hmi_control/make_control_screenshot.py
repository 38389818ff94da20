"""Render the control page to docs/screenshots/control.png (offscreen), in a state worth looking at.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/hmi_control/make_control_screenshot.py [--kiosk]

A StandInEngine with the shipped model: ML on, mid-cut, a few minutes of decisions in ml.db (model
writes, one torque-guard event), the last decision's features. --tab picks the tab shown.
--simulate: the real engine on the simulator (8x) under qasync, ML switched on from the page, the
page grabbed --after seconds into ML control.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "hmi"))

from PySide6.QtWidgets import QApplication

from core.analysis.alarms import Priority
from core.api import UserSession
from core.config import PROJECT_ROOT, load_settings
from core.control.journal import DecisionRow
from core.registers import load_register_map
from core.testing.standin_engine import SqliteJournal, StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.control import ControlPage
from hmi.session import Session
from hmi.theme import apply_theme

FEATURES = {
    "band_current_est": 14.6, "band_deviation": 0.14, "cutting_speed": 72.0, "descent_speed": 33.0,
    "head_height": 61.5, "material_type": 3.0, "material_hardness": 210.0, "cross_section": 0.0,
    "dimension_a": 120.0, "dimension_b": 0.0, "dimension_c": 0.0, "dimension_d": 0.0, "tooth_pitch": 6.35,
    "band_wear": 12.4,
}


def populate(engine: StandInEngine, journal: SqliteJournal) -> None:
    control = engine.control
    assert control is not None
    now_ms = int(time.time() * 1000)
    engine.set_mode(UserSession.anonymous(), "ml", reason="operator switched ML on")
    descent, cutting = 30.0, 70.0
    for i in range(240):
        ts = now_ms - (240 - i) * 200
        coefficient = 0.35 - i * 0.001
        if i < 25:
            row = DecisionRow(ts, "ml", "wait", f"initial delay {i * 0.2:.1f}/5.0 s", seq=i, model="default")
        elif i == 180:
            row = DecisionRow(ts, "ml", "guard", "torque rose 46 % within 2.5 mm of descent (41.0 -> 59.9 %): "
                              "descent speed cut to 75 %", seq=i, descent_before=descent,
                              descent_after=round(descent * 0.75, 1), torque=59.9, model="default")
            descent = round(descent * 0.75, 1)
        elif i % 6 == 0:
            row = DecisionRow(ts, "ml", "write", "", seq=i, coefficient=coefficient, features=FEATURES,
                              descent_before=descent, descent_after=descent + 1.0, cutting_before=cutting,
                              cutting_after=cutting + 0.5, torque=47.0, model="default")
            descent, cutting = descent + 1.0, cutting + 0.5
        else:
            row = DecisionRow(ts, "ml", "model", "", seq=i, coefficient=coefficient, features=FEATURES,
                              descent_before=descent, cutting_before=cutting, torque=46.0, model="default")
        journal.decision(row)
    status = control.controller.status
    status.in_cut, status.controlling, status.coefficient = True, True, 0.12
    status.features = dict(FEATURES)
    status.saved_speeds = {"descent_speed": 30.0, "cutting_speed": 70.0}
    status.guard_events = 1
    status.last_action, status.last_reason = "model", ""
    control.controller.guard.events = 1
    engine.alarms.update("control.torque_guard", True, "Torque guard: torque rose 46 % within 2.5 mm of descent "
                         "(41.0 -> 59.9 %): descent speed cut to 75 %", priority=Priority.MEDIUM, source="control")


async def simulated(page_out: Path, args: argparse.Namespace, data_dir: str) -> bool:
    import asyncio

    from core.engine import Engine
    from core.sim.server import SimulatorServer

    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    sim = SimulatorServer(register_map, port=0, seed=31, speedup=8.0)
    await sim.start()
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, overrides={
        "paths": {"data_dir": data_dir, "logs_dir": data_dir},
        "modbus": {"host": "127.0.0.1", "port": sim.port},
        "control": {"initial_delay_min_s": 1.0, "initial_descent_mm": 1.0},
        "database": {"sqlite": {"batch_ms": 200}},
    })
    engine = Engine(settings, register_map)
    bridge = EngineBridge(engine)
    page = ControlPage(bridge, engine, session=Session("operator", kiosk=args.kiosk))
    width, height = (int(v) for v in args.size.split("x"))
    page.resize(width, height)
    page.tabs.setCurrentIndex(args.tab)
    try:
        await engine.start()
        bridge.attach()
        page.show()
        for _ in range(100):
            if page.toggle.isEnabled() and bridge.link_ok:
                break
            await asyncio.sleep(0.1)
        page.request_ml_on()
        page.confirm_ml_on()
        await asyncio.sleep(args.after)
        page.refresh_journal()
        page.refresh()
        return bool(page.grab().save(str(page_out)))
    finally:
        page.stop()
        page.close()
        bridge.detach()
        await engine.stop()
        await sim.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots" / "control.png")
    parser.add_argument("--size", default="1268x640")
    parser.add_argument("--kiosk", action="store_true")
    parser.add_argument("--tab", type=int, default=0)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--simulate", action="store_true")
    parser.add_argument("--after", type=float, default=12.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.simulate:
        import asyncio

        import qasync

        app.setQuitOnLastWindowClosed(False)  # closing the page must not stop the loop mid-shutdown
        with tempfile.TemporaryDirectory() as data_dir, \
                asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            ok = runner.run(simulated(args.out, args, data_dir))
        print(f"{args.out}: {'saved' if ok else 'FAILED'}")
        return 0 if ok else 1
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={},
                                 overrides={"paths": {"data_dir": data_dir, "logs_dir": data_dir}})
        if args.no_model:
            settings.ml.model_path = Path(data_dir) / "models" / "missing"
        register_map = load_register_map(settings.register_map_path)
        engine = StandInEngine(settings, register_map, with_control=True)
        journal = engine.journal
        assert journal is not None
        if not args.no_model:
            populate(engine, journal)
        bridge = EngineBridge(engine)
        page = ControlPage(bridge, engine, session=Session("operator", kiosk=args.kiosk))
        page.tabs.setCurrentIndex(args.tab)
        width, height = (int(v) for v in args.size.split("x"))
        page.resize(width, height)
        page.show()
        for _ in range(5):
            app.processEvents()
        page.refresh_journal()
        app.processEvents()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        ok = page.grab().save(str(args.out))
        page.stop()
        page.close()
        journal.close()
    print(f"{args.out}: {'saved' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
