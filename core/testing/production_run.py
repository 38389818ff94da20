"""Shifts of production history from the simulator, in simulated time: for the report's sample
PDF, the Production page's screenshot and tests (minutes of wall time for a day of saw time).

The simulator's physics (core.sim.physics.SawPlc, stepped by core.ml.simenv.SimSaw) is polled at
``poll_hz`` and fed to the real AnalysisService (cut tracker, detectors, PLC alarm sources, the
saw-state recorder) writing total.db and anomaly.db; alarm transitions go to log.db alarm_log as
the engine writes them. Time stamps run from ``start_ms``. What a plant day has besides cutting
is scripted on top: the operator's pauses (the PLC's automatic cycle held), a break per shift, an
overload trip left standing a few minutes, a PLC link loss, a PC restart (no recording).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from core.analysis.alarms import AlarmManager, AlarmTransition, Priority
from core.analysis.service import AnalysisService
from core.analysis.store import BatchedSqliteWriter, migrator
from core.config import Settings
from core.ml.simenv import SimSaw
from core.snapshot import Quality, SawState, Snapshot

ALARM_ROW = ("INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, user)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
LINK_LOST = "modbus.link_lost"


@dataclass
class RunFigures:
    polls: int = 0
    cuts: int = 0
    trips: int = 0


class ProductionRun:
    """One saw's history from ``start_ms`` on, written into ``settings.data_dir``."""

    def __init__(self, settings: Settings, start_ms: int, *, seed: int = 7, poll_hz: float = 2.0) -> None:
        self.settings = settings
        self.now_ms = start_ms
        self.rng = random.Random(seed)
        self.period_ms = int(1000 / poll_hz)
        self.saw = SimSaw(seed=seed, poll_hz=poll_hz)
        self.plc = self.saw.plc
        self.plc.set_operator_speeds(70.0, 30.0, each_piece=True)
        self.figures = RunFigures()
        self.alarms = AlarmManager(clock=self.clock)
        folder = settings.data_dir / "databases"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = BatchedSqliteWriter(folder / "log.db", migrator("log"), batch_rows=500, batch_ms=500, name="log")
        self.log.open()
        self.alarms.subscribe(self._alarm_row)
        self.analysis = AnalysisService(settings, self.alarms, clock=self.clock)
        self.analysis.start()
        self._seq = 0
        self._last: dict[str, float | None] = {}

    def clock(self) -> float:
        return self.now_ms / 1000.0

    def _alarm_row(self, t: AlarmTransition) -> None:
        alarm = t.alarm
        self.log.submit(ALARM_ROW, (t.ts_ms, alarm.key, t.action, alarm.state.value, t.previous.value,
                                    int(alarm.priority), alarm.text, alarm.value, t.user))

    def _emit(self, values: dict[str, float | None], quality: Quality = Quality.GOOD) -> None:
        self._seq += 1
        self.analysis.feed(Snapshot(self._seq, self.now_ms, self.now_ms / 1000, values, {}, quality))
        self.figures.polls += 1

    def step(self) -> SawState:
        self.plc.step(self.period_ms / 1000)
        self.now_ms += self.period_ms
        values: dict[str, float | None] = dict(self.plc.values())
        self._last = values
        self._emit(values)
        return self.plc.state

    def run_until(self, end_ms: int, stop: Callable[[SawState], bool] = lambda _s: False) -> SawState:
        state = self.plc.state
        while self.now_ms < end_ms:
            before = state
            state = self.step()
            if before is SawState.CUTTING and state is not SawState.CUTTING:
                self.figures.cuts += 1
            if stop(state):
                break
        return state

    def cut_pieces(self, until_ms: int, *, pause_s: tuple[float, float] = (10.0, 120.0)) -> None:
        """Cut until ``until_ms`` with the operator's pauses between pieces."""
        while self.now_ms < until_ms:
            self.plc.auto = True
            self.run_until(until_ms, lambda s: s is SawState.COMPLETED)
            self.run_until(until_ms, lambda s: s is SawState.IDLE)
            if self.now_ms >= until_ms:
                break
            self.idle(min(self.rng.uniform(*pause_s), (until_ms - self.now_ms) / 1000))

    def idle(self, seconds: float) -> None:
        """The saw waits in IDLE (the operator loads a bar, takes a break): polls at 1 Hz."""
        self.plc.auto = False
        end = self.now_ms + int(seconds * 1000)
        while self.now_ms < end:
            self.plc.step(1.0)
            self.now_ms += 1000
            self._last = dict(self.plc.values())
            self._emit(self._last)
        self.plc.auto = True

    def trip(self, standing_s: float) -> None:
        """Far too fast a feed on the next cut: the PLC trips; the alarm stands, then the reset."""
        self.plc.set_operator_speeds(25.0, 60.0, each_piece=True)
        self.plc.descent_sp = 60.0
        state = self.run_until(self.now_ms + 3_600_000, lambda s: s is SawState.ERROR)
        if state is SawState.ERROR:
            self.figures.trips += 1
            self.run_until(self.now_ms + int(standing_s * 1000))
        self.plc.set_operator_speeds(70.0, 30.0, each_piece=True)
        self.plc.reset()
        self.run_until(self.now_ms + 60_000, lambda s: s is SawState.IDLE)

    def link_lost(self, seconds: float) -> None:
        self.alarms.update(LINK_LOST, True, "PLC link lost: no answer", priority=Priority.HIGH, source="modbus")
        end = self.now_ms + int(seconds * 1000)
        while self.now_ms < end:
            self.plc.step(self.period_ms / 1000)
            self.now_ms += self.period_ms
            self._emit(dict.fromkeys(self._last), Quality.COMM_ERROR)
        self.alarms.update(LINK_LOST, False, "PLC link lost: no answer", priority=Priority.HIGH, source="modbus")

    def pc_off(self, seconds: float) -> None:
        """The HMI PC restarts: nothing is recorded for ``seconds``."""
        self.analysis.states.stop(self.now_ms)
        self.plc.step(seconds)
        self.now_ms += int(seconds * 1000)

    def shift(self, end_ms: int, *, busy: bool = True) -> None:
        """One shift up to ``end_ms``: setup, cutting with pauses, a break in the middle."""
        length = end_ms - self.now_ms
        self.idle(min(self.rng.uniform(300, 900), length / 1000 / 4))
        middle = self.now_ms + (end_ms - self.now_ms) // 2
        pauses = (10.0, 90.0) if busy else (120.0, 900.0)
        self.cut_pieces(middle, pause_s=pauses)
        self.idle(min(1800.0, max((end_ms - self.now_ms) / 1000 / 4, 0)))
        self.cut_pieces(end_ms - 60_000, pause_s=pauses)
        self.idle(max((end_ms - self.now_ms) / 1000, 0))

    def close(self) -> None:
        self.analysis.stop()
        self.log.close()


def simulate_day(settings: Settings, start_ms: int, end_ms: int, *, seed: int = 7,
                 shift_ends: tuple[int, ...] = (), quiet: tuple[int, ...] = (2,)) -> RunFigures:
    """Shifts ending at ``shift_ends`` (then ``end_ms``): the first has a trip and a link loss,
    the second a PC restart; the shifts numbered in ``quiet`` (the night) cut less."""
    run = ProductionRun(settings, start_ms, seed=seed)
    try:
        ends = [e for e in shift_ends if start_ms < e < end_ms] + [end_ms]
        for index, end in enumerate(ends):
            if index == 0:
                run.cut_pieces(min(run.now_ms + 5_400_000, end))
                run.trip(standing_s=420)
                run.cut_pieces(min(run.now_ms + 3_600_000, end))
                run.link_lost(240)
            elif index == 1:
                run.cut_pieces(min(run.now_ms + 7_200_000, end))
                run.pc_off(600)
            run.shift(end, busy=index not in quiet)
    finally:
        run.close()
    return run.figures

