"""Render every page to docs/screenshots/<page>_<lang>[_kiosk].png, as `bandsaw hmi --screenshot` does.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_screenshots.py --simulate \
        [--lang en tr] [--kiosk both|normal|kiosk] [--only PAGE ...] [--after S]

Each shot is its own run of the window (run_qt) at 1280x800: the language (``--lang``, English and
Turkish by default) and the mode (``--kiosk``: the desktop window, the touch panel, or both by
default) as `bandsaw hmi --lang tr --kiosk` would show them. --simulate uses the real engine on
the simulator (core.cli.engine_factory); without it a StandInEngine with ten minutes of animated
history stands in (layout checks without the engine). Either way the data directory gets three
users (admin alice, engineer erin, operator otto); the pages an operator may not see are shot with
the right person logged in, as at the machine. ``login`` is the kiosk panel with the login dialog
and its PIN keypad open; ``overview_link_lost`` the overview while the PLC does not answer. A page
the build does not have (an optional page not landed) is skipped with a note. Prints one line per
shot and, at the end, the README table of what is in docs/screenshots.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.api import EngineApi
from core.cli import engine_factory as default_engine_factory
from core.config import PROJECT_ROOT, Settings, load_settings
from core.engine import Engine
from core.registers import RegisterMap, load_register_map
from core.security.access import AccessControl
from core.security.passwords import FAST_PARAMS
from core.testing.standin_engine import StandInEngine
from hmi.app import EngineFactory, run_qt
from hmi.engine_thread import EngineThread

PEOPLE = {"alice": ("admin", "1357"), "erin": ("engineer", "2468"), "otto": ("operator", "3690")}


@dataclass(frozen=True)
class Shot:
    name: str  # the file's stem before _<lang>[_kiosk]
    page: str
    title: str  # the README's row
    who: str | None = None  # logged in before the grab (None: the operator view)
    after: float | None = None  # seconds before the grab (None: --after)
    modes: tuple[bool, ...] = (False, True)  # kiosk off / on
    login_dialog: bool = False
    lose_link: bool = False


SHOTS = (
    Shot("overview", "dashboard", "Overview (operator)", after=25.0),  # into the first cut on the real engine
    Shot("trends", "trends", "Trends", after=30.0),  # half the 1 min window filled on the real engine
    Shot("registers", "registers", "Registers (engineer)", who="erin"),
    Shot("alarms", "alarms", "Alarms", after=8.0),
    Shot("control", "control", "Control (ML, engineer)", who="erin", after=8.0),
    Shot("production", "production", "Production", who="erin", after=10.0),
    Shot("data", "data", "Data: backup, restore, export (admin)", who="alice", after=8.0),
    Shot("users", "users", "Users (admin)", who="alice"),
    Shot("audit", "audit", "Audit trail (admin)", who="alice", after=8.0),
    Shot("login", "dashboard", "Login (PIN keypad)", modes=(True,), login_dialog=True),
    Shot("overview_link_lost", "dashboard", "PLC link lost", after=6.0, lose_link=True),
)
LANGUAGES = ("en", "tr")


def file_name(shot: Shot, lang: str, kiosk: bool) -> str:
    return f"{shot.name}_{lang}{'_kiosk' if kiosk else ''}.png"


def readme_table(out: Path) -> str:
    """The README's table: one row per page, a link per language and mode that exists in ``out``."""
    columns = [(lang, kiosk) for kiosk in (False, True) for lang in LANGUAGES]
    heads = {("en", False): "English", ("tr", False): "Türkçe", ("en", True): "English, kiosk",
             ("tr", True): "Türkçe, kiosk"}
    lines = ["| Page | " + " | ".join(heads[c] for c in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for shot in SHOTS:
        cells = []
        for lang, kiosk in columns:
            name = file_name(shot, lang, kiosk)
            cells.append(f"[{lang}{' kiosk' if kiosk else ''}](docs/screenshots/{name})" if (out / name).exists()
                         else "")
        if any(cells):
            lines.append(f"| {shot.title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def seed_users(access: AccessControl) -> None:
    """What `bandsaw users init-admin` and `bandsaw users add` leave in a fresh data directory."""
    for name, (role, pin) in PEOPLE.items():
        if access.store.get(name) is not None:
            continue
        if role == "admin" and access.needs_first_admin():
            access.create_first_admin(name, pin, by="screenshots")
        else:
            access.store.add(name, role, pin)


def fake_factory(settings: Settings, register_map: RegisterMap, simulate: bool) -> StandInEngine:
    access = AccessControl.from_settings(settings, kdf=FAST_PARAMS)
    engine = StandInEngine(settings, register_map, period_ms=100, access=access)
    original_start = engine.start

    async def start() -> None:
        engine.backfill(600)
        await original_start()

    engine.start = start  # type: ignore[method-assign]
    return engine


def with_users(factory: EngineFactory) -> EngineFactory:
    def make(settings: Settings, register_map: RegisterMap, simulate: bool) -> EngineApi:
        engine = factory(settings, register_map, simulate)
        assert isinstance(engine, Engine | StandInEngine)
        seed_users(engine.access)
        return engine

    return make


async def _wait(predicate: Callable[[], bool], within: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the window did not get ready")
        await asyncio.sleep(0.05)


async def stage(window: Any, shot: Shot) -> None:
    """Bring the window into the shot's state once the engine and the sessions run."""
    if shot.page not in window.pages:
        return  # an optional page this build does not have: main() skips the shot
    await _wait(lambda: window.sessions is None or window._sessions_running)
    if shot.who is not None and window.sessions is not None:
        await window.sessions.login(shot.who, PEOPLE[shot.who][1])
        window.show_page(shot.page)  # it was hidden from the operator
    if shot.page == "audit" and window.sessions is not None:
        await window.sessions.login("erin", PEOPLE["erin"][1])  # some history for the trail
        await window.engine.apply_preset(window.session.actor(), "normal")
        await window.sessions.login("alice", PEOPLE["alice"][1])
        window.show_page("audit")
        await asyncio.sleep(2.0)  # log.db's writer batches
        await window.pages["audit"].reload()
    if shot.page == "alarms":
        await raise_alarms(behind(window.engine))
    if shot.page == "data":  # one backup in the list, taken and verified as an engineer would
        page = window.pages["data"]
        task = page.backup_now()
        if task is not None:
            await asyncio.wait_for(task, 60)
        page.refresh()
    if shot.login_dialog and window.login_button is not None:
        open_login(window)
    if shot.lose_link:
        await asyncio.sleep(2.0)
        await lose_link(window.engine)


def open_login(window: Any) -> None:
    """The login dialog over the panel, erin chosen, three digits typed on the keypad (masked)."""
    from PySide6.QtCore import QPoint

    window.login_button.click()
    dialog = window.login_button.dialog
    dialog.set_name("erin")
    dialog.resize(max(dialog.sizeHint().width(), 520), dialog.sizeHint().height())
    keypad = dialog.pin_field.open_keypad()
    for key in "246":
        keypad.press(key)
    keypad.adjustSize()
    top = window.mapToGlobal(QPoint(0, 0))
    gap = 24
    left = (window.width() - dialog.width() - keypad.width() - gap) // 2
    dialog.move(top + QPoint(left, (window.height() - dialog.height()) // 2))
    keypad.move(top + QPoint(left + dialog.width() + gap, (window.height() - keypad.height()) // 2))


def behind(engine: Any) -> Engine | StandInEngine:
    """The engine itself (the window holds it through hmi.engine_thread): staging pokes its parts."""
    inner = engine.engine if isinstance(engine, EngineThread) else engine
    assert isinstance(inner, Engine | StandInEngine)
    return inner


async def raise_alarms(engine: Engine | StandInEngine) -> None:
    """Two PLC alarm bits (band deviation, chatter) set in the simulator; the operator acknowledges one."""
    from core.sim.physics import AlarmBit

    simulator = engine.simulator if isinstance(engine, Engine) else None
    if simulator is not None:
        simulator.faults.override("alarm_info", raw=int(AlarmBit.DEVIATION_HIGH | AlarmBit.CHATTER))
        await _wait(lambda: engine.alarms.get("plc.bit.4") is not None, within=30)
    else:
        from core.analysis.alarms import Priority

        engine.alarms.update("plc.bit.3", True, "PLC: band deviation above 0.5 mm", priority=Priority.HIGH)
        engine.alarms.update("plc.bit.4", True, "PLC: chatter", priority=Priority.MEDIUM)
    await asyncio.sleep(1.0)
    engine.alarms.acknowledge("plc.bit.3", "operator")


async def lose_link(window_engine: Any) -> None:
    """The PLC stops answering: the real engine's simulator stops (on the engine's loop); the
    stand-in goes offline."""
    engine = behind(window_engine)
    simulator = engine.simulator if isinstance(engine, Engine) else None
    if simulator is not None:
        if isinstance(window_engine, EngineThread):
            await window_engine.run_on_engine(simulator.stop())
        else:
            await simulator.stop()
        return
    from core.analysis.alarms import Priority

    assert isinstance(engine, StandInEngine)
    engine.offline = True
    engine.alarms.update("modbus.link_lost", True, "PLC link lost: connection refused",
                         priority=Priority.CRITICAL, source="modbus")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulate", action="store_true", help="the real engine on the simulator")
    parser.add_argument("--after", type=float, default=4.0, help="seconds before a grab (shots may say longer)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES), help="screen languages")
    parser.add_argument("--kiosk", choices=("both", "normal", "kiosk"), default="both",
                        help="the desktop window, the kiosk touch panel, or both")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in SHOTS], default=None, help="these shots only")
    parser.add_argument("--table", action="store_true", help="print the README table of what exists and stop")
    args = parser.parse_args()
    if args.table:
        print(readme_table(args.out))
        return 0
    wanted_modes = {"both": (False, True), "normal": (False,), "kiosk": (True,)}[args.kiosk]
    tasks: list[asyncio.Task[None]] = []
    failures = 0
    for lang in args.lang:
        for shot in SHOTS if args.only is None else [s for s in SHOTS if s.name in args.only]:
            for kiosk in [m for m in shot.modes if m in wanted_modes]:
                path = args.out / file_name(shot, lang, kiosk)
                with tempfile.TemporaryDirectory() as data_dir:  # a fresh plant each shot: no leftovers
                    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={},
                                             overrides={"paths": {"data_dir": data_dir, "logs_dir": data_dir}})
                    register_map = load_register_map(settings.register_map_path)
                    factory = with_users(default_engine_factory if args.simulate else fake_factory)
                    skipped: list[str] = []

                    def ready(window: Any, shot: Shot = shot, skipped: list[str] = skipped) -> None:
                        if shot.page not in window.pages:
                            skipped.append(shot.page)
                        tasks.append(asyncio.ensure_future(stage(window, shot)))

                    code = run_qt(settings, register_map, factory, simulate=args.simulate, kiosk=kiosk,
                                  page=shot.page, screenshot=path, after=shot.after or args.after, size=args.size,
                                  window_ready=ready, language=lang)
                failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]
                for task in failed:
                    print(f"{path.name}: staging failed: {task.exception()!r}")
                tasks.clear()
                if skipped:
                    path.unlink(missing_ok=True)
                    print(f"{path.name}: skipped (no {shot.page} page in this build)")
                    continue
                ok = code == 0 and not failed
                failures += not ok
                print(f"{path.name}: {'saved' if ok else f'failed ({code})'}", flush=True)
                asyncio.set_event_loop(None)
    print(readme_table(args.out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
