"""The Production page's time line: bounded for the screen, faithful to the exact one, and the
view carries no time line the page does not draw."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from production_helpers import run_settings
from test_report_edges import make_db, ms

from core.production.service import production_view, report_set
from core.production.timeline import display_timeline
from core.production.values import StateClass, StateSpan

STATES = list(StateClass)


def as_spans(start: int, steps: list[tuple[int, int]]) -> list[StateSpan]:
    """Contiguous spans from (length, state index) steps, equal neighbours merged as reports give them."""
    spans: list[StateSpan] = []
    t = start
    for length, state in steps:
        if spans and spans[-1].state is STATES[state]:
            spans[-1] = StateSpan(spans[-1].start_ms, t + length, STATES[state])
        else:
            spans.append(StateSpan(t, t + length, STATES[state]))
        t += length
    return spans


def most_time_in(spans: list[StateSpan], a: int, b: int) -> dict[StateClass, int]:
    time_in: dict[StateClass, int] = {}
    for span in spans:
        overlap = min(span.end_ms, b) - max(span.start_ms, a)
        if overlap > 0:
            time_in[span.state] = time_in.get(span.state, 0) + overlap
    return time_in


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5_000), st.integers(0, 4)), min_size=1, max_size=300),
       st.integers(1, 40), st.integers(0, 3_000))
def test_bounded_ordered_and_each_slot_shows_its_main_state(steps, max_spans, lead) -> None:  # type: ignore[no-untyped-def]
    spans = as_spans(10_000, steps)
    start, end = 10_000 - lead, spans[-1].end_ms
    shown = display_timeline(spans, start, end, max_spans)
    if len(spans) <= max_spans:
        assert shown == tuple(spans)
        return
    assert len(shown) <= max_spans
    for left, right in itertools.pairwise(shown):
        assert left.end_ms <= right.start_ms and not (left.end_ms == right.start_ms and left.state is right.state)
    assert all(start <= s.start_ms < s.end_ms <= end for s in shown)
    slot = -(-(end - start) // max_spans)
    for a in range(start, end, slot):
        time_in = most_time_in(spans, a, min(a + slot, end))
        if not time_in:
            continue
        top = max(time_in.values())
        mid = next(s for s in shown if s.start_ms < min(a + slot, end) and s.end_ms > a)
        assert time_in.get(mid.state, 0) == top, (a, time_in, mid)


def test_the_view_draws_the_running_shift_only_and_keeps_the_exact_figures(tmp_path: Path) -> None:
    settings_ = run_settings(tmp_path / "data")
    now = ms("2026-12-02T13:00")
    # A saw_state that flickers between cutting and ready every 2 s since midnight: 23,400 changes.
    t0 = ms("2026-12-02T00:00")
    states: list[tuple[int, int | None, str]] = [(t0 + i * 2_000, 3 if i % 2 else 2, "up")
                                                 for i in range((now - t0) // 2_000)]
    make_db(settings_.data_dir, [], states)
    view = production_view(settings_, now_ms=now)
    assert view.current is not None
    assert 0 < len(view.current.timeline) <= 2000
    assert all(report.timeline == () for report in view.previous)
    exact = report_set(settings_, view.current.period.start_ms, now, shift=view.current.period.shift,
                       now_ms=now, timeline=True).total
    assert len(exact.timeline) > 10_000
    assert view.current.time_by_state == exact.time_by_state
    assert len(pickle.dumps(view)) < 150_000
