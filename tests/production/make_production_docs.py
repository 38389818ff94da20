"""The sample production report and the Production page screenshots, from a simulator run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/production/make_production_docs.py [--keep DIR]

Simulates the saw (core.testing.production_run: the simulator's physics in simulated time, the
real AnalysisService recording cuts, saw states and alarms) from the start of the third shift
before the running one up to now, with an overload trip, a PLC link loss and a PC restart in the
first shifts. Then writes docs/sample-report.pdf (the three complete shifts: a page each and the
total) and grabs the Production page on the stand-in engine reading that data:
docs/screenshots/production.png (engineer, desktop) and production-operator-kiosk.png (operator,
kiosk sizes). Takes a few minutes (a day of saw time at 2 Hz).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "hmi"))
sys.path.insert(0, str(Path(__file__).parents[2]))  # tests.waiting

from production_helpers import run_settings
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from core.config import PROJECT_ROOT
from core.production.export import write_report
from core.production.service import report_set, zone_of
from core.production.shifts import current_and_previous
from core.registers import load_register_map
from core.testing.production_run import simulate_day
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.kiosk import apply_touch_sizes
from hmi.pages.production import ProductionPage
from hmi.permissions import Action, Policy, set_policy
from hmi.session import Session
from hmi.theme import apply_theme
from tests.waiting import wait_until

DOCS = PROJECT_ROOT / "docs"


async def grab(page: ProductionPage, frame: QWidget, out: Path) -> bool:
    frame.show()  # the page asks the engine as it shows
    await wait_until(lambda: page.view is not None, "the production figures", within_s=60)
    await asyncio.sleep(0.25)  # qasync lets Qt lay out and paint meanwhile (processEvents here re-enters it)
    out.parent.mkdir(parents=True, exist_ok=True)
    return bool(frame.grab().save(str(out)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, default=None, help="simulate into this folder and keep it")
    args = parser.parse_args()
    if args.keep is not None:
        return make(args.keep)
    with tempfile.TemporaryDirectory(prefix="bandsaw-production-") as tmp:
        return make(Path(tmp))


def _policy(engineer: bool) -> Policy:
    """An engineer may do everything, the operator all but export."""
    return lambda _user, action: engineer or action is not Action.EXPORT


def make(folder: Path) -> int:
    settings = run_settings(folder / "data", machine={"time_zone": "Europe/Berlin", "name": "saw-01", "id": 1})
    zone = zone_of(settings)
    now = int(time.time() * 1000)
    current, previous = current_and_previous(settings.production.shifts, zone, now, 3)
    assert current is not None and len(previous) == 3
    first = previous[-1]
    began = time.perf_counter()
    figures = simulate_day(settings, first.start_ms, now, seed=11,
                           shift_ends=tuple(o.end_ms for o in reversed(previous)))
    print(f"simulated {figures.cuts} cuts, {figures.trips} trip(s), {figures.polls} polls in "
          f"{time.perf_counter() - began:.0f} s into {folder}")
    day = report_set(settings, first.start_ms, current.start_ms)
    out = write_report(DOCS / "sample-report.pdf", [*day.by_shift, day.total], zone,
                       title="Production report saw-01 (simulator run)")
    print(f"written {out}")

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    engine = StandInEngine(settings, register_map)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ok = True
    for name, engineer, kiosk in (("production.png", True, False), ("production-operator-kiosk.png", False, True)):
        set_policy(_policy(engineer))
        bridge = EngineBridge(engine)
        # The page in a frame as the window holds it (the kiosk's touch sizes are the window's).
        frame = QWidget()
        frame.setObjectName("MainWindow")
        page = ProductionPage(bridge, engine, frame, session=Session("operator", kiosk=kiosk))
        QVBoxLayout(frame).addWidget(page)
        apply_touch_sizes(frame, kiosk)
        frame.resize(1280, 720)
        ok = loop.run_until_complete(grab(page, frame, DOCS / "screenshots" / name)) and ok
        print(f"written docs/screenshots/{name}")
        page.shutdown()
        frame.close()
    set_policy(None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
