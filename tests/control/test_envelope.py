"""The safety envelope alone, then the envelope under the controller over long random sequences."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from core.config import Settings
from core.control.envelope import Fault, LiveCheck, Precheck, SafetyEnvelope
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot
from tests.control.control_rig import FakeClock, FakeSaw, make_rig


def _snap(now: float, quality: Quality = Quality.GOOD, **values: float | None) -> Snapshot:
    base: dict[str, float | None] = {"descent_speed": 30.0, "cutting_speed": 70.0}
    base.update(values)
    return Snapshot(1, int(now * 1000), now, base, {}, quality)


def _envelope(settings: Settings, register_map: RegisterMap) -> SafetyEnvelope:
    return SafetyEnvelope(register_map, settings.control, read_rate_hz=10.0, write_rate_hz=2.0)


def test_limits_are_the_map_intersected_with_config(settings: Settings, register_map: RegisterMap) -> None:
    # Nothing set in the config: ML keeps to the reference limits inside the map's 1-60 / 20-120.
    env = _envelope(settings, register_map)
    assert (env.limits("descent_speed").low, env.limits("descent_speed").high) == (10.0, 60.0)
    assert (env.limits("cutting_speed").low, env.limits("cutting_speed").high) == (40.0, 90.0)
    settings.control.descent_speed_min, settings.control.descent_speed_max = 2.0, 45.0
    settings.control.cutting_speed_min, settings.control.cutting_speed_max = 30.0, 110.0
    env = _envelope(settings, register_map)  # what the config sets wins over ML's defaults
    assert (env.limits("descent_speed").low, env.limits("descent_speed").high) == (2.0, 45.0)
    assert (env.limits("cutting_speed").low, env.limits("cutting_speed").high) == (30.0, 110.0)
    settings.control.descent_speed_min = 70.0  # above the map's max: no overlap
    env = _envelope(settings, register_map)  # never raises: ML unavailable, acquisition runs
    assert "control.descent_speed_min/_max" in env.conflict
    verdict = env.admit("descent_speed", 30.0, _snap(100.0), 100.0)
    assert not verdict.allowed and "control.descent_speed_min" in verdict.reason


def test_clamps_limits_and_step(settings: Settings, register_map: RegisterMap) -> None:
    env = _envelope(settings, register_map)
    now = 100.0
    verdict = env.admit("descent_speed", 500.0, _snap(now, descent_speed=59.0), now)
    assert verdict.allowed and verdict.value == 60.0 and verdict.clamped
    # First write: one write period (0.5 s) of the 10 mm/min/s step from the PLC's value.
    verdict = env.admit("descent_speed", 45.0, _snap(now), now)
    assert verdict.value == pytest.approx(35.0) and verdict.reason == "step limited"
    env.record("descent_speed", 35.0, now)
    assert not env.admit("descent_speed", 45.0, _snap(now + 0.3), now + 0.3).allowed  # write rate
    verdict = env.admit("descent_speed", 45.0, _snap(now + 0.6, descent_speed=35.0), now + 0.6)
    assert verdict.value == pytest.approx(41.0)  # 0.6 s since our last accepted write
    # A read begun after our write shows a person's 20: the step is measured from there.
    verdict = env.admit("descent_speed", 45.0, _snap(now + 0.6, descent_speed=20.0), now + 0.6)
    assert verdict.value == pytest.approx(26.0)


def test_refuses_stale_unknown_and_nan(settings: Settings, register_map: RegisterMap) -> None:
    env = _envelope(settings, register_map)
    now = 50.0
    stale = env.admit("descent_speed", 30.0, _snap(now - 0.25), now)
    assert not stale.allowed and stale.fault is Fault.STALE_DATA
    comm = env.admit("descent_speed", 30.0, _snap(now, Quality.COMM_ERROR), now)
    assert comm.fault is Fault.STALE_DATA
    assert env.admit("descent_speed", 30.0, None, now).fault is Fault.STALE_DATA
    nan = env.admit("descent_speed", math.nan, _snap(now), now)
    assert not nan.allowed and nan.fault is Fault.MODEL
    assert not env.admit("band_torque", 1.0, _snap(now), now).allowed  # read-only
    unknown = env.admit("descent_speed", 30.0, _snap(now, descent_speed=None), now)
    assert not unknown.allowed and unknown.fault is None


async def test_failed_write_keeps_the_plc_value_as_reference(settings: Settings, register_map: RegisterMap) -> None:
    clock = FakeClock()
    saw = FakeSaw(clock)
    env = _envelope(settings, register_map)
    saw.fail_writes = 1
    out = await env.write(saw.write, "descent_speed", 40.0, snapshot=saw.snapshot(), now=clock(),
                          user="t", reason="t")
    assert out.fault is Fault.COMMS and saw.descent == 30.0
    clock.advance(0.5)
    out = await env.write(saw.write, "descent_speed", 40.0, snapshot=saw.snapshot(), now=clock(),
                          user="t", reason="t")
    assert out.ok and saw.descent == pytest.approx(35.0)  # from 30, not from the failed 35


# --- property: the controller behind the envelope, under random inputs and faults --------

_EVENTS = st.one_of(
    st.tuples(st.just("tick"), st.floats(0.05, 0.4)),
    st.tuples(st.just("silent"), st.floats(0.05, 1.5)),
    st.tuples(st.just("comm_error"), st.just(0.0)),
    st.tuples(st.just("partial"), st.just(0.0)),
    st.tuples(st.just("write_fail"), st.integers(1, 3)),
    st.tuples(st.just("model_error"), st.just(0.0)),
    st.tuples(st.just("coef"), st.floats(-3.0, 3.0) | st.sampled_from([math.nan, math.inf, -math.inf])),
    st.tuples(st.just("state"), st.sampled_from(list(SawState))),
    st.tuples(st.just("ml_on"), st.just(0.0)),
    st.tuples(st.just("ml_off"), st.just(0.0)),
    st.tuples(st.just("torque"), st.floats(0.0, 150.0)),
)


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_EVENTS, min_size=40, max_size=200))
def test_envelope_holds_under_random_inputs_and_faults(
    settings: Settings, register_map: RegisterMap, events: list[tuple[str, float]]
) -> None:
    settings.control.global_factor = 10.0  # large steps: writes press against every limit
    settings.control.initial_delay_min_s = 0.2
    settings.control.initial_descent_mm = 0.1
    settings.control.descent_speed_max = 55.0
    asyncio.run(_scenario(settings, register_map, events))


async def _scenario(settings: Settings, register_map: RegisterMap, events: list[tuple[str, float]]) -> None:
    rig = make_rig(settings, register_map, coefficient=1.0)
    saw, ctrl, env = rig.saw, rig.controller, rig.controller.envelope
    saw.state = SawState.CUTTING
    last_ok: dict[str, tuple[float, float]] = {}  # name -> (value, time) of the PLC's last change
    for kind, arg in events:
        fault_expected = False
        before_writes = len(saw.writes)
        before_calls = rig.model.calls
        was_ml = rig.modes.is_ml
        if kind == "tick":
            await rig.tick(arg)
        elif kind == "silent":
            saw.advance(arg)
            await ctrl.step()
            grace = max(env.max_age_s, settings.control.stale_fault_after_s)
            age = saw.clock() - saw.latest.monotonic if saw.latest is not None else 0.0
            fault_expected = was_ml and saw.latest is not None and age > grace
        elif kind == "comm_error":
            await rig.tick(0.1, polls=1, quality=Quality.COMM_ERROR)
            fault_expected = was_ml
        elif kind == "partial":
            saw.advance(0.1)
            ctrl.feed(saw.snapshot(Quality.STALE, {"saw_state": None}))
            await ctrl.step()
            fault_expected = was_ml
        elif kind == "write_fail":
            saw.fail_writes = int(arg)
            await rig.tick()
        elif kind == "model_error":
            rig.model.error = RuntimeError("boom")
            await rig.tick()
            rig.model.error = None
            fault_expected = rig.model.calls > before_calls
        elif kind == "coef":
            rig.model.coefficient = arg
            await rig.tick()
            fault_expected = not math.isfinite(arg) and rig.model.calls > before_calls
        elif kind == "state":
            saw.state = SawState(int(arg))
            await rig.tick()
        elif kind == "ml_on":
            rig.modes.set_mode(Mode.ML, user="op")
        elif kind == "ml_off":
            rig.modes.set_mode(Mode.MANUAL, user="op")
        elif kind == "torque":
            saw.torque = arg
            await rig.tick()
        new_writes = saw.writes[before_writes:]
        if fault_expected or (was_ml and kind == "write_fail" and len(new_writes) > 0):
            assert rig.modes.mode is Mode.MANUAL, f"still in ML after {kind}"
        for w in new_writes:
            limits = env.limits(w.name)
            assert limits.low - 1e-9 <= w.value <= limits.high + 1e-9, f"{w.name}={w.value} outside limits"
            assert w.snapshot_age is not None and w.snapshot_age <= env.max_age_s + 1e-9, "write on stale data"
            assert w.snapshot_quality is not Quality.COMM_ERROR
            step = limits.max_step_per_s
            assert step is not None
            prev_value, prev_t = last_ok.get(w.name, (70.0 if w.name == "cutting_speed" else 30.0, -math.inf))
            window = min(w.at - prev_t, 1.0) if math.isfinite(prev_t) else 1.0
            assert abs(w.value - prev_value) <= step * window + 1e-6, f"{w.name} stepped too fast"
        # What the PLC holds now is what the next step is measured from.
        for w in new_writes:
            if w.ok:
                last_ok[w.name] = (w.value, w.at)
        by_name: dict[str, list[float]] = {}
        for w in saw.writes[max(0, before_writes - 4):]:
            by_name.setdefault(w.name, []).append(w.at)
        for times in by_name.values():
            for a, b in itertools.pairwise(times):
                assert b - a >= env.min_interval_s - 1e-9, "write rate exceeded"


def test_config_keys_default_to_the_reference_limits_for_ml_only(settings: Settings, register_map: RegisterMap) -> None:
    """#14.6: control.cutting_speed_min/max 40/90 and descent_speed_min/max 10/60 are the defaults."""
    from core.config import ControlSettings
    from core.modbus.envelope import limits_for

    c = ControlSettings()
    assert (c.cutting_speed_min, c.cutting_speed_max, c.descent_speed_min, c.descent_speed_max) == (40, 90, 10, 60)
    # The defaults bind ML; people's writes keep the map's range unless the config sets a key.
    assert (limits_for(register_map["cutting_speed"], c).low, limits_for(register_map["cutting_speed"], c).high) \
        == (20.0, 120.0)
    env = SafetyEnvelope(register_map, c, read_rate_hz=10.0, write_rate_hz=2.0)
    assert (env.limits("cutting_speed").low, env.limits("cutting_speed").high) == (40.0, 90.0)
    # Set in the config (as a YAML file would): it binds people and ML alike.
    set_ = ControlSettings.model_validate({"cutting_speed_max": 80.0, "descent_speed_min": 12.0})
    assert limits_for(register_map["cutting_speed"], set_).high == 80.0
    assert limits_for(register_map["descent_speed"], set_).low == 12.0
    assert limits_for(register_map["descent_speed"], set_).high == 60.0  # the map's; the default binds ML only
    env = SafetyEnvelope(register_map, set_, read_rate_hz=10.0, write_rate_hz=2.0)
    assert (env.limits("cutting_speed").low, env.limits("cutting_speed").high) == (40.0, 80.0)
    assert (env.limits("descent_speed").low, env.limits("descent_speed").high) == (12.0, 60.0)
    # null (what an unset key meant before): ML keeps to the reference, people to the map.
    null = ControlSettings.model_validate({"cutting_speed_min": None, "cutting_speed_max": None})
    assert limits_for(register_map["cutting_speed"], null).low == 20.0
    env = SafetyEnvelope(register_map, null, read_rate_hz=10.0, write_rate_hz=2.0)
    assert (env.limits("cutting_speed").low, env.limits("cutting_speed").high) == (40.0, 90.0)
    # The packaged config leaves them at the defaults.
    assert settings.control.ml_limit("cutting_speed_max") == 90.0
    assert settings.control.people_limit("cutting_speed_max") is None


