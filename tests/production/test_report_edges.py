"""Edge cases of the report: each gives a clear result, never a wrong number or a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from production_helpers import run_settings

from core.analysis.tables import INSERT_CUT
from core.production.export import COLUMNS
from core.production.service import ReportError, production_view, report_set
from core.production.states import ALIVE_S, INSERT_STATE, STALE_AFTER_S
from core.production.values import StateClass
from core.storage.schema import migrate

BERLIN = ZoneInfo("Europe/Berlin")
H = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp() * 1000)


def cut(start: int, seconds: float, *, band: int | None = 7, section: int | None = 1, a: float | None = 100.0,
        outcome: str = "completed", area: float = 50.0) -> tuple[object, ...]:
    end = start + int(seconds * 1000)
    values = dict.fromkeys(("material_hardness", "dimension_c", "dimension_d", "height_mm", "band_current_mean",
                            "band_current_peak", "band_torque_mean", "band_torque_peak", "descent_speed_mean",
                            "cutting_speed_mean", "energy_kwh", "vibration_peak", "deviation_abs_mean"))
    values.update(ts_ms=end, start_ms=start, end_ms=end, duration_s=seconds, outcome=outcome, material_type=1,
                  cross_section=section, dimension_a=a, dimension_b=50.0, band_id=band, depth_mm=100.0,
                  area_cm2=area if section is not None and a else 0.0, energy_method="none", control_mode="manual",
                  guard_events=0, samples=10, gap_s=0.0)
    from core.analysis.tables import CUT_COLUMNS

    return tuple(values[name] for name in CUT_COLUMNS)


def make_db(data_dir: Path, cuts: Sequence[tuple[object, ...]], states: Sequence[tuple[int, int | None, str]]) -> None:
    folder = data_dir / "databases"
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "total.db", isolation_level=None)
    try:
        migrate(conn, "total")
        conn.execute("BEGIN")
        conn.executemany(INSERT_CUT, cuts)
        conn.executemany(INSERT_STATE, [(ts, st, link, "change") for ts, st, link in states])
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_period_without_data_says_so(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    report = report_set(settings, ms("2026-12-01T00:00"), ms("2026-12-02T00:00"), now_ms=ms("2026-12-03T00:00")).total
    assert report.cuts == 0 and report.area_cm2 is None and report.mean_cut_time_s is None
    assert report.planned_s == 24 * 3600 and report.time_by_state[StateClass.NO_DATA] == 24 * 3600
    assert report.availability is None and report.performance is None and report.quality is None and report.oee is None
    assert report.notes[0].startswith("no data for saw-test") and not report.has_data
    from core.production.export import table_rows

    row = dict(zip([name for name, _ in COLUMNS], table_rows([report])[0], strict=True))
    assert row["cuts"] is None and row["availability_pct"] is None and row["no_data_h"] == 24.0


def test_availability_is_over_the_time_with_data(tmp_path: Path) -> None:
    """The HMI PC was off for part of the shift: that time is "no data", not standing still."""
    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-02T07:00")
    rows = [(start + k * 30_000, 3 if k < 20 else 2, "up") for k in range(40)]  # 10 min cutting, 10 min ready
    make_db(settings.data_dir, [], rows)
    report = report_set(settings, start, start + H, now_ms=start + 2 * H).total
    no_data = report.time_by_state[StateClass.NO_DATA]
    assert no_data == pytest.approx(3600 - 1170 - STALE_AFTER_S)
    assert report.availability == pytest.approx(600 / (3600 - no_data))
    assert any(n.startswith(f"no data for {no_data / 36:.1f} % of planned time") for n in report.notes)


def test_bad_requests_are_one_line_errors(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    now = ms("2026-12-03T00:00")
    with pytest.raises(ReportError, match="empty period"):
        report_set(settings, ms("2026-12-02T00:00"), ms("2026-12-01T00:00"), now_ms=now)
    with pytest.raises(ReportError, match=r"unknown shift 'Lunch'; configured shifts: Early, Late, Night"):
        report_set(settings, ms("2026-12-01T00:00"), ms("2026-12-02T00:00"), shift="Lunch", now_ms=now)
    with pytest.raises(ReportError, match="future"):
        report_set(settings, now + H, now + 2 * H, now_ms=now)


def test_night_shift_over_midnight_and_band_id_0_and_no_section(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    night = ms("2026-12-01T22:00")
    cuts = [cut(night - 2 * H, 60, band=5),  # Late shift, band 5 (before the night)
            cut(night + H, 60),  # band 7: a change
            cut(night + 2 * H, 60, band=0),  # band unknown: no change counted, and none back to 7
            cut(night + 3 * H, 60, section=None, a=None),  # no section: area unknown
            cut(ms("2026-12-02T01:30"), 60, outcome="aborted"),
            cut(ms("2026-12-02T05:59"), 120)]  # ends 06:01: in the Early shift
    states = [(night - 3 * H, 2, "up"), (night + H, 3, "up"), (night + H + 60_000, 2, "up")]
    states += [(t, 2, "up") for t in range(night + H + 120_000, ms("2026-12-02T07:00"), 60_000)]
    make_db(settings.data_dir, cuts, states)
    reports = report_set(settings, ms("2026-12-01T12:00"), ms("2026-12-02T12:00"), now_ms=ms("2026-12-03T00:00"))
    by_name = {r.period.shift: r for r in reports.by_shift}
    night_report = by_name["Night"]
    assert night_report.planned_s == 8 * 3600
    assert night_report.cuts == 4 and night_report.pieces == 3 and night_report.interrupted_cuts == 1
    assert night_report.band_changes == 1 and night_report.band_unknown_cuts == 1
    assert night_report.area_unknown_cuts == 1 and night_report.area_cm2 == 150.0
    assert any("without a section" in note for note in night_report.notes)
    assert by_name["Early"].cuts == 1 and by_name["Late"].cuts == 1
    assert reports.total.cuts == 6
    # The night's state time: a minute cutting, then ready; nothing before 22:00 leaks in.
    assert night_report.time_by_state[StateClass.CUTTING] == 60.0
    assert sum(night_report.time_by_state.values()) == pytest.approx(8 * 3600)
    only = report_set(settings, ms("2026-12-01T12:00"), ms("2026-12-02T12:00"), shift="night",
                      now_ms=ms("2026-12-03T00:00"))
    assert only.by_shift == () and only.total.cuts == 4 and only.total.period.shift == "Night"


def test_dst_night_is_shorter_in_spring_longer_in_autumn(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    spring = report_set(settings, ms("2026-03-28T12:00"), ms("2026-03-29T12:00"), shift="Night",
                        now_ms=ms("2026-04-01T00:00")).total
    autumn = report_set(settings, ms("2026-10-24T12:00"), ms("2026-10-25T12:00"), shift="Night",
                        now_ms=ms("2026-11-01T00:00")).total
    assert spring.planned_s == 7 * 3600 and autumn.planned_s == 9 * 3600


def test_current_shift_counts_planned_time_up_to_now(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    now = ms("2026-12-02T09:00")
    make_db(settings.data_dir, [cut(ms("2026-12-02T07:00"), 90)], [(ms("2026-12-02T06:30"), 2, "up")])
    view = production_view(settings, now_ms=now)
    assert view.current is not None and view.current.period.shift == "Early"
    assert view.current.planned_s == 3 * 3600 and view.current.cuts == 1
    assert [r.period.label for r in view.previous] == ["Night 2026-12-01", "Late 2026-12-01", "Early 2026-12-01"]
    # Recorded until 06:30 + STALE_AFTER_S without a fresh row: the rest is no data, not "ready".
    assert view.current.time_by_state[StateClass.NO_DATA] == pytest.approx(3 * 3600 - STALE_AFTER_S)


def test_a_crash_while_cutting_is_not_counted_as_cutting(tmp_path: Path) -> None:
    """kill -9 / power cut mid-cut: no closing "off" row. The last CUTTING row stands only as long
    as the engine would have written an alive row; the rest is no data (it was 150 s before)."""
    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-02T07:00")
    alive = int(ALIVE_S * 1000)
    rows = [(start, 2, "up"), (start + 60_000, 3, "up")]  # ready 1 min, then cutting; alive marks...
    rows += [(start + 60_000 + k * alive, 3, "up") for k in range(1, 3)]  # ...2 min of cutting, then killed
    make_db(settings.data_dir, [], rows)
    report = report_set(settings, start, start + H, now_ms=start + 2 * H).total
    last = start + 60_000 + 2 * alive
    cutting = report.time_by_state[StateClass.CUTTING]
    assert cutting == pytest.approx((last - start - 60_000) / 1000 + STALE_AFTER_S)
    assert STALE_AFTER_S <= ALIVE_S + 10  # at most the alive period and a small margin
    assert report.time_by_state[StateClass.NO_DATA] == pytest.approx(3600 - 60 - cutting)


def test_performance_above_100_is_flagged_and_oee_not_given(tmp_path: Path) -> None:
    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-02T07:00")
    # depth 100 mm in 1 s: far faster than any chart or preset speed (a sped-up simulator does this)
    make_db(settings.data_dir, [cut(start + 1_000, 1.0)], [(start, 3, "up"), (start + 2_000, 2, "up")])
    report = report_set(settings, start, start + 60_000, now_ms=start + H).total
    assert report.performance is not None and report.performance > 1.0
    assert report.availability is not None and report.availability <= 1.0
    assert report.oee is None
    assert any(n.startswith("OEE not given: performance above 100 %") for n in report.notes)
    assert any("performance" in n and "above 100 %" in n and "faster" in n for n in report.notes)


def test_dst_times_in_from_and_to_are_refused_or_warned() -> None:
    """--from/--to on daylight-saving days: 02:30 does not exist on 2026-03-29 in Berlin (refused,
    one line), and happens twice on 2026-10-25 (the first is taken, with a one-line warning)."""
    from core.production.cli import BadTime, parse_time

    warnings: list[str] = []
    with pytest.raises(BadTime, match="does not exist in Europe/Berlin"):
        parse_time("2026-03-29T02:30", BERLIN, 0, warnings.append)
    first = parse_time("2026-10-25T02:30", BERLIN, 0, warnings.append)
    assert first == int(datetime.fromisoformat("2026-10-25T02:30+02:00").timestamp() * 1000)
    assert len(warnings) == 1 and "happens twice in Europe/Berlin" in warnings[0]
    assert "2026-10-25T02:30+01:00" in warnings[0] and "\n" not in warnings[0]
    second = parse_time("2026-10-25T02:30+01:00", BERLIN, 0, warnings.append)
    assert second - first == H and len(warnings) == 1
    parse_time("2026-10-25T04:30", BERLIN, 0, warnings.append)  # an ordinary time: no word
    parse_time("2026-03-29T03:30", BERLIN, 0, warnings.append)
    assert len(warnings) == 1


# Alarms raised and cleared in the same hour: only PLC, process and link alarms can stop the saw.
ALARMS = [("plc.alarm.1", 1, "Band torque overload: cut stopped"), ("modbus.link_lost", 1, "PLC link lost"),
          ("control.plc_trip", 2, "PLC tripped the cut"), ("security.audit_tampered", 1, "audit trail broken"),
          ("storage.rows_dropped", 1, "rows dropped"), ("control.ml_fault", 2, "ML fault"),
          ("mqtt.outbox_overflow", 2, "outbox full"), ("anomaly.band_torque", 1, "unusual torque")]
STOPPING_KEYS = {"plc.alarm.1", "modbus.link_lost", "control.plc_trip"}


def alarm_rows(start: int) -> list[tuple[int, str, str, int, str]]:
    rows = []
    for i, (key, priority, text) in enumerate(ALARMS):
        rows.append((start + i * 60_000, key, "raise", priority, text))
        rows.append((start + i * 60_000 + 30_000, key, "clear", priority, text))
    return rows


def test_downtime_causes_are_only_alarms_that_can_stop_the_saw(tmp_path: Path) -> None:
    # security.audit_tampered (critical) was listed as a "Downtime cause (not cutting)": it never stops the saw.
    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-01T10:00")
    make_db(settings.data_dir, [cut(start + 20 * 60_000, 60)], [(start + i * 60_000, 0, "up") for i in range(60)])
    log = sqlite3.connect(settings.data_dir / "databases" / "log.db", isolation_level=None)
    try:
        migrate(log, "log")
        log.executemany("INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, "
                        "user) VALUES (?, ?, ?, 'x', 'y', ?, ?, 'system')", alarm_rows(start))
    finally:
        log.close()
    report = report_set(settings, start, start + H, now_ms=start + 2 * H).total
    assert {cause.key for cause in report.downtime} == STOPPING_KEYS


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_report_files_follow_the_umask_like_other_exports(tmp_path: Path, fmt: str) -> None:
    # The report was written through mkstemp: mode 0600 whatever the umask (alarm and audit
    # exports follow it); a report holds machine figures, no personal data.
    import os
    import stat

    from core.production.export import write_report

    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-01T10:00")
    make_db(settings.data_dir, [cut(start + 60_000, 60)], [(start, 2, "up")])
    reports = [report_set(settings, start, start + H, now_ms=start + 2 * H).total]
    old = os.umask(0o022)
    try:
        shared = write_report(tmp_path / f"shared.{fmt}", reports, BERLIN)
        os.umask(0o077)
        private = write_report(tmp_path / f"private.{fmt}", reports, BERLIN)
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.part"))
