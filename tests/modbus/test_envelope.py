"""The setpoint envelope, property-tested: never outside limits, never a bigger step than allowed."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.config import ControlSettings
from core.modbus.envelope import STEP_WINDOW_S, Limits, decide, limits_for, representable_within
from core.registers import Access, DataType, EncodeError, Register, RegisterMap
from core.texts import parse

# At least 300 examples (CI); ``make soak`` (HYPOTHESIS_PROFILE=soak) runs 10,000.
EXAMPLES = max(300, settings().max_examples)  # the loaded profile's
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
anything = st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf))


@st.composite
def writable_registers(draw: st.DrawFn, stepped: bool | None = None) -> Register:
    dtype = draw(st.sampled_from([DataType.UINT16, DataType.INT16, DataType.INT32, DataType.UINT32, DataType.FLOAT32]))
    scale = draw(st.sampled_from([1.0, 0.1, 0.01, 0.001, 0.5, 2.0, 10.0]))
    raw_low, raw_high = dtype.raw_range
    if dtype is DataType.FLOAT32:
        raw_low, raw_high = -1e5, 1e5
    a = draw(st.integers(int(max(raw_low, -30000)), int(min(raw_high, 30000))))
    b = draw(st.integers(int(max(raw_low, -30000)), int(min(raw_high, 30000))))
    low, high = sorted((a * scale, b * scale))
    steps = st.floats(min_value=0.001, max_value=1000.0)
    step = draw(steps if stepped else st.none() if stepped is False else st.one_of(st.none(), steps))
    return Register("setpoint", 100, dtype, scale, "u", "process", Access.READ_WRITE, "", min=low, max=high,
                    max_step_per_s=step)


def _on_grid(register: Register, value: float) -> bool:
    try:
        return register.decode(register.encode(value)) == value
    except EncodeError:
        return False


@settings(max_examples=EXAMPLES)
@given(
    register=writable_registers(),
    requested=anything,
    current=st.one_of(st.none(), finite),
    since=st.one_of(st.none(), st.floats(min_value=0.0, max_value=100.0)),
)
def test_decision_never_leaves_the_envelope(
    register: Register, requested: float, current: float | None, since: float | None
) -> None:
    limits = limits_for(register)
    decision = decide(register, limits, requested, current, since)
    if decision.value is None:
        assert decision.reason
        return
    value = decision.value
    assert math.isfinite(requested)
    assert limits.low <= value <= limits.high  # never outside the limits, not even by rounding
    assert _on_grid(register, value)  # exactly what the register will hold
    if limits.max_step_per_s is not None:
        assert current is not None
        window = STEP_WINDOW_S if since is None else min(since, STEP_WINDOW_S)
        allowed = limits.max_step_per_s * window
        # Never a bigger step from what the PLC holds, wherever that is (inside the limits or not).
        assert abs(value - current) <= allowed + 1e-9 * max(1.0, abs(current), allowed)


@settings(max_examples=EXAMPLES)
@given(register=writable_registers(stepped=True), data=st.data())
def test_a_plc_outside_the_limits_is_stepped_from_or_refused(register: Register, data: st.DataObject) -> None:
    """From a PLC value outside the limits: a value within the limits AND one step of the PLC value,
    or, when there is none, a refusal saying what the PLC holds, the range and what to do."""
    limits = limits_for(register)
    assert limits.max_step_per_s is not None
    step = limits.max_step_per_s * STEP_WINDOW_S
    above = data.draw(st.booleans())
    distance = data.draw(st.floats(min_value=0.0, max_value=3 * step, exclude_min=True))
    current = limits.high + distance if above else limits.low - distance
    assume(math.isfinite(current) and (current > limits.high or current < limits.low))
    requested = data.draw(finite)
    since = data.draw(st.one_of(st.none(), st.floats(min_value=0.0, max_value=3.0)))
    decision = decide(register, limits, requested, current, since)
    window = STEP_WINDOW_S if since is None else min(since, STEP_WINDOW_S)
    if decision.value is not None:
        assert limits.low <= decision.value <= limits.high
        tolerance = 1e-9 * max(1.0, abs(current), step)
        assert abs(decision.value - current) <= limits.max_step_per_s * window + tolerance
        return
    coded = parse(decision.reason)
    gap = current - limits.high if above else limits.low - current
    if gap > step:
        assert coded is not None and coded.code == "write.outside", decision.reason
        assert coded.params["distance"] == pytest.approx(gap, rel=1e-4, abs=1e-6)
        assert "at the panel" in decision.reason
    elif gap > limits.max_step_per_s * window:
        assert coded is not None and coded.code == "write.outside_wait", decision.reason
    else:  # reachable now: refused only for want of a value the register holds in the overlap
        assert coded is not None and coded.code == "write.no_value", decision.reason


@settings(max_examples=EXAMPLES)
@given(register=writable_registers(), data=st.data())
def test_a_value_inside_everything_is_written_as_asked(register: Register, data: st.DataObject) -> None:
    limits = limits_for(register)
    if register.is_float:
        requested = register.decode(register.encode(data.draw(st.floats(limits.low, limits.high))))
    else:
        requested = round(data.draw(st.integers(round(limits.low / register.scale),
                                                round(limits.high / register.scale))) * register.scale, 9)
        requested = register.decode(register.encode(requested))
    assume(limits.low <= requested <= limits.high)
    current = requested
    if limits.max_step_per_s is not None:
        reach = limits.max_step_per_s * STEP_WINDOW_S * 0.999
        current = data.draw(st.floats(max(limits.low, requested - reach), min(limits.high, requested + reach)))
    decision = decide(register, limits, requested, current, None)
    assert decision.value == requested
    assert not decision.clamped


@settings(max_examples=EXAMPLES)
@given(
    register=writable_registers(stepped=True),
    targets=st.lists(finite, min_size=1, max_size=30),
    gaps=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=30, max_size=30),
    data=st.data(),
)
def test_a_sequence_of_writes_moves_no_faster_than_the_step_rate(
    register: Register, targets: list[float], gaps: list[float], data: st.DataObject
) -> None:
    """A PLC that takes every write: its value never runs ahead of max_step_per_s."""
    limits = limits_for(register)
    assert limits.max_step_per_s is not None
    step = limits.max_step_per_s * STEP_WINDOW_S
    # Start inside, or outside the limits (near or far), and let a person move the PLC value
    # anywhere between writes (a panel change): every write still steps from the PLC's value.
    start = data.draw(st.sampled_from(["inside", "below", "above"]))
    panel = data.draw(st.lists(st.one_of(st.none(), st.floats(-3.0, 3.0)), min_size=30, max_size=30))
    middle = (limits.low + limits.high) / 2
    wanted = {"inside": middle, "below": limits.low - data.draw(st.floats(0.0, 3.0)) * step,
              "above": limits.high + data.draw(st.floats(0.0, 3.0)) * step}[start]
    plc = representable_within(register, wanted, -math.inf, math.inf)
    assume(plc is not None and math.isfinite(plc))
    assert plc is not None
    last_write: float | None = None
    now = 0.0
    for target, gap, moved in zip(targets, gaps, panel, strict=False):
        now += gap
        if moved is not None:  # the panel: anywhere from 3 steps below the limits to 3 above
            plc = limits.low + moved * step if moved < 0 else limits.high + moved * step if moved > 1 else \
                limits.low + moved * (limits.high - limits.low)
        since = None if last_write is None else now - last_write
        decision = decide(register, limits, target, plc, since)
        if decision.value is None:
            continue
        window = STEP_WINDOW_S if since is None else min(since, STEP_WINDOW_S)
        assert abs(decision.value - plc) <= limits.max_step_per_s * window + 1e-9 * max(1.0, abs(plc))
        assert limits.low <= decision.value <= limits.high
        plc, last_write = decision.value, now


def test_non_finite_requests_are_refused(register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    for bad in (math.nan, math.inf, -math.inf):
        decision = decide(reg, limits_for(reg), bad, 70.0, 1.0)
        assert decision.refused and "not a number" in decision.reason


def test_unknown_current_value_refuses_a_step_limited_register(register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    decision = decide(reg, limits_for(reg), 70.0, None, 1.0)
    assert decision.refused and "unknown" in decision.reason


def test_config_limits_tighten_the_map(register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]  # map: 20..120 m/min, 20 m/min/s
    control = ControlSettings(cutting_speed_min=30.5, cutting_speed_max=100.0)
    limits = limits_for(reg, control)
    assert (limits.low, limits.high) == (30.5, 100.0)
    high = decide(reg, limits, 500.0, 95.0, 1.0)
    assert high.value == 100.0 and high.clamped and "maximum 100" in high.reason
    low = decide(reg, limits, 0.0, 35.0, 1.0)
    assert low.value == 31.0 and low.clamped  # 30.5 is not a whole m/min: the next one inside
    # Config limits looser than the map do not widen it.
    loose = limits_for(reg, ControlSettings(cutting_speed_min=0.0, cutting_speed_max=1000.0))
    assert (loose.low, loose.high) == (20.0, 120.0)


def test_step_limit_from_current_value(register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    limits = limits_for(reg)
    first = decide(reg, limits, 120.0, 50.0, None)  # first write: one second's worth, 20 m/min
    assert first.value == 70.0 and first.clamped and "step limited" in first.reason
    soon = decide(reg, limits, 120.0, 70.0, 0.5)
    assert soon.value == 80.0
    tiny = decide(reg, limits, 120.0, 80.0, 0.01)  # 0.2 m/min allowed: a whole m/min is too far
    assert tiny.value == 80.0
    down = decide(reg, limits, 20.0, 80.0, 10.0)  # a long pause does not license a jump
    assert down.value == 60.0


def test_plc_outside_the_envelope_steps_from_the_plc_value(register_map: RegisterMap) -> None:
    """The review's cases: the step was measured from the nearest limit, not from the PLC's value
    (0 -> 40 m/min against 20/s, 0 -> 11 mm/min against 10/s, 20 -> 80 with a minimum of 60)."""
    cutting, descent = register_map["cutting_speed"], register_map["descent_speed"]
    zero = decide(cutting, limits_for(cutting), 70.0, 0.0, None)  # PLC at 0, map 20..120, 20/s
    assert zero.value == 20.0 and zero.step_base == 0.0  # was 40
    feed = decide(descent, limits_for(descent), 40.0, 0.0, None)  # PLC at 0, map 1..60, 10/s
    assert feed.value == 10.0  # was 11
    assert decide(descent, limits_for(descent), 0.5, 0.0, None).value == 1.0  # up to the minimum
    tight = limits_for(cutting, ControlSettings(cutting_speed_min=60.0))
    far = decide(cutting, tight, 100.0, 20.0, None)  # was 80: a step of 60 against 20/s
    assert far.refused
    assert far.reason == ("cutting_speed is 20 m/min on the PLC, outside the allowed 60..120 m/min: a write "
                          "would step 40 m/min, more than the 20 m/min allowed per second; set cutting_speed "
                          "within 60..120 m/min at the panel first")
    coded = parse(far.reason)
    assert coded is not None and coded.code == "write.outside"
    assert coded.params == {"name": "cutting_speed", "current": 20.0, "unit": " m/min", "low": 60.0,
                            "high": 120.0, "distance": 40.0, "step": 20.0}
    near = decide(cutting, tight, 100.0, 50.0, None)
    assert near.value == 70.0 and near.clamped  # within 60..120 and 50 +- 20
    assert decide(cutting, tight, 20.0, 50.0, None).value == 60.0  # raised to the minimum, 10 from 50
    soon = decide(cutting, tight, 100.0, 45.0, 0.5)  # 15 outside, 10 allowed in half a second
    assert soon.refused and parse(soon.reason) is not None
    assert parse(soon.reason).code == "write.outside_wait"  # type: ignore[union-attr]
    used = decide(cutting, tight, 100.0, 50.0, None, budget=5.0)  # 10 outside, 5 left this second
    assert used.refused and "only 5 m/min may change now" in used.reason
    above = decide(cutting, limits_for(cutting, ControlSettings(cutting_speed_max=90.0)), 70.0, 100.0, None)
    assert above.value == 80.0  # from 100, down 20: inside 20..90


def test_descent_speed_resolution(register_map: RegisterMap) -> None:
    reg = register_map["descent_speed"]  # int16 x 0.01, 1..60 mm/min, 10 mm/min/s
    decision = decide(reg, limits_for(reg), 33.337, 30.0, None)
    assert decision.value == 33.34 and not decision.clamped


def test_empty_envelope_is_refused(register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    decision = decide(reg, Limits(100.0, 50.0, None), 70.0, 70.0, 1.0)
    assert decision.refused


@pytest.mark.parametrize("name", ["heartbeat", "fault_reset", "cutting_speed", "descent_speed"])
def test_every_writable_register_of_the_map_has_a_usable_envelope(register_map: RegisterMap, name: str) -> None:
    reg = register_map[name]
    limits = limits_for(reg)
    assert limits.low <= limits.high
    middle = representable_within(reg, (limits.low + limits.high) / 2, limits.low, limits.high)
    assert middle is not None