async def test_steps_within_one_second_never_exceed_the_writers_window(
    settings: Settings, register_map: RegisterMap
) -> None:
    """A step the time since the last write would allow is cut to what the sliding window has
    left: the Writer (same window) then never refuses it, which would end ML as a write failure."""
    from core.api import WriteResult

    env = _envelope(settings, register_map)
    sent: list[tuple[float, float]] = []
    on_plc = {"descent_speed": 20.0}

    async def writer(name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
                     live_check: LiveCheck | None = None) -> WriteResult:
        sent.append((now, value))
        on_plc[name] = value
        return WriteResult(name, value, True, written=value, read_back=value, verified=True)

    now = 100.0
    for i in range(40):  # ask for big jumps every 0.5 s, alternating up and down
        target = 60.0 if i % 2 == 0 else 10.0
        await env.write(writer, "descent_speed", target, snapshot=_snap(now, descent_speed=on_plc["descent_speed"]),
                        now=now, user="ml", reason="test")
        now += 0.5 if i % 3 else 0.6
    changes = [(t, abs(b - a)) for (_, a), (t, b) in itertools.pairwise([(0.0, 20.0), *sent])]
    for t0, _ in changes:  # every window of one second
        assert sum(c for t, c in changes if t0 <= t <= t0 + 1.0) <= 10.0 + 1e-9
