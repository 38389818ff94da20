"""The production report: figures of one saw over planned windows, from :class:`PeriodData`.

Pure computation (no I/O): the same code serves the saw's own files, the PostgreSQL fleet, the
HMI page and the CLI. Definitions of every figure: core.production.values.DEFINITIONS.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.production.data import AlarmSpan, CutRow, PeriodData
from core.production.settings import ProductionSettings
from core.production.values import (
    STATE_ORDER,
    DowntimeCause,
    ProductionReport,
    ReportPeriod,
    StateClass,
    StateSpan,
    Window,
)
from core.texts import (
    R_DATA_GAP,
    R_FAST,
    R_NO_BAND,
    R_NO_DATA,
    R_NO_IDEAL,
    R_NO_OEE,
    R_NO_PLANNED,
    R_NO_SECTION,
    R_NOT_THROUGH,
    R_QUALITY,
    R_STATES_FROM,
    R_UNPLANNED,
)

INTERRUPTED = frozenset({"aborted", "error", "interrupted"})


@dataclass(frozen=True, slots=True)
class IdealSpeeds:
    """Descent speed (mm/min) a material should be cut at: the chart's, else the normal preset's."""

    chart: Mapping[int, float]
    normal: float | None

    @classmethod
    def from_settings(cls, production: ProductionSettings, presets: Mapping[str, object]) -> IdealSpeeds:
        normal = presets.get("normal")
        speed = getattr(normal, "descent_speed", None)
        return cls({code: chart.descent_speed for code, chart in production.chart_speeds.items()},
                   float(speed) if speed else None)

    def ideal_s(self, cut: CutRow) -> float | None:
        if cut.depth_mm is None or cut.depth_mm <= 0:
            return None
        speed = self.chart.get(cut.material_type) if cut.material_type is not None else None
        speed = speed or self.normal
        if not speed:
            return None
        return cut.depth_mm / speed * 60.0


class WindowSet:
    """Non-overlapping windows; membership by bisection (a month has ~90 shift windows, ~10^4 cuts)."""

    def __init__(self, windows: Sequence[Window]) -> None:
        ordered = sorted((w for w in windows if w.end_ms > w.start_ms), key=lambda w: w.start_ms)
        self._starts = [w.start_ms for w in ordered]
        self._ends = [w.end_ms for w in ordered]

    def __contains__(self, ts_ms: int) -> bool:
        i = bisect.bisect_right(self._starts, ts_ms) - 1
        return i >= 0 and ts_ms < self._ends[i]


def clip_spans(spans: Sequence[StateSpan], windows: Sequence[Window]) -> list[StateSpan]:
    out: list[StateSpan] = []
    starts = [s.start_ms for s in spans]
    for window in windows:
        i = max(bisect.bisect_right(starts, window.start_ms) - 1, 0)
        while i < len(spans) and spans[i].start_ms < window.end_ms:
            span = spans[i]
            a, b = max(span.start_ms, window.start_ms), min(span.end_ms, window.end_ms)
            if b > a:
                out.append(StateSpan(a, b, span.state))
            i += 1
    return out


def _downtime(alarms: Sequence[AlarmSpan], spans: Sequence[StateSpan]) -> tuple[DowntimeCause, ...]:
    """Each alarm's overlap with not-cutting recorded time; an alarm ends where recording ended."""
    stopped = [s for s in spans if s.state is not StateClass.CUTTING]
    starts = [s.start_ms for s in stopped]
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    texts: dict[str, str] = {}
    for alarm in alarms:
        if alarm.raised_in_period:
            counts[alarm.key] = counts.get(alarm.key, 0) + 1
        texts[alarm.key] = alarm.text
        total = 0.0
        i = max(bisect.bisect_right(starts, alarm.start_ms) - 1, 0)
        while i < len(stopped) and stopped[i].start_ms < alarm.end_ms:
            span = stopped[i]
            if span.state is StateClass.NO_DATA and span.end_ms > alarm.start_ms:
                break  # the engine stopped: whatever stood before is not known to stand on
            a, b = max(span.start_ms, alarm.start_ms), min(span.end_ms, alarm.end_ms)
            if b > a:
                total += (b - a) / 1000.0
            i += 1
        if total > 0:
            seconds[alarm.key] = seconds.get(alarm.key, 0.0) + total
    causes = [DowntimeCause(key, texts[key], round(s, 3), counts.get(key, 0)) for key, s in seconds.items()]
    causes.sort(key=lambda c: (-c.seconds, c.key))
    return tuple(causes)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def compute_report(data: PeriodData, period: ReportPeriod, ideal: IdealSpeeds, *, machine: str,
                   generated_ms: int = 0, timeline: bool = True,
                   plan: Sequence[Window] | None = None) -> ProductionReport:
    """The report over ``period.windows`` from data loaded for at least the period. ``plan``: all
    planned time of the period (every shift), to count the cuts outside it (default: the windows)."""
    windows = [w for w in period.windows if w.end_ms > w.start_ms]
    planned_s = sum(w.seconds for w in windows)
    spans = clip_spans(data.spans, windows)
    by_state = dict.fromkeys(STATE_ORDER, 0.0)
    for span in spans:
        by_state[span.state] += span.seconds
    covered = sum(by_state.values())
    if planned_s - covered > 0.0005:  # time the loaded data does not reach: nothing recorded
        by_state[StateClass.NO_DATA] += planned_s - covered
    by_state = {state: round(seconds, 3) for state, seconds in by_state.items()}

    in_period = [c for c in data.cuts if period.start_ms <= c.end_ms < period.end_ms]
    inside = WindowSet(windows)
    cuts = [c for c in in_period if c.end_ms in inside]
    planned_all = inside if plan is None else WindowSet(plan)
    unplanned = sum(1 for c in in_period if c.end_ms not in planned_all)
    completed = [c for c in cuts if c.outcome == "completed"]
    interrupted = sum(1 for c in cuts if c.outcome in INTERRUPTED)
    flagged = sum(1 for c in completed if c.start_ms in data.flagged)
    good = len(completed) - flagged
    known_area = [c for c in cuts if c.section_known]
    area = round(sum(c.area_cm2 or 0.0 for c in known_area), 3) if known_area else None
    cut_s = sum(c.cut_s for c in cuts)
    ideal_s = 0.0
    basis_s = 0.0
    ideal_unknown = 0
    for cut in cuts:
        value = ideal.ideal_s(cut)
        if value is None or cut.cut_s <= 0:
            ideal_unknown += 1
            continue
        ideal_s += value
        basis_s += cut.cut_s

    band_changes, band_unknown = _bands(data, inside)
    no_data_s = by_state[StateClass.NO_DATA]
    data_s = max(planned_s - no_data_s, 0.0)
    availability = _ratio(by_state[StateClass.CUTTING], data_s) if data_s > 0.0005 else None
    performance = _ratio(ideal_s, basis_s)
    quality = _ratio(good, len(cuts))
    parts = (availability, performance, quality)
    over = [name for name, value in zip(("availability", "performance", "quality"), parts, strict=True)
            if value is not None and value > 1.0 + 1e-9]
    oee = None if over or any(p is None for p in parts) else availability * performance * quality  # type: ignore[operator]

    notes: list[str] = []
    if planned_s <= 0:
        notes.append(str(R_NO_PLANNED()))
    elif not cuts and no_data_s >= planned_s - 0.001:
        notes.append(str(R_NO_DATA(machine=machine, period=period.label)))
    elif no_data_s > 0.0005:
        notes.append(str(R_DATA_GAP(missing=no_data_s / planned_s * 100, missing_h=no_data_s / 3600,
                                    data_h=data_s / 3600)))
    if known_area != cuts:
        notes.append(str(R_NO_SECTION(count=len(cuts) - len(known_area))))
    if len(completed) < len(cuts):  # why pieces are fewer than cuts (#15 review: "6 pieces of 8 cuts")
        outcomes = {outcome: sum(c.outcome == outcome for c in cuts) for outcome in ("aborted", "error")}
        notes.append(str(R_NOT_THROUGH(count=len(cuts) - len(completed), cuts=len(cuts), **outcomes,
                                       interrupted=len(cuts) - len(completed) - sum(outcomes.values()))))
    if quality is not None and good < len(cuts):  # and why quality is under 100 % ("quality 50 %")
        notes.append(str(R_QUALITY(value=quality * 100, good=good, cuts=len(cuts),
                                   not_through=len(cuts) - len(completed), flagged=flagged)))
    if ideal_unknown:
        notes.append(str(R_NO_IDEAL(count=ideal_unknown)))
    if band_unknown:
        notes.append(str(R_NO_BAND(count=band_unknown)))
    if unplanned:
        notes.append(str(R_UNPLANNED(count=unplanned)))
    if data.state_source not in ("state table", "none"):
        notes.append(str(R_STATES_FROM(source=data.state_source)))
    if performance is not None and performance > 1.0:
        notes.append(str(R_FAST(value=performance * 100)))
    if over:
        notes.append(str(R_NO_OEE(parts=" and ".join(over))))

    return ProductionReport(
        period=period, machine=machine, planned_s=round(planned_s, 3), cuts=len(cuts), pieces=len(completed),
        area_cm2=area, area_unknown_cuts=len(cuts) - len(known_area), cut_time_s=round(cut_s, 3),
        mean_cut_time_s=round(cut_s / len(cuts), 3) if cuts else None, time_by_state=by_state,
        downtime=_downtime(data.alarms, spans), interrupted_cuts=interrupted, band_changes=band_changes,
        band_unknown_cuts=band_unknown, good_cuts=good, flagged_cuts=flagged,
        ideal_cut_time_s=round(ideal_s, 3) if basis_s > 0 else None, ideal_basis_cut_time_s=round(basis_s, 3),
        ideal_unknown_cuts=ideal_unknown, availability=availability, performance=performance, quality=quality,
        oee=oee, timeline=tuple(spans) if timeline else (), state_source=data.state_source,
        unplanned_cuts=unplanned, notes=tuple(notes), generated_ms=generated_ms,
    )


def _bands(data: PeriodData, windows: WindowSet) -> tuple[int, int]:
    """(band changes, cuts with an unknown band) among the cuts in the windows."""
    previous = data.band_before if data.band_before else None
    changes = unknown = 0
    for cut in data.cuts:
        counted = cut.end_ms in windows and data.start_ms <= cut.end_ms < data.end_ms
        if not cut.band_id:
            unknown += counted
            continue
        if previous is not None and cut.band_id != previous and counted:
            changes += 1
        previous = cut.band_id
    return changes, unknown
