"""Reports for periods, shifts and the Production page, from the configuration and a data loader.

``loader(start_ms, end_ms) -> PeriodData`` is :func:`core.production.data.load_local` bound to
the data directory (one saw) or a PostgreSQL reader (core.production.fleet). Bad requests raise
:class:`ReportError` with one line for the person who asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import tzinfo
from functools import partial
from pathlib import Path

from core.config import Settings
from core.migrate.localtime import LocalTimeError, resolve_zone
from core.production.data import PeriodData, load_local
from core.production.report import IdealSpeeds, compute_report
from core.production.shifts import WHOLE_DAY, ShiftOccurrence, current_and_previous, occurrences
from core.production.timeline import display_timeline
from core.production.values import ProductionReport, ProductionView, ReportPeriod, ReportRequest, Window
from core.texts import R_NO_SHIFT

Loader = Callable[[int, int], PeriodData]
DAY_MS = 86_400_000


class ReportError(ValueError):
    """A request that cannot give a report (empty period, unknown shift), in one line."""


@dataclass(frozen=True, slots=True)
class ReportSet:
    total: ProductionReport
    by_shift: tuple[ProductionReport, ...]  # one per configured shift (empty without shifts)
    occurrences: tuple[ShiftOccurrence, ...]


def zone_of(settings: Settings) -> tzinfo:
    try:
        return resolve_zone(settings.machine.time_zone)
    except LocalTimeError as exc:
        raise ReportError(str(exc)) from None


def machine_label(settings: Settings) -> str:
    ident = settings.machine.id
    return settings.machine.name + (f" (id {ident})" if ident is not None else "")


def local_loader(settings: Settings) -> Loader:
    return partial(load_local, Path(settings.data_dir))


def _clip(occ: ShiftOccurrence, start_ms: int, end_ms: int) -> Window | None:
    return Window(occ.start_ms, occ.end_ms).clip(start_ms, end_ms)


def _fmt(ms: int, zone: tzinfo) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def report_set(settings: Settings, start_ms: int, end_ms: int, *, shift: str | None = None,
               now_ms: int | None = None, loader: Loader | None = None, machine: str | None = None,
               timeline: bool = True, per_shift: bool = True) -> ReportSet:
    """The period's report in total and (``per_shift``) per shift; ``shift``: that shift only."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    production = settings.production
    zone = zone_of(settings)
    if end_ms <= start_ms:
        raise ReportError(f"empty period: {_fmt(start_ms, zone)} is not before {_fmt(end_ms, zone)}")
    if start_ms >= now:
        raise ReportError(f"the period starts in the future ({_fmt(start_ms, zone)}): nothing to report yet")
    if shift is not None and production.shift(shift) is None:
        known = ", ".join(s.name for s in production.shifts) or "none configured"
        raise ReportError(f"unknown shift {shift!r}; configured shifts: {known}")
    chosen = production.shift(shift) if shift is not None else None
    occs = occurrences(production.shifts, zone, start_ms, end_ms, only=chosen.name if chosen else None)
    until = min(end_ms, now)
    load = loader or local_loader(settings)
    data = load(start_ms, until)
    ideal = IdealSpeeds.from_settings(production, settings.control.presets)
    who = machine or machine_label(settings)
    generated = int(time.time() * 1000)
    span = f"{_fmt(start_ms, zone)} .. {_fmt(end_ms, zone)}"

    plan = tuple(w for occ in occurrences(production.shifts, zone, start_ms, end_ms)
                 if (w := _clip(occ, start_ms, until)) is not None)

    def build(name: str | None, picked: list[ShiftOccurrence]) -> ProductionReport:
        windows = tuple(w for occ in picked if (w := _clip(occ, start_ms, until)) is not None)
        label = f"{name} {span}" if name else span
        period = ReportPeriod(start_ms, end_ms, label, shift=name, windows=windows)
        return compute_report(data, period, ideal, machine=who, generated_ms=generated, timeline=timeline,
                              plan=plan)

    total = build(chosen.name if chosen else None, occs)
    by_shift: tuple[ProductionReport, ...] = ()
    if chosen is None and production.shifts and per_shift:
        by_shift = tuple(build(s.name, [o for o in occs if o.name == s.name]) for s in production.shifts)
    return ReportSet(total, by_shift, tuple(occs))


def shift_report(settings: Settings, occ: ShiftOccurrence, data: PeriodData, now_ms: int,
                 machine: str | None = None, *, timeline: bool = True) -> ProductionReport:
    """One occurrence of a shift (the running one up to now)."""
    window = _clip(occ, occ.start_ms, min(occ.end_ms, now_ms))
    name = None if occ.name == WHOLE_DAY and not settings.production.shifts else occ.name
    period = ReportPeriod(occ.start_ms, occ.end_ms, occ.label, shift=name, windows=(window,) if window else ())
    ideal = IdealSpeeds.from_settings(settings.production, settings.control.presets)
    return compute_report(data, period, ideal, machine=machine or machine_label(settings),
                          generated_ms=int(time.time() * 1000), timeline=timeline)


def production_view(settings: Settings, *, now_ms: int | None = None, loader: Loader | None = None,
                    previous: int | None = None) -> ProductionView:
    """The running shift up to now and the last shifts, newest first (the Production page)."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    count = settings.production.previous_shifts if previous is None else previous
    zone = zone_of(settings)
    current, before = current_and_previous(settings.production.shifts, zone, now, count)
    wanted = ([current] if current else []) + before
    notes: list[str] = []
    if current is None:
        notes.append(str(R_NO_SHIFT()))
    if not wanted:
        return ProductionView(None, (), tuple(s.name for s in settings.production.shifts), tuple(notes))
    load = loader or local_loader(settings)
    data = load(min(o.start_ms for o in wanted), now)
    # Only the running shift's time line is drawn, and never with more spans than the bar shows.
    shown = None
    if current is not None:
        report = shift_report(settings, current, data, now)
        shown = replace(report, timeline=display_timeline(report.timeline, current.start_ms, min(current.end_ms, now)))
    return ProductionView(
        current=shown,
        previous=tuple(shift_report(settings, o, data, now, timeline=False) for o in before),
        shift_names=tuple(s.name for s in settings.production.shifts),
        notes=tuple(notes),
    )


def answer(settings: Settings, request: ReportRequest, *, loader: Loader | None = None,
           now_ms: int | None = None) -> ProductionReport:
    """A front end's request: a period (default: the last day up to now), optionally one shift."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    start, end = request_period(request, now)
    return report_set(settings, start, end, shift=request.shift, now_ms=now, loader=loader,
                      timeline=request.timeline).total


def request_period(request: ReportRequest, now_ms: int | None = None) -> tuple[int, int]:
    """(start, end) of a request: the end defaults to now, the start to a day before the end."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    end = request.end_ms if request.end_ms is not None else now
    return (request.start_ms if request.start_ms is not None else end - DAY_MS), end
