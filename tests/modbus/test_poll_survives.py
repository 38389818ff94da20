"""The poll loop never dies silently (maintainer review at 54d2d8f): an alarm text that cannot be
rendered, or an alarm update that raises, is logged once and acquisition goes on; a poll task that
ends anyway is reported (log, critical alarm, link shown down). Real poller on the simulator."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from modbus_helpers import fast_modbus
from test_poller import running_rig

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager, Priority
from core.analysis.messages import MessageCatalogue, MessageEntry, Wording
from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.clock import SYSTEM_CLOCK
from core.modbus.health import ALARM_LINK_LOST
from core.modbus.poller import Poller
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import Quality
from core.supervise import ALARM_INTERNAL, ALARM_TASK_FAILED
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def test_an_alarm_text_that_cannot_be_rendered_does_not_end_the_poll_loop(
    sim: SimulatorServer, settings: Settings, register_map: RegisterMap
) -> None:
    # Built past the load-time check (which now refuses it), as a text failing at run time would be.
    bad = MessageEntry(en=Wording(text="PLC link lost ({value:.1f})"), tr=Wording(text="x"))
    async with running_rig(settings, register_map, sim.port) as rig:
        rig.alarms.policy = AlarmPolicy(catalogue=MessageCatalogue({ALARM_LINK_LOST: bad}, "t.yaml"))
        await rig.next_snapshots(2, Quality.GOOD)
        await sim.stop()
        await wait_until(lambda: rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm")
        polls = rig.poller.health().polls
        await wait_until(lambda: rig.poller.health().polls >= polls + 10, "10 more cycles with the link down")
        assert rig.poller.running
        alarm = rig.alarms.get(ALARM_LINK_LOST)
        assert alarm is not None and alarm.text == alarm.detail != ""  # the plain text: the raising code's detail


async def test_an_alarm_update_that_raises_is_logged_once_and_polling_goes_on(
    sim: SimulatorServer, settings: Settings, register_map: RegisterMap, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_rig(settings, register_map, sim.port) as rig:
        original = rig.alarms.update

        def broken(key: str, *args: Any, **kwargs: Any) -> None:
            if key.startswith("modbus."):
                raise RuntimeError("listener exploded")
            original(key, *args, **kwargs)

        rig.alarms.update = broken  # type: ignore[method-assign]
        await rig.next_snapshots(2, Quality.GOOD)
        await sim.stop()
        key = f"{ALARM_INTERNAL}.poller"
        await wait_until(lambda: rig.alarms.is_active(key), "the critical alarm")
        polls = rig.poller.health().polls
        await wait_until(lambda: rig.poller.health().polls >= polls + 20, "20 more cycles")
        assert rig.poller.running
        alarm = rig.alarms.get(key)
        assert alarm is not None and alarm.priority is Priority.CRITICAL and "listener exploded" in alarm.detail
        logged = [r for r in caplog.records if r.name == "bandsaw.engine" and "alarm update failed" in r.getMessage()]
        assert len(logged) == 1 and logged[0].exc_info is not None


class _BreakingClock:
    """The system clock, whose sleep raises from the 5th cycle on: the poll task itself ends."""

    def __init__(self) -> None:
        self.sleeps = 0

    def monotonic(self) -> float:
        return SYSTEM_CLOCK.monotonic()

    def wall(self) -> float:
        return SYSTEM_CLOCK.wall()

    async def sleep_until(self, deadline: float) -> None:
        self.sleeps += 1
        if self.sleeps >= 5:
            raise RuntimeError("clock broke")
        await SYSTEM_CLOCK.sleep_until(deadline)


async def test_a_poll_task_that_ends_is_reported_and_shown_down(
    sim: SimulatorServer, settings: Settings, register_map: RegisterMap, caplog: pytest.LogCaptureFixture
) -> None:
    modbus = fast_modbus(settings, sim.port)
    client = PlcClient(modbus)
    alarms = AlarmManager(policy=AlarmPolicy.from_settings(settings))
    poller = Poller(settings.model_copy(update={"modbus": modbus}), register_map, client, lambda _s: None,
                    alarms=alarms, clock=_BreakingClock())
    await client.connect()
    poller.start()
    try:
        key = f"{ALARM_TASK_FAILED}.poller"
        await wait_until(lambda: alarms.is_active(key), "the task-failed alarm")
        assert not poller.running
        alarm = alarms.get(key)
        assert alarm is not None and alarm.priority is Priority.CRITICAL
        assert alarm.text.startswith("Software fault: poller stopped: RuntimeError: clock broke")
        assert dict((lang, text) for lang, text, _ in alarm.texts)["tr"].startswith("Yazılım hatası")
        health = poller.health()
        assert not health.connected and health.last_error.startswith("poll loop stopped: RuntimeError")
        logged = [r for r in caplog.records if r.levelno == logging.CRITICAL]
        assert len(logged) == 1 and "clock broke" in logged[0].getMessage()
    finally:
        await poller.stop()
        await client.close()
