"""One contract, two hosts: the same sequence run against the real engine (with the simulator) on a
thread of this process (hmi.engine_thread) and in a process of its own (hmi.engine_process) gives the
same answers. The process's answers come from a mirror the child pushes; the thread's from the
engine itself: where they differ, the screen shows different things in the two modes."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import engine_probes
import pytest
from hmi_testing import QLoop

from core.api import AlarmState, EngineApi, UserSession
from core.cli import engine_factory
from core.config import Settings
from core.registers import RegisterMap
from hmi.engine_process import EngineProcess
from hmi.engine_thread import EngineThread
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the engine's process needs Linux")
KEY = engine_probes.CONTRACT_ALARM


def _thread(settings: Settings, register_map: RegisterMap) -> EngineThread:
    return EngineThread(engine_factory(settings, register_map, True))


def _process(settings: Settings, register_map: RegisterMap) -> EngineProcess:
    return EngineProcess(engine_factory, settings, register_map, simulate=True)


def _alarm_answers(qloop: QLoop, proxy: EngineThread | EngineProcess) -> list[tuple[str, str | None, int]]:
    """alarm(KEY)'s state, and whether it is listed, after each step of raise/ack/clear sequences."""
    api: EngineApi = proxy
    operator = UserSession.anonymous()  # operators acknowledge without logging in (the default role)
    seen: list[tuple[str, str | None, int]] = []

    def note(step: str) -> None:
        alarm = api.alarm(KEY)
        listed = sum(a.key == KEY for a in (*api.active_alarms(), *api.suppressed_alarms(), *api.engineer_alarms()))
        seen.append((step, alarm.state.value if alarm is not None else None, listed))

    async def scenario() -> None:
        await proxy.start()
        await wait_until(lambda: api.latest is not None, "first polls", within_s=60)
        note("never raised")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("raised", lambda: proxy._call_in_engine(engine_probes.raise_contract_alarm)),
            ("acknowledged", lambda: api.acknowledge_alarm(operator, KEY)),
            ("cleared after acknowledge", lambda: proxy._call_in_engine(engine_probes.clear_contract_alarm)),
            ("raised again", lambda: proxy._call_in_engine(engine_probes.raise_contract_alarm)),
            ("cleared unacknowledged", lambda: proxy._call_in_engine(engine_probes.clear_contract_alarm)),
            ("acknowledged after clear", lambda: api.acknowledge_alarm(operator, KEY)),
            ("raised to shelve", lambda: proxy._call_in_engine(engine_probes.raise_contract_alarm)),
            ("shelved", lambda: api.shelve_alarm(operator, KEY, 600, "contract test")),
        ]
        for step, act in steps:
            done = act()
            if inspect.isawaitable(done):
                await done
            else:
                assert getattr(done, "ok", True), (step, done)
            note(step)

    try:
        qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    return seen


def test_alarm_by_key_is_the_same_on_the_engine_thread_and_in_the_engine_process(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    on_thread = _alarm_answers(qloop, _thread(settings, register_map))
    in_process = _alarm_answers(qloop, _process(settings, register_map))
    assert in_process == on_thread
    expected = [
        ("never raised", None, 0),
        ("raised", AlarmState.UNACKNOWLEDGED.value, 1),
        ("acknowledged", AlarmState.ACKNOWLEDGED.value, 1),
        ("cleared after acknowledge", None, 0),  # NORMAL: in no list, so alarm(key) is None too
        ("raised again", AlarmState.UNACKNOWLEDGED.value, 1),
        ("cleared unacknowledged", AlarmState.RETURNED_UNACKNOWLEDGED.value, 1),
        ("acknowledged after clear", None, 0),
        ("raised to shelve", AlarmState.UNACKNOWLEDGED.value, 1),
        ("shelved", AlarmState.SHELVED.value, 1),
    ]
    assert on_thread == expected
