"""The fault journal's row carries the time of the fault, not the time of the stale sample behind it."""

from __future__ import annotations

from core.control.modes import Mode
from core.snapshot import SawState
from tests.control.control_rig import Rig


async def test_stale_fault_is_stamped_with_the_time_of_the_fault(rig: Rig) -> None:
    rig.saw.state = SawState.CUTTING
    await rig.run(2)
    last_sample = rig.saw.latest
    assert last_sample is not None
    rig.clock.advance(30.0)  # the link is down: no poll for 30 s, then the controller decides
    row = await rig.controller.step()
    assert row is not None and row.action == "fault" and "stale" in row.reason, row
    assert rig.modes.mode is Mode.MANUAL
    assert row.ts_ms == int(rig.clock() * 1000)  # when ML let go
    assert row.ts_ms - last_sample.ts_ms >= 30_000
    assert row.seq == last_sample.seq  # the sample it saw is still named
    assert rig.journal.decisions[-1] is row
