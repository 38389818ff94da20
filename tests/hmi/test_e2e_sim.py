"""The HMI on the real engine and the simulated PLC over Modbus TCP, under the real qasync loop.

The engine refuses register writes from anyone but a logged-in engineer: the test logs in at the
window as a person would (login button, name, PIN on the on-screen keypad); presets work in the
operator view.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from hmi_testing import QLoop

from core.api import UserSession
from core.config import Settings
from core.registers import RegisterMap
from hmi.app import run_window
from hmi.dialogs.login import LoginDialog, PinKeypad
from hmi.formatting import plain_text
from hmi.main_window import MainWindow
from hmi.widgets.status_lamp import LampState
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytest.importorskip("core.engine")
pytest.importorskip("core.sim.server")

from core.engine import Engine
from core.sim.server import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.gui, pytest.mark.slow]

ADMIN, ENGINEER = ("alice", "1357"), ("erin", "2468")


def _settings(tmp_path: Path, port: int) -> Settings:
    return settings_in(
        tmp_path,
        modbus={"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 0,
                "retry_delay_s": 0.1, "reconnect_backoff_max_s": 0.5},
    )


class Harness:
    """The simulator, then the HMI with the real engine started by run_window."""

    def __init__(self, tmp_path: Path, register_map: RegisterMap) -> None:
        self.tmp_path = tmp_path
        self.register_map = register_map
        self.sim: SimulatorServer | None = None
        self.engine: Engine | None = None
        self.window: MainWindow | None = None
        self.task: asyncio.Task[int] | None = None

    async def start(self) -> MainWindow:
        self.sim = SimulatorServer(self.register_map, port=0, speedup=1.0)
        await self.sim.start()
        settings = _settings(self.tmp_path, self.sim.port)

        def factory(s: Settings, m: RegisterMap, simulate: bool) -> Engine:
            self.engine = Engine(s, m)
            # What the installer's `bandsaw users init-admin` and `users add` leave behind.
            self.engine.access.create_first_admin(*ADMIN)
            self.engine.access.store.add(ENGINEER[0], "engineer", ENGINEER[1])
            return self.engine

        def ready(window: MainWindow) -> None:
            self.window = window

        self.task = asyncio.ensure_future(run_window(settings, self.register_map, factory, window_ready=ready))
        await wait_until(lambda: self.engine is not None and self.engine.running, "engine start", within_s=20)
        assert self.window is not None
        return self.window

    async def close(self) -> int:
        assert self.window is not None and self.task is not None
        self.window.close()
        code = await asyncio.wait_for(self.task, 30)
        if self.sim is not None and self.sim.running:
            await self.sim.stop()
        return code


async def keypad_login(window: MainWindow, name: str, pin: str) -> None:
    """Log in at the window as an engineer does: login button, name, PIN on the on-screen keypad."""
    assert window.login_button is not None
    window.login_button.click()
    dialog = window.login_button.dialog
    assert isinstance(dialog, LoginDialog)
    dialog.set_name(name)
    keypad = dialog.pin_field.open_keypad()
    assert isinstance(keypad, PinKeypad)
    for key in (*pin, "OK"):
        keypad.keys[key].click()
    await wait_until(lambda: window.session.user == name, f"{name}'s keypad login", within_s=30)
    assert window.login_button.dialog is None


async def retry_while_stale(action: Callable[[], Awaitable[str]], attempts: int = 10) -> str:
    """Repeat an operator action the Writer refused only because the PLC data was momentarily stale."""
    text = ""
    for _ in range(attempts):
        text = await action()
        if "stale" not in text:
            return text
        await asyncio.sleep(0.6)  # the Writer's per-register write rate (2 Hz)
    return text


def _run(qloop: QLoop, tmp_path: Path, register_map: RegisterMap, body: Callable[[Harness], Any]) -> Harness:
    threads_before = set(threading.enumerate())
    harness = Harness(tmp_path, register_map)

    async def scenario() -> None:
        await harness.start()
        try:
            await body(harness)
        finally:
            assert await harness.close() == 0
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
        assert pending == [], f"tasks left after the window closed: {pending}"

    qloop.run(scenario())
    assert harness.engine is not None and not harness.engine.running
    assert harness.window is not None and not shiboken6.isValid(harness.window)
    leaked = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    for thread in leaked:
        thread.join(timeout=5)
    assert [t.name for t in leaked if t.is_alive()] == []
    return harness


def test_live_values_presets_and_writes(qloop: QLoop, tmp_path: Path, register_map: RegisterMap) -> None:
    async def body(h: Harness) -> None:
        assert h.window is not None and h.sim is not None and h.engine is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        dashboard: Any = h.window.pages["dashboard"]
        value = dashboard.cut.rows["band_current"].value
        await wait_until(lambda: value.property("state") not in (None, "stale"), "a live value", within_s=5)
        assert loop.time() - started <= 2.0, "live values took longer than 2 s to show"
        await wait_until(lambda: dashboard.lamps["plc"].state is LampState.OK, "PLC lamp ok", within_s=3)

        # Preset: the simulator's setpoints follow. The Writer refuses while the PLC data is older
        # than two poll periods (a loaded test machine gets there): the operator presses again.
        async def press_preset() -> str:
            dashboard.preset_buttons["slow"].click()
            await wait_until(lambda: dashboard.task is not None and dashboard.task.done(), "preset", within_s=10)
            return str(dashboard.message.text())

        await retry_while_stale(press_preset)
        slow = h.engine.settings.control.presets["slow"]
        assert h.sim.plc.cutting_sp == slow.cutting_speed, dashboard.message.text()
        assert h.sim.plc.descent_sp == slow.descent_speed
        assert dashboard.message.text() == "Preset Slow applied"

        # The operator view may not write registers (hidden pages, and the engine refuses anyway):
        # the engineer logs in at the screen.
        assert h.window.session.user == "operator" and h.window.nav_buttons["users"].isHidden()
        refused = await h.window.engine.write(UserSession.anonymous(), "descent_speed", 24, reason="test")
        assert not refused.ok and "write_register needs engineer" in refused.reason, refused.reason
        await keypad_login(h.window, *ENGINEER)
        assert h.window.status_bar.user.text() == "user erin (engineer)"

        # A register write through the dialog, confirmed, read back and verified.
        # The preset used this second's step allowance (max_step_per_s over any one-second window)
        # and the per-register write rate: neither is under test here, so let the second pass.
        await asyncio.sleep(1.1)
        registers: Any = h.window.pages["registers"]
        h.window.show_page("registers")
        registers.select("descent_speed")
        dialog = registers.open_write_for_selection()
        dialog.entry.setText("24")

        async def write() -> str:
            dialog.write_button.click()
            assert dialog.status_text().startswith("Confirm:")
            await wait_until(dialog.confirm_armed, "confirmation armed")  # taps ignored until then
            dialog.confirm_button.click()
            await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write", within_s=10)
            return str(dialog.status_text())

        await retry_while_stale(write)
        assert "verified" in dialog.status_text() and "NOT" not in dialog.status_text(), dialog.status_text()
        assert h.sim.plc.descent_sp == 24

        assert plain_text(dialog.current_label.text()) == "24.00 mm/min"  # the read-back, at once

        # Out of range: flagged as typed, Write disabled, refused with the reason, nothing sent.
        dialog.entry.setText("75")
        assert dialog.out_of_range() and not dialog.write_button.isEnabled()
        dialog.submit()
        refusal = "Refused: 75.00 mm/min is above the maximum 60.00 mm/min. Nothing was written."
        assert plain_text(dialog.status_text()) == refusal
        assert h.sim.plc.descent_sp == 24
        dialog.close()
        assert h.engine.access.session(ENGINEER[0]) is not None  # still logged in: closing logs out

    harness = _run(qloop, tmp_path, register_map, body)
    assert harness.engine is not None and harness.engine.access.sessions() == []



def test_simulator_loss_and_recovery(qloop: QLoop, tmp_path: Path, register_map: RegisterMap) -> None:
    async def body(h: Harness) -> None:
        assert h.window is not None and h.sim is not None
        loop = asyncio.get_running_loop()
        dashboard: Any = h.window.pages["dashboard"]
        value = dashboard.cut.rows["band_torque"].value
        lamp = dashboard.lamps["plc"]

        def live() -> bool:
            return value.property("state") not in (None, "stale")

        await wait_until(lambda: live() and lamp.state is LampState.OK, "live", within_s=10)

        port = h.sim.port
        await h.sim.stop()
        killed = loop.time()
        await wait_until(lambda: lamp.state is LampState.FAULT and value.property("state") == "stale",
                         "PLC lamp red and values greyed", within_s=5)
        assert loop.time() - killed <= 1.5, f"link loss shown after {loop.time() - killed:.2f} s"
        assert not h.window.link_banner.isHidden()

        h.sim = SimulatorServer(h.register_map, port=port, speedup=1.0)
        await h.sim.start()
        await wait_until(lambda: lamp.state is LampState.OK and live(),
                         "recovery after the simulator restarted", within_s=20)
        assert h.window.link_banner.isHidden()

    _run(qloop, tmp_path, register_map, body)
