"""Render every page to docs/screenshots/<page>.png through `--screenshot` (run_window).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/hmi/make_screenshots.py [--simulate] [--after S]

--simulate uses the real engine on the simulator (hmi.app.default_engine_factory); without it a
FakeEngine with ten minutes of animated history stands in (layout checks without the engine).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

from hmi_fake_engine import FakeEngine

from core.config import PROJECT_ROOT, Settings, load_settings
from core.registers import RegisterMap, load_register_map
from hmi.app import EngineFactory, default_engine_factory, run_qt
from hmi.main_window import ALARMS_MODULE

PAGES = ("dashboard", "trends", "registers", "alarms")  # control and data: their authors' own scripts


def fake_factory(settings: Settings, register_map: RegisterMap, simulate: bool) -> FakeEngine:
    engine = FakeEngine(settings, register_map, period_ms=100)
    original_start = engine.start

    async def start() -> None:
        engine.backfill(600)
        await original_start()

    engine.start = start  # type: ignore[method-assign]
    return engine


def link_lost_factory(settings: Settings, register_map: RegisterMap, simulate: bool) -> FakeEngine:
    """The PLC stops answering a second after start, with the engine's link alarm raised."""
    from PySide6.QtCore import QTimer

    from core.analysis.alarms import Priority

    engine = fake_factory(settings, register_map, simulate)
    original_start = engine.start

    def lose_link() -> None:
        engine.offline = True
        engine.alarms.update("modbus.link_lost", True, "PLC link lost: connection refused",
                             priority=Priority.CRITICAL, source="modbus")

    async def start() -> None:
        await original_start()
        QTimer.singleShot(1000, lose_link)

    engine.start = start  # type: ignore[method-assign]
    return engine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--simulate", action="store_true")
    parser.add_argument("--after", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--kiosk", action="store_true")
    parser.add_argument("--only", choices=PAGES, default=None, help="render one page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={},
                                 overrides={"paths": {"data_dir": data_dir, "logs_dir": data_dir}})
        register_map = load_register_map(settings.register_map_path)
        factory: EngineFactory = default_engine_factory if args.simulate else fake_factory
        for page in PAGES if args.only is None else (args.only,):
            if page == "alarms" and importlib.util.find_spec(ALARMS_MODULE) is None:
                print("alarms: hmi/pages/alarms.py not written yet, skipped")
                continue
            path = args.out / f"{page}.png"
            code = run_qt(settings, register_map, factory, simulate=args.simulate, page=page,
                          screenshot=path, after=args.after, size=args.size)
            print(f"{page}: {'saved ' + str(path) if code == 0 else f'failed ({code})'}")
        if not args.simulate and args.only is None:
            path = args.out / "dashboard_link_lost.png"
            code = run_qt(settings, register_map, link_lost_factory, page="dashboard", screenshot=path,
                          after=max(args.after, 3.5), size=args.size)
            print(f"dashboard, PLC link lost: {'saved ' + str(path) if code == 0 else f'failed ({code})'}")
        asyncio.set_event_loop(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
