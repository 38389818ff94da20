"""#13.7: the controller re-checks mode and freshness under the Writer's lock before every write.

The real simulator over Modbus TCP, the real poller and Writer: the operator switches to manual
while the first register write of an ML decision is on the wire; the decision's second write
must be refused under the lock, and no ML write may follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from core.config import Settings
from core.control.journal import DecisionRow
from core.control.modes import Mode
from core.modbus.client import PlcClient
from core.registers import RegisterMap
from core.security.audit import AuditRecord, AuditResult
from core.snapshot import SawState
from tests.control.control_rig import FakeModel, Rig, WriteLog, two_write_rig
from tests.sim_rig import sim_rig
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration]


async def test_switch_to_manual_between_the_two_writes_of_one_decision(
    settings: Settings, register_map: RegisterMap
) -> None:
    async with sim_rig(settings, register_map) as rig:
        modes = rig.modes
        records: list[tuple[AuditRecord, Mode]] = []
        rig.write_through(audit=lambda record: records.append((record, modes.mode)))
        switched: list[str] = []
        send = rig.client.write_registers

        async def write_registers(address: int, words: Sequence[int]) -> None:
            await send(address, words)
            if not switched and modes.is_ml and address == register_map["descent_speed"].address:
                # The operator presses "manual" while the first write of this decision is on the wire.
                modes.set_mode(Mode.MANUAL, user="anna", reason="test")
                switched.append("descent_speed")

        rig.client.write_registers = write_registers  # type: ignore[method-assign]
        model = FakeModel(1.0, steps={"descent_speed": 1.0, "cutting_speed": 1.0})  # both registers, every decision
        rig.control(model=model)
        await rig.start()
        await wait_until(lambda: bool(switched), "the first ML write of a decision")
        await asyncio.sleep(1.0)  # several more decision ticks
    ml_writes = [(r, mode) for r, mode in records if r.user == "ml" and "restore" not in r.detail]
    after = [r for r, mode in ml_writes if mode is Mode.MANUAL]
    # The first audited after the switch is the descent write that was on the wire when it came...
    on_wire, rest = after[0], after[1:]
    assert on_wire.target == "descent_speed" and on_wire.result is AuditResult.ACCEPTED
    # ...then the same decision's cutting write, refused under the lock; no ML write is accepted.
    assert rest and rest[0].target == "cutting_speed" and rest[0].result is AuditResult.REFUSED
    assert "ML mode ended" in rest[0].detail
    assert [r.describe() for r in rest if r.result is not AuditResult.REFUSED] == []
    assert any(row.action == "stopped" for row in rig.journal.decisions)


class _SlowReadsClient:
    """The Writer's view of the PLC client: its reads (the pre-read before a write, the read-back)
    answer ``delay_s`` late; the poller keeps the real client. ``on_read`` runs while a read waits."""

    def __init__(self, client: PlcClient, delay_s: float, on_read: Callable[[int], None]) -> None:
        self._client = client
        self._delay_s = delay_s
        self._on_read = on_read
        self.sent: list[tuple[int, list[int]]] = []

    @property
    def link_up(self) -> bool:
        return self._client.link_up

    async def read_holding(self, address: int, count: int) -> list[int]:
        words = await self._client.read_holding(address, count)
        await asyncio.sleep(self._delay_s)  # the PLC's answer is slow...
        self._on_read(address)  # ...and meanwhile something happens at the saw
        return words

    async def write_registers(self, address: int, words: Sequence[int]) -> None:
        self.sent.append((address, list(words)))
        await self._client.write_registers(address, words)


async def test_switch_to_manual_during_the_writers_read_before_the_write(
    settings: Settings, register_map: RegisterMap
) -> None:
    """The review's case on the real engine: manual chosen 20 ms into the Writer's read of the
    register before ML's descent write; the mode had been checked before that read only, and 32.29
    went out with the mode already manual. The re-checks now run after the read, right before the
    send: nothing of ML's is sent after the switch."""
    async with sim_rig(settings, register_map) as rig:
        modes = rig.modes
        speeds = {register_map[name].address for name in ("descent_speed", "cutting_speed")}
        switched: list[int] = []

        def operator_picks_manual(address: int) -> None:
            if not switched and modes.is_ml and address in speeds:
                modes.set_mode(Mode.MANUAL, user="anna", reason="test")
                switched.append(address)

        slow = _SlowReadsClient(rig.client, 0.02, operator_picks_manual)
        rig.write_through(slow)
        rig.control(model=FakeModel(1.0, steps={"descent_speed": 1.0, "cutting_speed": 1.0}))
        await rig.start()
        await wait_until(lambda: bool(switched), "ML's first write reads the register")
        await wait_until(lambda: any(row.action == "stopped" for row in rig.journal.decisions),
                         "the decision stopped")
    assert [(address, words) for address, words in slow.sent if address in speeds] == []
    stopped = [row for row in rig.journal.decisions if row.action == "stopped"]
    assert "ML mode ended before the write" in stopped[0].reason


async def _between_the_two_writes(rig: Rig, meanwhile: Callable[[], None]) -> DecisionRow:
    """Run ML decisions until one writes descent_speed; ``meanwhile`` runs as that write lands (before
    the same decision's cutting write takes the Writer's lock). Returns that decision's journal row,
    after checking that no ML write followed it."""
    first: list[WriteLog] = []

    def on_write(log: WriteLog) -> None:
        if not first and log.name == "descent_speed" and log.reason.startswith("ML"):
            first.append(log)
            meanwhile()

    rig.saw.on_write = on_write
    rig.saw.state = SawState.CUTTING
    row = await rig.tick_until(lambda: bool(first))
    assert first and row is not None, "no ML decision wrote descent_speed"
    after = rig.saw.writes[rig.saw.writes.index(first[0]) + 1:]
    assert [w for w in after if w.reason.startswith("ML")] == []  # the decision's cutting write was refused
    return row


