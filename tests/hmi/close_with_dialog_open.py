"""Open and close the HMI window N times with the first-admin dialog still open (a first start,
nobody created the admin, the window closed): the close path that crashed PySide 6.11 with a
SIGSEGV in about one close in 30 before hmi.lifetime held the dialog (tests/hmi/test_lifetime.py).

Usage: python close_with_dialog_open.py N [kiosk|desktop]; prints one line per window, exits 0.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(count: int, kiosk: bool) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from core.config import PROJECT_ROOT, Settings, load_settings
    from core.registers import RegisterMap, load_register_map
    from core.testing.standin_engine import StandInEngine
    from hmi.app import EngineMode, run_window
    from hmi.i18n import Translator
    from hmi.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    root = Path(tempfile.mkdtemp(prefix="close-with-dialog-"))
    translator = Translator.install(app, cache=root / "qm")
    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")

    def factory(settings: Settings, registers: RegisterMap, _simulate: bool) -> StandInEngine:
        return StandInEngine(settings, registers)

    for i in range(count):
        data = root / f"run{i}"
        settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data / "no.env",
                                 overrides={"paths": {"data_dir": str(data / "data"), "logs_dir": str(data / "logs")}})
        translator.switch("tr" if i % 2 else "en")
        runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
        try:
            code = runner.run(run_window(settings, register_map, factory, kiosk=kiosk, screenshot=data / "x.png",
                                         after=0.05, engine_mode=EngineMode.LOOP))
        finally:
            runner.close()
        gc.collect()  # what the cycle collector finds of the window closed, at once
        print(f"window {i}: exit {code}", flush=True)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), len(sys.argv) > 2 and sys.argv[2] == "kiosk"))
