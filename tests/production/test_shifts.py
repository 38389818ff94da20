"""Shifts: config validation (overlap, bad times), over midnight, days, DST, no shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.config import PROJECT_ROOT, ConfigError, Settings, load_settings
from core.production.settings import ProductionSettings, ShiftSettings
from core.production.shifts import current_and_previous, occurrence_on, occurrences

BERLIN = ZoneInfo("Europe/Berlin")


def ms(text: str, zone: ZoneInfo = BERLIN) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def three() -> list[ShiftSettings]:
    return [ShiftSettings(name="Early", start="06:00", end="14:00"),
            ShiftSettings(name="Late", start="14:00", end="22:00"),
            ShiftSettings(name="Night", start="22:00", end="06:00")]


def settings_with(tmp_path: Path, shifts: object) -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
                         overrides={"production": {"shifts": shifts}})


def test_overlapping_shifts_are_a_config_error_naming_both(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(tmp_path, [{"name": "A", "start": "06:00", "end": "14:30"},
                                 {"name": "B", "start": "14:00", "end": "22:00"}])
    text = str(err.value)
    assert "'A'" in text and "'B'" in text and "overlap" in text and "\n" not in text


def test_overlap_over_midnight_and_week_wrap_is_found() -> None:
    with pytest.raises(ValueError, match=r"'N'.*'E'.*overlap on mon 06:00-07:00 \('N' of sun, 'E' of mon\)"):
        ProductionSettings(shifts=[ShiftSettings(name="N", start="22:00", end="07:00", days=["sun"]),
                                   ShiftSettings(name="E", start="06:00", end="14:00", days=["mon"])])
    # Every day: named where it happens, the night of one day running into the next morning
    with pytest.raises(ValueError, match=r"overlap on tue 06:00-07:00 \('E' of tue, 'N' of mon\)"):
        ProductionSettings(shifts=[ShiftSettings(name="E", start="06:00", end="14:00"),
                                   ShiftSettings(name="N", start="22:00", end="07:00")])
    # Same hours on days that do not meet: fine.
    ProductionSettings(shifts=[ShiftSettings(name="N", start="22:00", end="07:00", days=["fri"]),
                               ShiftSettings(name="E", start="06:00", end="14:00", days=["mon"])])


@pytest.mark.parametrize("bad", ["25:00", "6", "06:60", "noon", True, 2000])
def test_bad_times_are_refused_with_the_value(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(tmp_path, [{"name": "A", "start": bad, "end": "14:00"}])
    assert "production.shifts" in str(err.value)


def test_more_than_three_shifts_and_duplicate_names_are_refused(tmp_path: Path) -> None:
    four = [{"name": f"S{i}", "start": f"{i * 6:02d}:00", "end": f"{i * 6 + 6:02d}:00"} for i in range(4)]
    with pytest.raises(ConfigError):
        settings_with(tmp_path, four)
    with pytest.raises(ConfigError, match="twice"):
        settings_with(tmp_path, [{"name": "A", "start": "06:00", "end": "07:00"},
                                 {"name": "a", "start": "08:00", "end": "09:00"}])


def test_yaml_unquoted_time_reads_as_the_same_minutes() -> None:
    shift = ShiftSettings(name="E", start=6 * 60, end=14 * 60 + 30)  # YAML 1.1: 06:00 -> 360
    assert (shift.start, shift.end) == ("06:00", "14:30")


def test_night_shift_over_midnight_ends_next_day_and_days_are_start_days() -> None:
    shifts = [ShiftSettings(name="Night", start="22:00", end="06:00", days=["fri"])]
    found = occurrences(shifts, BERLIN, ms("2026-11-27T00:00"), ms("2026-11-30T00:00"))
    assert [(o.name, o.local_date) for o in found] == [("Night", date(2026, 11, 27))]
    assert found[0].start_ms == ms("2026-11-27T22:00") and found[0].end_ms == ms("2026-11-28T06:00")
    assert found[0].seconds == 8 * 3600


def test_dst_changes_give_the_real_planned_time() -> None:
    night = ShiftSettings(name="Night", start="22:00", end="06:00")
    spring = occurrence_on(night, date(2026, 3, 28), BERLIN)  # clocks 02:00 -> 03:00 on the 29th
    autumn = occurrence_on(night, date(2026, 10, 24), BERLIN)  # clocks 03:00 -> 02:00 on the 25th
    assert spring.seconds == 7 * 3600 and autumn.seconds == 9 * 3600
    day = occurrence_on(None, date(2026, 3, 29), BERLIN)
    assert day.seconds == 23 * 3600
    # A start in the skipped hour: the same wall time after the change (02:30 -> 03:30 CEST).
    odd = occurrence_on(ShiftSettings(name="X", start="02:30", end="10:00"), date(2026, 3, 29), BERLIN)
    assert odd.start_ms == ms("2026-03-29T03:30") and odd.seconds == 6.5 * 3600


def test_no_shifts_means_whole_days_and_only_filters() -> None:
    found = occurrences([], BERLIN, ms("2026-12-01T12:00"), ms("2026-12-03T00:00"))
    assert [o.local_date for o in found] == [date(2026, 12, 1), date(2026, 12, 2)]
    assert all(o.name == "Day" for o in found)
    early = occurrences(three(), BERLIN, ms("2026-12-01T00:00"), ms("2026-12-03T00:00"), only="early")
    assert [o.start_ms for o in early] == [ms("2026-12-01T06:00"), ms("2026-12-02T06:00")]
    assert occurrences(three(), BERLIN, 10, 10) == []


def test_current_and_previous_shifts() -> None:
    now = ms("2026-12-02T15:30")
    current, previous = current_and_previous(three(), BERLIN, now, 3)
    assert current is not None and current.label == "Late 2026-12-02"
    assert [o.label for o in previous] == ["Early 2026-12-02", "Night 2026-12-01", "Late 2026-12-01"]
    gap = [ShiftSettings(name="Early", start="06:00", end="14:00", days=["mon", "tue", "wed", "thu", "fri"])]
    current, previous = current_and_previous(gap, BERLIN, ms("2026-12-06T10:00"), 2)  # a Sunday
    assert current is None and [o.local_date for o in previous] == [date(2026, 12, 4), date(2026, 12, 3)]
    assert datetime.fromtimestamp(previous[0].end_ms / 1000, UTC).astimezone(BERLIN).hour == 14
