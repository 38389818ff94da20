"""`bandsaw hmi` / `bandsaw-hmi`: the Qt application on a qasync event loop.

Order: window shown -> bridge attached -> engine started -> sessions started (login, inactivity,
first-admin offer); on close: sessions stopped (logged out) -> bridge detached -> engine stopped ->
window closed -> loop closed. Nothing runs a nested modal loop inside the asyncio loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.api import EngineApi, EngineFactory, setup_logging
from core.config import ConfigError, Settings, load_settings
from core.registers import RegisterMap, RegisterMapError, load_register_map
from hmi.lifetime import delete_later

log = logging.getLogger("bandsaw.hmi")

EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


class EngineMode(StrEnum):
    """Where the engine runs beside the window."""

    PROCESS = "process"  # a child process (hmi.engine_process): `bandsaw hmi`'s default
    THREAD = "thread"  # a thread of this process (hmi.engine_thread): a Qt call holding the GIL delays polls
    LOOP = "loop"  # on the Qt loop itself: widget tests that drive the engine directly


PAGES = ("dashboard", "trends", "registers", "alarms", "control", "production", "data", "users", "audit")



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--simulate", action="store_true", help="run the simulated PLC in-process and use it")
    parser.add_argument("--kiosk", action="store_true", help="full-screen touch mode (or hmi.kiosk in config)")
    parser.add_argument("--config", type=Path, default=None, metavar="PATH", help="configuration file")
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                        help="data directory (logs go to DIR/logs unless paths.logs_dir is set)")
    parser.add_argument("--logs-dir", type=Path, default=None, metavar="DIR", help="log directory")
    parser.add_argument("--page", choices=PAGES, default="dashboard", help="page shown first")
    parser.add_argument("--lang", choices=("en", "tr"), default=None,
                        help="screen language (default: hmi.language in config, or the user's last choice)")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PATH",
                        help="render the main window to PATH (PNG) --after seconds once the engine is up, and exit")
    parser.add_argument("--after", type=float, default=5.0, metavar="S",
                        help="seconds before the screenshot, counted from when the engine is up (it may take "
                             "some seconds to start: the simulator, the databases)")
    parser.add_argument("--size", default="1280x800", metavar="WxH", help="window size for --screenshot")
    parser.add_argument("--engine", choices=[m.value for m in EngineMode], default=EngineMode.PROCESS.value,
                        help="where the engine runs: its own process (default: nothing the window does can "
                             "delay a poll) or a thread of the window's process")


def register(commands: Any) -> None:
    """Entry point for the `bandsaw.commands` group: adds `bandsaw hmi`."""
    parser = commands.add_parser("hmi", help="the operator and engineer window (PySide6)")
    add_arguments(parser)
    parser.set_defaults(handler=run)


def load(args: argparse.Namespace) -> tuple[Settings, RegisterMap]:
    overrides: dict[str, Any] = {}
    paths_given = {key: str(Path(value).resolve()) for key in ("data_dir", "logs_dir")
                   if (value := getattr(args, key, None)) is not None}
    if paths_given:
        overrides["paths"] = paths_given
    settings = load_settings(args.config, overrides=overrides)
    return settings, load_register_map(settings.register_map_path)


def run(args: argparse.Namespace, *, engine_factory: EngineFactory | None = None) -> int:
    """Run the HMI for parsed arguments; returns the exit code."""
    try:
        settings, register_map = load(args)
    except (ConfigError, RegisterMapError) as exc:
        print(f"bandsaw hmi: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.screenshot is not None and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    factory: EngineFactory | None = engine_factory or getattr(args, "engine_factory", None)
    if factory is None:  # core.cli hands the engine in (`bandsaw hmi`, `bandsaw-hmi`)
        print("bandsaw hmi: no engine to run: start it as `bandsaw hmi` or `bandsaw-hmi`", file=sys.stderr)
        return EXIT_FAILURE
    try:
        # With the engine in its own process, that process writes engine.log and the topic files:
        # each file has one writer (two processes rotating one file lose records).
        setup_logging(settings, topics=getattr(args, "engine", EngineMode.PROCESS) != EngineMode.PROCESS)
    except OSError as exc:
        logging.basicConfig(level=logging.INFO)
        log.warning("logging set-up failed (%s); logging to the console", exc)
    from hmi.theme import ThemeError

    try:
        return run_qt(
            settings, register_map, factory,
            simulate=args.simulate, kiosk=args.kiosk or settings.hmi.kiosk, page=args.page,
            screenshot=args.screenshot, after=args.after, size=args.size, language=args.lang or settings.hmi.language,
            engine_mode=EngineMode(getattr(args, "engine", EngineMode.PROCESS)),
        )
    except ThemeError as exc:  # a broken installation: refuse to show an unthemed panel
        log.error("%s", exc)
        print(f"bandsaw hmi: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def run_qt(
    settings: Settings,
    register_map: RegisterMap,
    engine_factory: EngineFactory,
    *,
    simulate: bool = False,
    kiosk: bool = False,
    page: str = "dashboard",
    screenshot: Path | None = None,
    after: float = 5.0,
    size: str = "1280x800",
    window_ready: Callable[[Any], None] | None = None,
    language: str = "en",
    engine_mode: EngineMode = EngineMode.THREAD,
) -> int:
    """Create (or reuse) the QApplication and run the window on a qasync loop until it closes."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from hmi.i18n import Translator
    from hmi.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # the async close path decides when the loop ends
    apply_theme(app)
    Translator.install(app).switch(language)  # before any widget exists: every text is built translated
    # Python 3.11 has no asyncio.run(loop_factory=...): asyncio.Runner has.
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(run_window(
            settings, register_map, engine_factory, simulate=simulate, kiosk=kiosk, page=page,
            screenshot=screenshot, after=after, size=size, window_ready=window_ready, engine_mode=engine_mode,
        ))


