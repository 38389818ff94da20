"""HMI figures, each beside a bare baseline measured in the same run.

frames: offscreen frame time of the trends page (1 h window, 36,000 points per curve, every
        curve of the page) against a bare pyqtgraph PlotWidget given the same arrays (plain
        setData, no downsampling or clip-to-view). One frame = one new sample + redraw + render.
trends: CPU of the trends page's live views at the poll rate (10 Hz samples through the bridge, the
        page's own redraw timer, offscreen rendering): the 1-min view (target <= 15 % of one core)
        and the 1-h view, beside a bare pyqtgraph baseline in the same run (the same five stacked
        plots and seven curves, plain setData of the newest minute at 10 Hz, default autorange)
        and the idle process (event loop and sample feed, nothing shown).
pages:  CPU of the alarms page (four alarms, two flashing) and the control page (its 4 Hz status
        refresh, ml.db read once a second) while shown, beside the idle process in the same run.
live:   the whole HMI on the real engine and the in-process simulator at 10 Hz, under qasync:
        CPU of the process (target <= 30 % of one core) against the headless engine alone,
        memory (RSS) over the run, and latency from a simulator register change to the widget
        showing it (target p99 <= 150 ms).
window: the real path, as a reviewer measures it: `bandsaw hmi --simulate --kiosk --page trends`
        (full screen) and `bandsaw engine --simulate` started as processes, CPU from
        /proc/<pid>/stat (utime + stime) over the same span, one after the other: the HMI on the
        Trends page's 1-min view against the headless engine + simulator alone.

    .venv/bin/python bench/gui.py frames [--frames 60]
    .venv/bin/python bench/gui.py trends [--seconds 30]
    .venv/bin/python bench/gui.py pages [--seconds 20]
    .venv/bin/python bench/gui.py live [--seconds 60] [--speedup 1]
    .venv/bin/python bench/gui.py --xvfb window [--seconds 60]

Offscreen rendering by default. ``--xvfb`` (or BENCH_GUI_XVFB=1) starts a private Xvfb
1280x800x24 when Xvfb is installed and renders through the xcb platform plugin into a real X
window: the path a panel takes (X11 shared-memory images, expose events), which costs more than
offscreen rendering. ``--display :N`` uses an X server already running instead. Qt's xcb plugin
needs libxcb-icccm4 and libxcb-keysyms1 (Debian) besides libxcb-cursor0.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "hmi"))



def _die_with_parent() -> None:
    """In the Xvfb child: SIGTERM when the benchmark dies, even by abort() (Qt's fatal errors)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _start_xvfb(size: str = "1280x800x24") -> tuple[str, subprocess.Popen[bytes]] | None:
    """A private Xvfb on a display number it picks itself (-displayfd): never another's display."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return None
    read, write = os.pipe()
    process = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
                               pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=_die_with_parent)  # noqa: PLW1509 - runs before any thread (import time)
    os.close(write)
    atexit.register(process.terminate)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.terminate()
        return None
    return f":{number}", process


def _choose_platform(argv: list[str]) -> str:
    """Offscreen, a private Xvfb (--xvfb, BENCH_GUI_XVFB=1) or a given X display (--display :N)."""
    global _XVFB
    if "--display" in argv:
        os.environ["DISPLAY"] = argv[argv.index("--display") + 1]
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return f"X display {os.environ['DISPLAY']}"
    if "--xvfb" in argv or os.environ.get("BENCH_GUI_XVFB") == "1":
        started = _start_xvfb()
        if started is not None:
            os.environ["DISPLAY"], _XVFB = started
            os.environ["QT_QPA_PLATFORM"] = "xcb"
            return f"Xvfb {os.environ['DISPLAY']} 1280x800 (xcb)"
        print("Xvfb not found: rendering offscreen", file=sys.stderr)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return os.environ["QT_QPA_PLATFORM"]


_XVFB: subprocess.Popen[bytes] | None = None
PLATFORM = _choose_platform(sys.argv)

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.config import PROJECT_ROOT, Settings, load_settings  # noqa: E402
from core.registers import load_register_map  # noqa: E402

POINTS = 36_000  # 1 h at 10 Hz
SIZE = (1280, 700)


def _settings(data_dir: str, **overrides: Any) -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=Path(data_dir) / "no.env",
                         overrides={"paths": {"data_dir": data_dir, "logs_dir": data_dir}, **overrides})


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


# --- frames ------------------------------------------------------------------------------


def bench_frames(frames: int) -> None:
    from core.testing.standin_engine import StandInEngine
    from hmi.bridge import EngineBridge
    from hmi.pages.trends import CURVE_COLUMNS as COLUMNS  # the curves drawn (the targets are lines)
    from hmi.pages.trends import TrendsPage

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as data_dir:
        settings = _settings(data_dir)
        register_map = load_register_map(settings.register_map_path)
        engine = StandInEngine(settings, register_map)
        bridge = EngineBridge(engine)
        bridge.attach()
        page = TrendsPage(bridge)
        page.resize(*SIZE)
        page.show()
        page.set_window(3600)
        rng = np.random.default_rng(1)
        t0 = time.time() - POINTS / 10
        data = {c: np.cumsum(rng.normal(0, 0.1, POINTS + frames)) + 50 for c in COLUMNS}
        for i in range(POINTS):
            page.buffer.append(t0 + i / 10, {c: float(data[c][i]) for c in COLUMNS})
        page.plot.mark_dirty()
        page.plot.redraw(force=True)
        page.plot.grab()

        # The bare baseline: one PlotWidget, the same curves and arrays, plain setData.
        bare = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        bare.resize(*SIZE)
        bare.show()
        bare_curves = [bare.plot(pen=pg.mkPen(i, width=1)) for i in range(len(COLUMNS))]
        app.processEvents()

        ours: list[float] = []
        base: list[float] = []
        for f in range(frames):
            i = POINTS + f
            t = t0 + i / 10
            start = time.perf_counter()
            page.buffer.append(t, {c: float(data[c][i]) for c in COLUMNS})
            page.plot.mark_dirty()
            page.plot.redraw(force=True)  # every frame drawn: the per-frame cost
            page.plot.grab()
            ours.append(time.perf_counter() - start)

            start = time.perf_counter()
            x = np.arange(i - POINTS + 1, i + 1) / 10 + t0
            for curve, column in zip(bare_curves, COLUMNS, strict=True):
                curve.setData(x, data[column][i - POINTS + 1 : i + 1])
            bare.grab()
            base.append(time.perf_counter() - start)
        print(f"trends frame, {len(COLUMNS)} curves x {POINTS} points, {SIZE[0]}x{SIZE[1]}, {frames} frames:")
        print(f"  trends page (ring buffer, peak downsampling, clip-to-view): {_stats(ours)}")
        print(f"  bare pyqtgraph PlotWidget, same arrays, plain setData:      {_stats(base)}")
        print(f"  ratio bare/page (median): {statistics.median(base) / statistics.median(ours):.2f}x")
        interval = page.plot.min_redraw_interval_s()
        print(f"  the page redraws a 1 h window every {interval:.2f} s (one pixel of time), so it costs "
              f"{statistics.median(ours) / interval * 100:.1f} % of a core; the bare plot redrawn at "
              f"{settings.hmi.plot_rate_hz:g} Hz would cost "
              f"{statistics.median(base) * settings.hmi.plot_rate_hz * 100:.0f} %")
        page.plot.stop()
        bridge.detach()
        page.close()
        bare.close()


# --- trends: CPU of the live views ------------------------------------------------------


def _cpu_while(app: Any, seconds: float, tick: Any) -> float:
    """Run the Qt event loop for ``seconds`` with ``tick()`` every 100 ms; CPU seconds per second."""
    from PySide6.QtCore import QEventLoop, QTimer

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    app.processEvents()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    timer.start()
    loop.exec()
    timer.stop()
    return (time.process_time() - cpu0) / (time.perf_counter() - wall0)


def bench_trends(seconds: float) -> None:
    from core.testing.standin_engine import StandInEngine
    from hmi.bridge import EngineBridge
    from hmi.pages.trends import CURVE_COLUMNS, TrendsPage, make_panels

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = _settings(data_dir)
        register_map = load_register_map(settings.register_map_path)
        engine = StandInEngine(settings, register_map)
        bridge = EngineBridge(engine)
        bridge.attach()
        base = {"band_current": 62.0, "band_torque": 55.0, "vibration_x": 0.2, "vibration_y": 0.15,
                "vibration_z": 0.1, "cutting_speed_actual": 70.0, "descent_speed_actual": 30.0,
                "cutting_speed": 70.0, "descent_speed": 30.0}
        noise = {c: (0.02 * v if c in CURVE_COLUMNS else 0.0) for c, v in base.items()}

        def sample() -> dict[str, float]:
            return {c: v + float(rng.normal(0, noise[c])) if noise[c] else v for c, v in base.items()}

        def feed() -> None:  # one poll through the stand-in engine and the bridge, as the engine does
            engine.push(sample())

        # The idle process: the same feed, nothing shown.
        idle = _cpu_while(app, seconds, feed)

        page = TrendsPage(bridge)
        page.resize(*SIZE)
        t0 = time.time() - 3600
        for i in range(POINTS):  # an hour already recorded: the 1 h view is full
            page.buffer.append(t0 + i / 10, dict(sample()))
        page.show()
        app.processEvents()
        results: dict[str, float] = {}
        for label, window in (("1 min", 60.0), ("1 h", 3600.0)):
            page.set_window(window)
            frames = page.plot.frames
            results[label] = _cpu_while(app, seconds, feed)
            results[label + " fps"] = (page.plot.frames - frames) / seconds
        page.plot.stop()
        page.hide()

        # The bare baseline: five stacked plots, seven curves, plain setData of the newest minute.
        bare = pg.GraphicsLayoutWidget()
        bare.resize(*SIZE)
        curves: list[Any] = []
        for row, panel in enumerate(make_panels(settings)):
            plot = bare.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem()})
            for spec in panel.curves:
                curves.append(plot.plot(pen=pg.mkPen(spec.colour, width=1)))
        n = 600
        times = np.arange(n) / 10 + time.time() - n / 10
        data = {c: np.array([sample()[c] for _ in range(n)]) for c in CURVE_COLUMNS}
        bare.show()
        app.processEvents()

        bare_frames = 0

        def bare_tick() -> None:
            nonlocal times, bare_frames
            bare_frames += 1
            feed()
            new = sample()
            times = np.roll(times, -1)
            times[-1] = times[-2] + 0.1
            for curve, column in zip(curves, CURVE_COLUMNS, strict=True):
                data[column] = np.roll(data[column], -1)
                data[column][-1] = new[column]
                curve.setData(times, data[column])

        bare_cpu = _cpu_while(app, seconds, bare_tick)
        bare_fps = bare_frames / seconds
        bare.close()
        bridge.detach()
        page.close()
    print(f"trends live views, {SIZE[0]}x{SIZE[1]} {PLATFORM}, 10 Hz samples, {seconds:.0f} s each "
          f"(CPU of this process, % of one core):")
    print(f"  idle process (sample feed through the bridge, nothing shown): {idle * 100:5.1f} %")

    def line(label: str, cpu: float, fps: float) -> str:
        # A loaded machine delays the timers (fewer frames): the cost per frame, projected to
        # 10 frames/s, is the figure that does not depend on the load.
        per_frame = (cpu - idle) / fps if fps > 0 else float("nan")
        return (f"  {label}: {cpu * 100:5.1f} % at {fps:4.1f} frames/s; {per_frame * 1000:5.1f} ms CPU per frame"
                f" -> {(idle + per_frame * 10) * 100:5.1f} % at 10 frames/s")

    print(line("trends page, 1 min view (target <= 15 %)", results["1 min"], results["1 min fps"]))
    print(f"  trends page, 1 h view:  {results['1 h'] * 100:5.1f} % at {results['1 h fps']:.2f} frames/s "
          "(redrawn once per pixel of time)")
    print(line("bare pyqtgraph baseline, 5 plots x 7 curves, setData of 1 min", bare_cpu, bare_fps))
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def bench_pages(seconds: float) -> None:
    import qasync

    from core.analysis.alarms import Priority
    from core.testing.standin_engine import StandInEngine
    from hmi.bridge import EngineBridge
    from hmi.pages.alarms import AlarmsPage
    from hmi.pages.control import ControlPage
    from hmi.session import Session

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing one page must not end the loop
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = _settings(data_dir)
        register_map = load_register_map(settings.register_map_path)
        engine = StandInEngine(settings, register_map, with_control=True)
        bridge = EngineBridge(engine)
        bridge.attach()

        def feed() -> None:
            engine.push()

        async def cpu(tick: Any) -> float:
            """CPU seconds per second while the qasync loop runs ``tick`` every 100 ms."""
            from PySide6.QtCore import QTimer

            timer = QTimer()
            timer.setInterval(100)
            timer.timeout.connect(tick)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            timer.start()
            await asyncio.sleep(seconds)
            timer.stop()
            return (time.process_time() - cpu0) / (time.perf_counter() - wall0)

        async def measure() -> None:
            results["idle"] = await cpu(feed)
            for i, priority in enumerate(Priority):
                engine.alarms.update(f"bench.{i}", True, f"alarm {i}", priority=priority)
            engine.acknowledge_alarm(Session.default(kiosk=False).actor(), "bench.1")
            engine.alarms.update("bench.2", False, "cleared")
            for name, page in (("alarms", AlarmsPage(bridge, engine)),
                               ("control", ControlPage(bridge, engine, session=Session.default(kiosk=False)))):
                page.resize(*SIZE)
                page.show()
                await asyncio.sleep(0.5)
                results[name] = await cpu(feed)
                stop = getattr(page, "stop", None)
                if callable(stop):
                    stop()
                page.close()
                await asyncio.sleep(0.2)

        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(measure())
        bridge.detach()
        if engine.journal is not None:
            engine.journal.close()
    print(f"pages shown, {SIZE[0]}x{SIZE[1]} {PLATFORM}, 10 Hz samples, {seconds:.0f} s each (% of one core):")
    print(f"  idle process (sample feed through the bridge, nothing shown): {results['idle'] * 100:5.1f} %")
    print(f"  alarms page (4 alarms, two flashing):                        {results['alarms'] * 100:5.1f} %")
    print(f"  control page (4 Hz status, ml.db once a second):             {results['control'] * 100:5.1f} %")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


# --- live --------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _measure_hmi(settings: Settings, seconds: float, speedup: float) -> dict[str, Any]:
    from core.engine import Engine
    from hmi.app import run_window
    from hmi.main_window import MainWindow

    holder: dict[str, Any] = {}

    def factory(s: Settings, m: Any, simulate: bool) -> Engine:
        holder["engine"] = Engine(s, m, simulate=True, sim_speedup=speedup)
        return holder["engine"]

    def ready(window: MainWindow) -> None:
        holder["window"] = window

    register_map = load_register_map(settings.register_map_path)
    task = asyncio.ensure_future(run_window(settings, register_map, factory, simulate=True, window_ready=ready))
    while not (holder.get("engine") and holder["engine"].running):  # noqa: ASYNC110 - started elsewhere
        await asyncio.sleep(0.05)
    window: MainWindow = holder["window"]
    engine = holder["engine"]
    await asyncio.sleep(2.0)  # settle: first polls, caches
    tile = window.pages["dashboard"].tiles["cutting_speed_actual"]  # type: ignore[attr-defined]
    latencies: list[float] = []
    rss: list[float] = [_rss_mb()]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    end = wall0 + seconds
    setpoints = [60.0, 61.0]
    n = 0
    while time.perf_counter() < end:
        # A register change in the simulator -> the widget showing it.
        value = setpoints[n % 2]
        n += 1
        before = tile.target_label.text()
        engine.simulator.plc.set_value("cutting_speed", value)
        changed_at = time.perf_counter()
        # Polling the label is the measurement: the widget has no event to wait on.
        while tile.target_label.text() == before and time.perf_counter() - changed_at < 2.0:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        latencies.append(time.perf_counter() - changed_at)
        await asyncio.sleep(0.5)
        if n % 20 == 0:
            rss.append(_rss_mb())
        if n % 10 == 0:  # show every page now and then, as an engineer would
            window.show_page(("dashboard", "trends", "registers", "dashboard")[(n // 10) % 4])
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    rss.append(_rss_mb())
    polls = engine.status().link.achieved_hz
    window.close()
    await task
    return {"cpu": cpu, "latencies": latencies, "rss": rss, "hz": polls}


async def _measure_engine(settings: Settings, seconds: float, speedup: float) -> float:
    from core.engine import Engine

    register_map = load_register_map(settings.register_map_path)
    engine = Engine(settings, register_map, simulate=True, sim_speedup=speedup)
    await engine.start()
    await asyncio.sleep(2.0)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    await engine.stop()
    return cpu


def bench_live(seconds: float, speedup: float) -> None:
    import qasync

    from hmi.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as hmi_dir, tempfile.TemporaryDirectory() as engine_dir:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            hmi = runner.run(_measure_hmi(_settings(hmi_dir), seconds, speedup))
        bare = asyncio.run(_measure_engine(_settings(engine_dir), seconds, speedup))
    lat = sorted(hmi["latencies"])
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    rss = hmi["rss"]
    print(f"live, {seconds:.0f} s on the simulator (speedup {speedup:g}), poll {hmi['hz']:.1f} Hz:")
    print(f"  CPU, whole HMI process (engine + simulator + window): {hmi['cpu'] * 100:5.1f} % of one core")
    print(f"  CPU, headless engine + simulator alone (baseline):      {bare * 100:5.1f} % of one core")
    print(f"  latency sim register change -> widget ({len(lat)} changes): median "
          f"{statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    print(f"  RSS: start {rss[0]:.0f} MB, end {rss[-1]:.0f} MB, max {max(rss):.0f} MB "
          f"(second half grew {rss[-1] - rss[len(rss) // 2]:+.1f} MB)")


# --- window: the real processes -------------------------------------------------------------


def _proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure_process(args: list[str], seconds: float, settle: float, env: dict[str, str]) -> float:
    """Start ``bandsaw ARGS``, wait ``settle`` s, CPU share of one core over ``seconds``; then stop it."""
    process = subprocess.Popen([sys.executable, "-m", "core.cli", *args], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        if process.poll() is not None:
            raise RuntimeError(f"bandsaw {' '.join(args)} ended early (exit {process.returncode})")
        cpu0, wall0 = _proc_cpu_s(process.pid), time.perf_counter()
        time.sleep(seconds)
        return (_proc_cpu_s(process.pid) - cpu0) / (time.perf_counter() - wall0)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_window(seconds: float, settle: float) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as hmi_dir, tempfile.TemporaryDirectory() as engine_dir:
        hmi = _measure_process(["hmi", "--simulate", "--kiosk", "--page", "trends", "--data-dir", hmi_dir],
                               seconds, settle, env)
        load_hmi = os.getloadavg()
        engine = _measure_process(["engine", "--simulate", "--data-dir", engine_dir], seconds, settle, env)
        load_engine = os.getloadavg()
    print(f"window: real processes, {PLATFORM}, simulator at 10 Hz, {seconds:.0f} s each after {settle:.0f} s "
          "(utime + stime from /proc/<pid>/stat, % of one core):")
    print(f"  bandsaw hmi --simulate --kiosk --page trends (1-min view): {hmi * 100:5.1f} %   "
          f"load {load_hmi[0]:.2f} {load_hmi[1]:.2f} {load_hmi[2]:.2f}")
    print(f"  bandsaw engine --simulate (headless baseline):             {engine * 100:5.1f} %   "
          f"load {load_engine[0]:.2f} {load_engine[1]:.2f} {load_engine[2]:.2f}")
    print(f"  the window's share (difference):                            {(hmi - engine) * 100:5.1f} %")


def main() -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.ERROR)  # per-packet traces would be the benchmark
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xvfb", action="store_true", help="render into a private Xvfb (read before Qt starts)")
    parser.add_argument("--display", metavar=":N", help="render into this X display (read before Qt starts)")
    commands = parser.add_subparsers(dest="what", required=True)
    frames = commands.add_parser("frames")
    frames.add_argument("--frames", type=int, default=60)
    trends = commands.add_parser("trends")
    trends.add_argument("--seconds", type=float, default=30.0)
    pages = commands.add_parser("pages")
    pages.add_argument("--seconds", type=float, default=20.0)
    live = commands.add_parser("live")
    live.add_argument("--seconds", type=float, default=60.0)
    live.add_argument("--speedup", type=float, default=1.0)
    window = commands.add_parser("window")
    window.add_argument("--seconds", type=float, default=60.0)
    window.add_argument("--settle", type=float, default=30.0, help="start-up (imports) is not the figure")
    args = parser.parse_args()
    if args.what == "frames":
        bench_frames(args.frames)
    elif args.what == "trends":
        bench_trends(args.seconds)
    elif args.what == "pages":
        bench_pages(args.seconds)
    elif args.what == "window":
        bench_window(args.seconds, args.settle)
    else:
        bench_live(args.seconds, args.speedup)
    if _XVFB is not None:
        _XVFB.terminate()
        _XVFB.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
