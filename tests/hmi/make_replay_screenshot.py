"""Screenshots of a replay: docs/screenshots/replay_overview.png and replay_trends.png (1280x800).

The real engine on the simulator records a cut (live, a few tens of seconds), then the HMI replays
that cut at 10x from a little before it started, pauses half-way through and grabs the overview,
then Trends (offscreen Qt grab; acquisition and recording go on underneath meanwhile).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/hmi/make_replay_screenshot.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.api import ReplayState
from core.config import PROJECT_ROOT, Settings, load_settings
from core.engine import Engine
from core.registers import RegisterMap, load_register_map
from core.snapshot import SawState, Snapshot

CUTTING = float(SawState.CUTTING)


def _settings(data_dir: Path) -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data_dir / "no.env",
                         overrides={"paths": {"data_dir": str(data_dir), "logs_dir": str(data_dir / "logs")},
                                    "ml": {"model_path": None}, "sim": {"speedup": 4.0}})


async def wait_for(condition: Any, what: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {within_s:g} s")
        await asyncio.sleep(0.05)


async def shoot(settings: Settings, register_map: RegisterMap, out: Path) -> list[Path]:
    from hmi.app import run_window

    holder: dict[str, Any] = {}
    live: list[Snapshot] = []

    def factory(s: Settings, m: RegisterMap, simulate: bool) -> Engine:
        engine = Engine(s, m, simulate=True)
        engine.subscribe(live.append)
        holder["engine"] = engine
        return engine

    task = asyncio.ensure_future(run_window(settings, register_map, factory, simulate=True,
                                            window_ready=lambda w: holder.__setitem__("window", w)))
    await wait_for(lambda: holder.get("engine") is not None and holder["engine"].running, "the engine", 60)
    window = holder["window"]
    window.resize(1280, 800)

    def cut_times() -> tuple[int, int] | None:
        states = [(s.ts_ms, s.values.get("saw_state")) for s in live]
        start = next((ts for ts, state in states if state == CUTTING), None)
        if start is None:
            return None
        end = next((ts for ts, state in states if ts > start and state != CUTTING), None)
        return None if end is None else (start, end)

    await wait_for(lambda: cut_times() is not None, "a recorded cut", 300)
    start_ms, end_ms = cut_times() or (0, 0)
    await asyncio.sleep(2.0)  # the recorder's batch is on disk
    bridge = window.bridge
    result = await bridge.engine.replay_start(window.session.actor(), start_ms - 5_000, end_ms + 5_000, speed=10.0,
                                              label="cut at " + time.strftime("%H:%M:%S",
                                                                              time.localtime(start_ms / 1000)))
    if not result.ok:
        raise SystemExit(f"replay refused: {result.reason}")
    half = start_ms + (end_ms - start_ms) * 6 // 10
    await wait_for(lambda: bridge.latest is not None and bridge.replaying and bridge.latest.ts_ms >= half,
                   "the replay half-way through the cut", 120)
    bridge.engine.replay_pause(window.session.actor(), True)
    bridge.sync_replay()
    await wait_for(lambda: bridge.replay.state is ReplayState.PAUSED, "the pause", 10)
    await asyncio.sleep(1.0)  # the status tick and a paint
    shots = []
    for page, name in (("dashboard", "replay_overview.png"), ("trends", "replay_trends.png")):
        window.show_page(page)
        await asyncio.sleep(1.0)
        path = out / name
        if not window.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        shots.append(path)
    await bridge.engine.replay_stop(window.session.actor())
    window.close()
    await task
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    import qasync
    from PySide6.QtWidgets import QApplication

    from hmi.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp) / "data")
        register_map = load_register_map(settings.register_map_path)
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            shots = runner.run(shoot(settings, register_map, args.out))
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
