"""Shift occurrences on the UTC time line, from the configured local shift times.

Each occurrence is computed from its local start date: start = that date at ``start`` in the
saw's zone, end = the local wall time ``length`` later, both converted to UTC with zoneinfo.
So a night shift over a daylight-saving change is 7 h (spring) or 9 h (autumn) of real time:
planned time is what the clock on the wall says the shift was. A wall time that does not exist
(the skipped hour) resolves as zoneinfo's fold=0 does: the same wall time after the change.
Without configured shifts every local calendar day is one occurrence named "Day".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from core.production.settings import DAY_MINUTES, DAY_NAMES, ShiftSettings

WHOLE_DAY = "Day"


@dataclass(frozen=True, slots=True)
class ShiftOccurrence:
    name: str
    start_ms: int
    end_ms: int
    local_date: date  # the local date the shift starts on

    @property
    def label(self) -> str:
        return f"{self.name} {self.local_date.isoformat()}"

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


def _utc_ms(wall: datetime, zone: tzinfo) -> int:
    return int(wall.replace(tzinfo=zone, fold=0).astimezone(UTC).timestamp() * 1000)


def _local_date(ms: int, zone: tzinfo) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).date()


def occurrence_on(shift: ShiftSettings | None, day: date, zone: tzinfo) -> ShiftOccurrence:
    """The occurrence of ``shift`` (None: the whole day) that starts on local date ``day``."""
    midnight = datetime(day.year, day.month, day.day)
    if shift is None:
        start, end = midnight, midnight + timedelta(days=1)
        name = WHOLE_DAY
    else:
        start = midnight + timedelta(minutes=shift.start_min)
        end = start + timedelta(minutes=shift.length_min)
        name = shift.name
    return ShiftOccurrence(name, _utc_ms(start, zone), _utc_ms(end, zone), day)


def occurrences(shifts: Sequence[ShiftSettings], zone: tzinfo, start_ms: int, end_ms: int,
                *, only: str | None = None) -> list[ShiftOccurrence]:
    """Every occurrence overlapping [start_ms, end_ms), in time order (not clipped).

    ``only``: just the shift of that name. No shifts configured: whole local days.
    """
    if end_ms <= start_ms:
        return []
    chosen: list[ShiftSettings | None] = list(shifts) if shifts else [None]
    if only is not None and shifts:
        chosen = [s for s in shifts if s.name.lower() == only.strip().lower()]
    first = _local_date(start_ms, zone) - timedelta(days=1)  # a shift from yesterday evening
    last = _local_date(end_ms, zone)
    found: list[ShiftOccurrence] = []
    day = first
    while day <= last:
        weekday = DAY_NAMES[day.weekday()]
        for shift in chosen:
            if shift is not None and weekday not in shift.days:
                continue
            occ = occurrence_on(shift, day, zone)
            if occ.end_ms > start_ms and occ.start_ms < end_ms and occ.end_ms > occ.start_ms:
                found.append(occ)
        day += timedelta(days=1)
    found.sort(key=lambda occ: occ.start_ms)
    return found


def current_and_previous(shifts: Sequence[ShiftSettings], zone: tzinfo, now_ms: int,
                         count: int) -> tuple[ShiftOccurrence | None, list[ShiftOccurrence]]:
    """The occurrence running at ``now_ms`` (None between shifts) and up to ``count`` that ended
    before it, newest first."""
    day_ms = DAY_MINUTES * 60_000
    back_days = 3
    while True:
        around = occurrences(shifts, zone, now_ms - back_days * day_ms, now_ms + 1)
        current = next((occ for occ in around if occ.start_ms <= now_ms < occ.end_ms), None)
        ended = [occ for occ in around if occ.end_ms <= now_ms]
        if len(ended) >= count or back_days >= 7 * (count + 1):
            break
        back_days *= 2
    ended.sort(key=lambda occ: occ.start_ms, reverse=True)
    return current, ended[:count]
