"""The state time line as a screen shows it: at most a few thousand spans, whatever the data.

A report's own time line is exact (its figures are summed from it); a bar on a 1280 px screen
cannot show more spans than it has pixels, and a flickering or noisy saw_state gives tens of
thousands in a shift (575 kB to pickle across the engine's pipe, 100-200 ms holding the engine
process's GIL). For the Production page the period is cut into equal slots and each slot shows the
state it spent most time in (a tie goes to the more severe state); equal neighbours merge.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.production.values import StateClass, StateSpan

DISPLAY_SPANS = 2000  # more than a bar's pixels on any panel the HMI runs on
# A tie in a slot shows the state an operator must not miss.
_SEVERITY = {StateClass.ALARM_STOPPED: 4, StateClass.LINK_LOST: 3, StateClass.CUTTING: 2,
             StateClass.READY_IDLE: 1, StateClass.NO_DATA: 0}


def display_timeline(spans: Sequence[StateSpan], start_ms: int, end_ms: int,
                     max_spans: int = DISPLAY_SPANS) -> tuple[StateSpan, ...]:
    """``spans`` (time-ordered, not overlapping) over [start_ms, end_ms) in at most ``max_spans``
    spans; unchanged when they are that few already."""
    if len(spans) <= max_spans or end_ms <= start_ms:
        return tuple(spans)
    slot_ms = -(-(end_ms - start_ms) // max_spans)  # ceiling: max_spans slots cover the period
    out: list[StateSpan] = []
    i = 0
    for a in range(start_ms, end_ms, slot_ms):
        b = min(a + slot_ms, end_ms)
        while i < len(spans) and spans[i].end_ms <= a:
            i += 1
        time_in: dict[StateClass, int] = {}
        j = i
        while j < len(spans) and spans[j].start_ms < b:
            overlap = min(spans[j].end_ms, b) - max(spans[j].start_ms, a)
            if overlap > 0:
                time_in[spans[j].state] = time_in.get(spans[j].state, 0) + overlap
            j += 1
        if not time_in:
            continue
        state = max(time_in, key=lambda s: (time_in[s], _SEVERITY[s]))
        lo = max(a, spans[i].start_ms)
        hi = min(b, spans[j - 1].end_ms)
        if out and out[-1].state is state and out[-1].end_ms == lo:
            out[-1] = StateSpan(out[-1].start_ms, hi, state)
        else:
            out.append(StateSpan(lo, hi, state))
    return tuple(out)