async def test_data_stale_between_the_two_writes_of_one_decision(settings: Settings, register_map: RegisterMap) -> None:
    """No poll comes while the first write holds the Writer: the second is decided on data too old."""
    rig = two_write_rig(settings, register_map)
    row = await _between_the_two_writes(rig, lambda: rig.clock.advance(rig.controller.envelope.max_age_s + 0.05))
    assert row.action == "stopped" and "stale" in row.reason, row


async def test_cut_ends_between_the_two_writes_of_one_decision(settings: Settings, register_map: RegisterMap) -> None:
    """A poll arriving while the first write is on the wire shows the cut over: no second write."""
    rig = two_write_rig(settings, register_map)

    def cut_ends() -> None:
        rig.saw.state = SawState.IDLE
        rig.controller.feed(rig.saw.snapshot())

    row = await _between_the_two_writes(rig, cut_ends)
    assert row.action == "stopped" and row.reason == "the cut ended before the write", row


async def test_operator_sets_the_speed_between_the_two_writes_of_one_decision(
    settings: Settings, register_map: RegisterMap
) -> None:
    """The operator turns the band speed on the panel while ML's descent write is on the wire: ML's
    cutting write, built on the old speed, would revert the person's change; it is refused."""
    rig = two_write_rig(settings, register_map)

    def operator_turns_the_band_speed() -> None:
        rig.saw.cutting -= 7.0
        rig.controller.feed(rig.saw.snapshot())

    row = await _between_the_two_writes(rig, operator_turns_the_band_speed)
    assert row.action == "stopped" and "cutting_speed is" in row.reason and "on the PLC" in row.reason, row


async def _restore_with(rig: Rig, meanwhile: Callable[[], None]) -> WriteLog:
    """ML moves both speeds in a cut; the operator chooses manual; ``meanwhile`` runs as the first
    restore write lands. Returns that write."""
    rig.saw.state = SawState.CUTTING
    await rig.run(5)
    assert {"descent_speed", "cutting_speed"} <= {w.name for w in rig.saw.writes if w.reason.startswith("ML")}
    first: list[WriteLog] = []

    def on_write(log: WriteLog) -> None:
        if not first and log.reason == "restore operator speed":
            first.append(log)
            meanwhile()

    rig.saw.on_write = on_write
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    await rig.run(5)
    assert first, "no restore write"
    return first[0]


async def test_restore_write_on_data_that_aged_under_the_lock_is_refused(
    settings: Settings, register_map: RegisterMap
) -> None:
    rig = two_write_rig(settings, register_map)
    await _restore_with(rig, lambda: rig.clock.advance(rig.controller.envelope.max_age_s + 0.05))
    restores = [w for w in rig.saw.writes if w.reason == "restore operator speed"]
    assert {w.name for w in restores} == {"descent_speed", "cutting_speed"}  # done, on fresh data again
    too_old = [w for w in restores if w.snapshot_age is not None and w.snapshot_age > rig.controller.envelope.max_age_s]
    assert too_old == []


async def test_restore_never_reverts_a_change_made_while_it_waited_for_the_lock(
    settings: Settings, register_map: RegisterMap
) -> None:
    rig = two_write_rig(settings, register_map)
    chosen: list[float] = []

    def operator_turns_the_band_speed() -> None:
        chosen.append(rig.saw.cutting - 7.0)
        rig.saw.cutting = chosen[0]
        rig.controller.feed(rig.saw.snapshot())

    first = await _restore_with(rig, operator_turns_the_band_speed)
    assert first.name == "descent_speed"
    after = rig.saw.writes[rig.saw.writes.index(first) + 1:]
    assert [w for w in after if w.name == "cutting_speed"] == []
    assert rig.saw.cutting == chosen[0]  # the person's speed stands


async def test_a_person_seen_in_the_read_back_stops_ml_and_keeps_their_speed(
    settings: Settings, register_map: RegisterMap
) -> None:
    """A person sets the descent at the panel between ML's write and its read-back: the read-back
    shows neither ML's value nor the one read before the write. That is a person's change (an
    override journalled, their value kept by the restore) and ML stops for the cut with an alarm:
    a change made in the moment before the write would have been overwritten unseen."""
    rig = two_write_rig(settings, register_map)
    set_at_panel: list[float] = []

    def person(name: str, value: float) -> float | None:
        if set_at_panel or name != "descent_speed":
            return None
        set_at_panel.append(round(value - 7.0, 2))
        return set_at_panel[0]

    rig.saw.panel_after_write = person
    rig.saw.state = SawState.CUTTING
    row = await rig.tick_until(lambda: bool(set_at_panel))
    assert set_at_panel and row is not None, "no ML decision wrote descent_speed"
    assert row.action == "fault" and "a person changed descent_speed at the PLC during ML's write" in row.reason, row
    assert any(r.action == "override" for r in rig.journal.decisions)
    assert not rig.modes.is_ml
    assert rig.alarms.active()
    for _ in range(5):
        await rig.tick()
    assert rig.saw.descent == set_at_panel[0]  # the person's speed stands: not restored over, not written
    after = [w for w in rig.saw.writes if w.name == "descent_speed"][1:]
    assert after == [], after
