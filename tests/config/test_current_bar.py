"""The band current bar's marks follow the torque bar through ml.current_polynomial (reviewer: the screen
drew "trip 90 A" while the band drew 120-128 A at 95 % torque, under the torque guard, and nothing tripped)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from core.config import PROJECT_ROOT, ConfigError, Settings, load_settings


def _settings(tmp_path: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    return load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "none", overrides=overrides
    )


def _law(settings: Settings, torque_pct: float) -> float:
    a2, a1, a0 = settings.ml.current_polynomial
    return a2 * torque_pct**2 + a1 * torque_pct + a0


def test_the_shipped_current_marks_are_the_torque_marks_through_the_current_law(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    current, torque = settings.hmi.bars["band_current"], settings.hmi.bars["band_torque"]
    assert torque.guard is not None and torque.overload is not None and torque.normal is not None
    assert current.guard == pytest.approx(_law(settings, torque.guard), abs=0.5)  # 137.9 A at the torque guard
    assert current.overload == pytest.approx(_law(settings, torque.overload), abs=0.5)  # 198.3 A at the trip
    assert current.normal is not None
    assert current.normal[0] == pytest.approx(_law(settings, torque.normal[0]), abs=0.5)
    assert current.normal[1] == pytest.approx(_law(settings, torque.normal[1]), abs=0.5)
    assert (current.guard, current.overload, current.normal) == (138.0, 198.0, (14.0, 89.0))  # whole amperes
    assert current.guard is not None and current.overload is not None and current.maximum is not None
    assert torque.maximum is not None
    # The overload inside the bar, at the torque bar's place (the two trip marks line up).
    assert current.overload < current.maximum == 250.0
    assert current.overload / current.maximum == pytest.approx(torque.overload / torque.maximum, abs=0.02)
    # The reviewer's cut: 95-97 % torque reads below the current guard, as it is below the torque guard.
    assert _law(settings, 97.0) < current.guard


def test_another_current_law_moves_the_marks(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {"ml": {"current_polynomial": [0.0, 1.0, 0.0]}})  # current = torque
    current = settings.hmi.bars["band_current"]
    assert (current.normal, current.guard, current.overload, current.maximum) == ((10.0, 80.0), 100.0, 120.0, 150.0)


def test_a_plants_own_current_rating_is_kept(tmp_path: Path) -> None:
    rated = _settings(tmp_path, {"hmi": {"bars": {"band_current": {"guard": 110, "overload": 125}}}})
    current = rated.hmi.bars["band_current"]
    assert (current.guard, current.overload) == (110.0, 125.0)
    assert current.normal == (14.0, 89.0) and current.maximum > 125.0  # what it left out: derived
    whole = {"maximum": 100, "normal": [10, 70], "guard": 80, "overload": 90}
    assert _settings(tmp_path, {"hmi": {"bars": {"band_current": whole}}}).hmi.bars["band_current"].model_dump() == {
        "minimum": 0.0,
        "maximum": 100.0,
        "normal": (10.0, 70.0),
        "guard": 80.0,
        "overload": 90.0,
    }
    only_overload = _settings(tmp_path, {"hmi": {"bars": {"band_current": {"overload": 125}}}})
    assert only_overload.hmi.bars["band_current"].guard is None  # the derived 138 A guard would sit above it


def test_a_derived_mark_beyond_a_set_maximum_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, {"hmi": {"bars": {"band_current": {"maximum": 100}}}})
    assert "overload 198 A derived from the band_torque bar" in str(caught.value)


def test_every_bar_but_the_current_one_sets_its_maximum(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hmi\.bars.*descent_current: maximum is required"):
        _settings(tmp_path, {"hmi": {"bars": {"descent_current": {"overload": 5}}}})
    config = tmp_path / "c.yaml"
    config.write_text("hmi: {bars: {band_current: {overload: 90}}}\n")  # no torque bar to derive from
    with pytest.raises(ConfigError, match=r"band_current\.maximum: set it"):
        load_settings(config, env={}, env_file=tmp_path / "none")
    assert Settings().hmi.bars["band_current"].overload == 198.0  # the built-in default derives too


def test_an_old_installed_current_trip_below_the_torque_guard_is_warned(tmp_path: Path) -> None:
    """An installed config.yaml from before the marks were derived still says guard 80 / trip 90 A: kept
    as the plant's values, it would fire the current alarm on every ML cut the torque guard allows."""
    from core.config import current_bar_warnings

    assert current_bar_warnings(_settings(tmp_path)) == []  # derived marks agree with the machine
    old = {"hmi": {"bars": {"band_current": {"minimum": 0, "maximum": 100, "normal": [10, 70],
                                             "guard": 80, "overload": 90}}}}
    warnings = current_bar_warnings(_settings(tmp_path, old))
    assert len(warnings) == 2 and "overload 90 A lies below the band current at the torque guard (138 A" in warnings[0]
    rated = {"hmi": {"bars": {"band_current": {"maximum": 250, "overload": 160}}}}  # a motor rated above f(guard)
    assert current_bar_warnings(_settings(tmp_path, rated)) == []


def test_the_torque_guard_mark_is_mls_load_ceiling(tmp_path: Path) -> None:
    """Review: the torque bar marked a guard at 100 % that nothing took from the machine's settings; what acts
    at a level is ML's load ceiling (control.torque_ceiling_pct), the torque guard acts on a rise. The mark
    is the ceiling, the current bar's the current at it (or control.current_ceiling_a)."""
    from core.config import ml_ceiling_marks

    shipped = _settings(tmp_path)
    bars = shipped.hmi.bars
    assert bars["band_torque"].guard == shipped.control.torque_ceiling_pct == 100.0
    assert ml_ceiling_marks(shipped.control, shipped.ml.current_polynomial) == {"band_torque": 100.0,
                                                                                "band_current": 138.0}
    lower = _settings(tmp_path, {"control": {"torque_ceiling_pct": 90}})
    assert lower.hmi.bars["band_torque"].guard == 90.0
    assert lower.hmi.bars["band_current"].guard == round(_law(lower, 90.0)) == 112.0  # the current bar follows
    amps = _settings(tmp_path, {"control": {"current_ceiling_a": 125}})
    assert amps.hmi.bars["band_current"].guard == 125.0 and amps.hmi.bars["band_torque"].guard == 100.0
    own = _settings(tmp_path, {"control": {"torque_ceiling_pct": 90},
                               "hmi": {"bars": {"band_torque": {"maximum": 150, "guard": 105, "overload": 120}}}})
    assert own.hmi.bars["band_torque"].guard == 105.0  # a plant's own mark is kept
