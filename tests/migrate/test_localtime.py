"""Local-time text to UTC ms: the cached fast path agrees with the full parse; odd text is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.migrate.localtime import LocalTimeConverter, LocalTimeError

ZONES = ["Europe/Berlin", "Europe/Istanbul", "America/New_York", "Australia/Lord_Howe", "UTC"]


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES),
       start=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)),
       steps=st.lists(st.integers(min_value=0, max_value=400_000), min_size=1, max_size=60),
       micro=st.booleans())
def test_fast_path_equals_full_parse(zone: str, start: datetime, steps: list[int], micro: bool) -> None:
    fast = LocalTimeConverter(ZoneInfo(zone))
    moment = start
    for step in steps:
        moment += timedelta(milliseconds=step)
        text = moment.isoformat(timespec="microseconds" if micro else "seconds")
        reference = LocalTimeConverter(ZoneInfo(zone))
        reference._last_ms = fast._last_ms
        try:
            expected: int | None = reference._parse(text)
        except LocalTimeError:
            expected = None
        try:
            got: int | None = fast.to_utc_ms(text)
        except LocalTimeError:
            got = None
        assert got == expected, text


def test_steady_time_is_its_zone_offset() -> None:
    conv = LocalTimeConverter(ZoneInfo("Europe/Istanbul"))  # +03:00 all year
    for text in ("2025-05-09T14:03:21.512000", "2025-05-09T14:03:22.000000", "2025-05-09T14:03:22"):
        expected = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Istanbul")).astimezone(UTC)
        assert conv.to_utc_ms(text) == int(expected.timestamp() * 1000)


@pytest.mark.parametrize("text", ["2025-05-09T14:03: 1.5", "2025-05-09T14:03:2", "2025-05-09T14:03:21.e-1",
                                  "2025-05-09T14:03:61", "2025-05-09T14:03:21.5x", "", "14:03", None, 17])
def test_odd_text_is_refused_even_after_the_minute_is_cached(text: object) -> None:
    conv = LocalTimeConverter(ZoneInfo("Europe/Berlin"))
    conv.to_utc_ms("2025-05-09T14:03:00")
    with pytest.raises(LocalTimeError):
        conv.to_utc_ms(text)
