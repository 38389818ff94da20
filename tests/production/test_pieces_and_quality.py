"""The reviewer's "Pieces 6 of 8 cuts, Quality 50 %" (#15): the right figures, and the report says why.

Pieces are the cuts that went through; quality is good cuts over all cuts, a good cut one that went
through unflagged by the cut-profile check (core.production.values.DEFINITIONS). With 8 cuts of
which 2 were interrupted (an engine stop mid-cut: with --simulate the simulated saw stops with it)
and 2 flagged, 6 pieces and 4/8 = 50 % are correct; the notes, shown on the Production page, count
both kinds so nobody has to take the figures on trust.
"""

from __future__ import annotations

from core.production.data import CutRow, PeriodData
from core.production.report import IdealSpeeds, compute_report
from core.production.values import DEFINITIONS, ReportPeriod, StateClass, StateSpan, Window
from core.texts import parse

START = 1_796_300_000_000
MIN = 60_000


def _cut(i: int, outcome: str = "completed") -> CutRow:
    start = START + i * 5 * MIN
    return CutRow(start_ms=start, end_ms=start + 3 * MIN, duration_s=180.0, gap_s=0.0, outcome=outcome, band_id=7,
                  material_type=1, cross_section=0, dimension_a=100.0, depth_mm=100.0, area_cm2=78.5)


def _report(cuts: list[CutRow], flagged: set[int]) -> object:
    end = START + 60 * MIN
    data = PeriodData(START, end, cuts=cuts, spans=[StateSpan(START, end, StateClass.CUTTING)], flagged=flagged,
                      state_source="state table")
    period = ReportPeriod(START, end, "test", windows=(Window(START, end),))
    return compute_report(data, period, IdealSpeeds({}, 30.0), machine="saw")


def test_six_pieces_of_eight_cuts_and_quality_50_are_explained() -> None:
    cuts = [_cut(i) for i in range(6)] + [_cut(6, "interrupted"), _cut(7, "interrupted")]
    report = _report(cuts, flagged={cuts[1].start_ms, cuts[4].start_ms, cuts[6].start_ms})  # one flag on a cut
    assert (report.cuts, report.pieces, report.good_cuts, report.flagged_cuts) == (8, 6, 4, 2)  # type: ignore[attr-defined]
    assert report.quality == 0.5 and report.interrupted_cuts == 2  # type: ignore[attr-defined]
    notes = report.notes  # type: ignore[attr-defined]
    assert ("2 of 8 cuts did not go through (not pieces): 0 aborted, 0 PLC error, 2 interrupted (engine stopped "
            "or link lost mid-cut)") in notes
    assert "quality 50 % = 4 good of 8 cuts: 2 not through, 2 flagged by the cut-profile check" in notes
    for note in notes:  # each a text of core.texts: the page shows it in the screen's language
        assert parse(note) is not None, note
    definitions = dict(DEFINITIONS)
    assert "not a piece" in definitions["Cuts / pieces"] and "--simulate" in definitions["Cuts / pieces"]
    assert "count against it" in definitions["Quality"]


def test_outcomes_are_counted_by_kind() -> None:
    cuts = [_cut(0), _cut(1, "aborted"), _cut(2, "error"), _cut(3, "interrupted"), _cut(4, "error")]
    report = _report(cuts, flagged=set())
    assert (report.cuts, report.pieces, report.quality) == (5, 1, 0.2)  # type: ignore[attr-defined]
    assert any(note.startswith("4 of 5 cuts did not go through (not pieces): 1 aborted, 2 PLC error, 1 interrupted")
               for note in report.notes)  # type: ignore[attr-defined]
    assert "quality 20 % = 1 good of 5 cuts: 4 not through, 0 flagged by the cut-profile check" in report.notes  # type: ignore[attr-defined]


def test_all_good_says_nothing_more() -> None:
    report = _report([_cut(i) for i in range(4)], flagged=set())
    assert report.quality == 1.0 and report.pieces == 4  # type: ignore[attr-defined]
    assert not any("not go through" in note or note.startswith("quality") for note in report.notes)  # type: ignore[attr-defined]