async def run_window(
    settings: Settings,
    register_map: RegisterMap,
    engine_factory: EngineFactory,
    *,
    simulate: bool = False,
    kiosk: bool = False,
    page: str = "dashboard",
    screenshot: Path | None = None,
    after: float = 5.0,
    size: str = "1280x800",
    window_ready: Callable[[Any], None] | None = None,
    engine_mode: EngineMode = EngineMode.THREAD,
) -> int:
    """The application's life under a running qasync loop (tests call this directly).

    ``engine_mode``: PROCESS builds the engine in a child process (the factory must pickle: a
    module-level function such as core.cli.engine_factory) so nothing the window does can delay
    a poll; THREAD runs it on a thread of this process; LOOP on the Qt loop (widget tests).
    """
    try:
        engine = _engine(engine_factory, settings, register_map, simulate, engine_mode)
    except Exception as exc:  # bad wiring or a missing engine: one clear line, not a traceback
        log.error("cannot create the engine: %s", exc)
        print(f"bandsaw hmi: cannot create the engine: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    from hmi.main_window import MainWindow
    from hmi.session import Session

    session = Session.default(kiosk=kiosk)
    window = MainWindow(engine, session)
    closed = asyncio.Event()
    window.close_requested.connect(closed.set)
    if page in window.pages:
        window.show_page(page)
    if screenshot is not None:
        width, _, height = size.partition("x")
        window.resize(int(width), int(height))
        window.show()
        if kiosk:  # the kiosk look (touch sizes, no menus) at the requested size, not full screen
            window.set_kiosk(True, full_screen=False)
    else:
        window.set_kiosk(kiosk)
    if window_ready is not None:
        window_ready(window)
    await asyncio.sleep(0.05)  # the window paints before the engine starts
    code = EXIT_OK
    window.bridge.attach()
    try:
        await engine.start()
    except Exception as exc:
        log.exception("engine failed to start")
        print(f"bandsaw hmi: engine failed to start: {exc}", file=sys.stderr)
        code = EXIT_FAILURE
    else:
        window.bridge.refresh()
        window.start_sessions()
        if screenshot is not None:
            code = await _take_screenshot(window, screenshot, after, closed, size)
        else:
            await closed.wait()
    finally:
        window.shutdown()
        try:
            await engine.stop()
        except Exception:
            log.exception("engine failed to stop cleanly")
            code = EXIT_FAILURE
        window.finish()
        delete_later(window)
        await asyncio.sleep(0)  # let deleteLater run inside the loop
    return code


def _engine(factory: EngineFactory, settings: Settings, register_map: RegisterMap, simulate: bool,
            mode: EngineMode) -> EngineApi:
    if mode is EngineMode.PROCESS:
        from hmi.engine_process import EngineProcess
        from hmi.engine_restart import RestartPolicy

        # A dead engine comes back by itself a few times (manual mode), then waits for a person.
        hosted = EngineProcess(factory, settings, register_map, simulate=simulate, auto_restart=RestartPolicy())
        hosted.spawn()  # the child imports and builds the engine while the window is built
        return hosted
    built = factory(settings, register_map, simulate)
    if mode is EngineMode.THREAD:
        from hmi.engine_thread import EngineThread

        return EngineThread(built)
    return built


async def _take_screenshot(window: Any, path: Path, after: float, closed: asyncio.Event, size: str) -> int:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(closed.wait(), timeout=after)
    width, _, height = size.partition("x")
    window.resize(int(width), int(height))  # the panel's size, even if a layout change asked for more
    window.bridge.refresh()
    await asyncio.sleep(0.2)  # one more status tick and redraw
    path.parent.mkdir(parents=True, exist_ok=True)
    if not grab_with_dialogs(window).save(str(path), "PNG"):
        print(f"bandsaw hmi: could not write {path}", file=sys.stderr)
        return EXIT_FAILURE
    log.info("screenshot saved to %s", path)
    return EXIT_OK


def grab_with_dialogs(window: Any) -> Any:
    """The window as the operator sees it: with its open dialogs (login, keypad) painted on top."""
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QDialog

    pixmap = window.grab()
    dialogs = [d for d in window.findChildren(QDialog) if d.isVisible() and d.isWindow()]
    if not dialogs:
        return pixmap
    painter = QPainter(pixmap)
    try:
        for dialog in dialogs:  # findChildren lists older dialogs first: a keypad lands above its dialog
            painter.drawPixmap(window.mapFromGlobal(dialog.mapToGlobal(dialog.rect().topLeft())), dialog.grab())
    finally:
        painter.end()
    return pixmap


def main(argv: Sequence[str] | None = None, *, engine_factory: EngineFactory | None = None) -> int:
    """The window on its own (``python -m hmi.app``): needs the engine factory (core.cli.hmi_main gives it)."""
    parser = argparse.ArgumentParser(prog="bandsaw-hmi", description="Band saw HMI (operator and engineer window)")
    add_arguments(parser)
    return run(parser.parse_args(argv), engine_factory=engine_factory)


run_hmi = run

if __name__ == "__main__":
    sys.exit(main())
