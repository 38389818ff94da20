"""Settings of the ``production`` section: shifts and the band manufacturer's chart speeds.

Kept beside the code that uses it; core.config includes it as ``Settings.production``. This
module must not import core.config (core.config imports it).

Shifts (a plant has 1 to 3; none configured: the whole day is planned time)::

    production:
      shifts:
        - {name: Early, start: "06:00", end: "14:00"}
        - {name: Late,  start: "14:00", end: "22:00"}
        - {name: Night, start: "22:00", end: "06:00", days: [mon, tue, wed, thu, fri]}

- ``start``/``end`` are the saw's local time (machine.time_zone). ``end`` at or before ``start``
  ends on the next day (a shift over midnight); ``end`` equal to ``start`` is a 24 h shift.
- ``days`` are the days a shift STARTS on (default every day): the Friday night shift above
  ends on Saturday morning.
- Overlapping shifts are a configuration error naming both (time is planned once, never twice).
- Across a daylight-saving change a shift lasts the local clock time between its start and end:
  the spring night shift is an hour shorter, the autumn one an hour longer. A start or end in
  the skipped hour is taken as the same wall time after the change (02:30 -> 03:30).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from core.config_sources import SettingsSection

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES


class _Section(SettingsSection):  # unknown keys, NaN/infinity, true/false for a number: refused
    pass


def _clock_minutes(value: Any, *, allow_24: bool) -> int:
    """ "HH:MM" -> minutes after midnight. YAML 1.1 reads an unquoted 06:30 as the base-60 number
    390, which is the same count of minutes: accepted as such."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time of day (write \"HH:MM\")")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str):
        text = value.strip()
        hours, sep, mins = text.partition(":")
        if not sep or not hours.isdigit() or not mins.isdigit() or len(mins) != 2:
            raise ValueError(f"{value!r} is not a time of day (write \"HH:MM\", e.g. \"06:00\")")
        if int(mins) > 59:
            raise ValueError(f"{value!r}: minutes must be 00-59")
        minutes = int(hours) * 60 + int(mins)
    else:
        raise ValueError(f"{value!r} is not a time of day (write \"HH:MM\")")
    top = DAY_MINUTES if allow_24 else DAY_MINUTES - 1
    if not 0 <= minutes <= top:
        raise ValueError(f"{value!r} is outside 00:00-{'24:00' if allow_24 else '23:59'}")
    return minutes


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ShiftTexts(_Section):
    """A shift's name on a screen in another language (as registers.yaml's ``tr:``)."""

    name: str = Field(min_length=1, max_length=40)


class ShiftSettings(_Section):
    name: str = Field(min_length=1, max_length=40)
    start: str  # "HH:MM" local time
    end: str  # "HH:MM" local time; at or before start: the next day
    days: tuple[str, ...] = DAY_NAMES  # days the shift starts on
    tr: ShiftTexts | None = None  # the Turkish screen's name (reports and the database keep `name`)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: Any) -> str:
        return clock_text(_clock_minutes(value, allow_24=False))

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, value: Any) -> str:
        minutes = _clock_minutes(value, allow_24=True)
        return clock_text(minutes % DAY_MINUTES)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a shift needs a name")
        return value.strip()

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        if not isinstance(value, list | tuple) or not value:
            raise ValueError(f"days must be a list of {', '.join(DAY_NAMES)}")
        days = []
        for day in value:
            text = str(day).strip().lower()[:3]
            if text not in DAY_NAMES:
                raise ValueError(f"unknown day {day!r}; known: {', '.join(DAY_NAMES)}")
            if text not in days:
                days.append(text)
        return tuple(sorted(days, key=DAY_NAMES.index))

    @property
    def start_min(self) -> int:
        return _clock_minutes(self.start, allow_24=False)

    @property
    def end_min(self) -> int:
        return _clock_minutes(self.end, allow_24=False)

    @property
    def length_min(self) -> int:
        """Nominal length (local clock minutes): over midnight when end <= start; 24 h when equal."""
        length = (self.end_min - self.start_min) % DAY_MINUTES
        return length or DAY_MINUTES

    def week_spans(self) -> list[tuple[int, int]]:
        """[start, end) in minutes of the week (Monday 00:00 = 0), end possibly past one week."""
        return [(DAY_NAMES.index(day) * DAY_MINUTES + self.start_min,
                 DAY_NAMES.index(day) * DAY_MINUTES + self.start_min + self.length_min) for day in self.days]


class ChartSpeed(_Section):
    """The band manufacturer's chart speeds for one material (register material_type code)."""

    descent_speed: float = Field(gt=0, description="mm/min")
    cutting_speed: float | None = Field(default=None, gt=0, description="m/min")


class ProductionSettings(_Section):
    shifts: list[ShiftSettings] = Field(default_factory=list, max_length=3)
    # material_type code -> chart speeds; a material not listed uses the "normal" preset.
    chart_speeds: dict[int, ChartSpeed] = Field(default_factory=dict)
    # How many previous shifts the Production page shows beside the current one.
    previous_shifts: int = Field(default=3, ge=0, le=6)

    @model_validator(mode="after")
    def _shifts_apart(self) -> ProductionSettings:
        names = [shift.name.lower() for shift in self.shifts]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"shift name {name!r} is given twice")
        for i, first in enumerate(self.shifts):
            for second in self.shifts[i + 1:]:
                where = _overlap(first, second)
                if where is not None:
                    raise ValueError(
                        f"shifts {first.name!r} ({first.start}-{first.end}) and {second.name!r} "
                        f"({second.start}-{second.end}) overlap on {where}: planned time must be counted once"
                    )
        return self

    def shift(self, name: str) -> ShiftSettings | None:
        wanted = name.strip().lower()
        return next((shift for shift in self.shifts if shift.name.lower() == wanted), None)


def _overlap(first: ShiftSettings, second: ShiftSettings) -> str | None:
    """Where two shifts overlap: the day and the clock time it happens, and which day's shift each
    is (the week wraps: Sunday night runs into Monday). An overlap within the week is named before
    one across the week's end, so an every-day night shift reads "tue 06:00-07:00 ... of mon"."""
    for shift_b in (0, -WEEK_MINUTES, WEEK_MINUTES):
        for a0, a1 in first.week_spans():
            for b0, b1 in second.week_spans():
                lo, hi = max(a0, b0 + shift_b), min(a1, b1 + shift_b)
                if hi > lo:
                    return (f"{_week_time(lo)}-{_clock(hi)} ({first.name!r} of {DAY_NAMES[(a0 // DAY_MINUTES) % 7]}, "
                            f"{second.name!r} of {DAY_NAMES[(b0 // DAY_MINUTES) % 7]})")
    return None


def _clock(minute: int) -> str:
    return f"{minute % DAY_MINUTES // 60:02d}:{minute % 60:02d}"


def _week_time(minute: int) -> str:
    return f"{DAY_NAMES[(minute // DAY_MINUTES) % 7]} {_clock(minute)}"
