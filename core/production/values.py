"""The production report's value types: plain frozen data, safe to hand to any front end.

Times are Unix epoch milliseconds (UTC) or seconds of duration. A figure that cannot be known
(no planned time, no cut with a known section, no chart speed) is ``None``, never a made-up 0:
a front end shows it as "unknown" with the reason in ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StateClass(StrEnum):
    """What the saw was doing, as the report counts time."""

    CUTTING = "cutting"  # saw_state CUTTING: the band is in the material
    READY_IDLE = "ready_idle"  # IDLE, PREPARING, READY, COMPLETED: able to cut, not cutting
    ALARM_STOPPED = "alarm_stopped"  # saw_state ERROR: the PLC stopped the saw on a fault
    LINK_LOST = "link_lost"  # the engine ran but had no saw state from the PLC (link down, unreadable)
    NO_DATA = "no_data"  # nothing recorded: the engine (the HMI PC) was not running

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    StateClass.CUTTING: "cutting",
    StateClass.READY_IDLE: "ready / idle",
    StateClass.ALARM_STOPPED: "alarm / stopped",
    StateClass.LINK_LOST: "link lost",
    StateClass.NO_DATA: "no data",
}
STATE_ORDER: tuple[StateClass, ...] = tuple(StateClass)


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open stretch of time [start_ms, end_ms)."""

    start_ms: int
    end_ms: int

    @property
    def seconds(self) -> float:
        return max(self.end_ms - self.start_ms, 0) / 1000.0

    def clip(self, start_ms: int, end_ms: int) -> Window | None:
        a, b = max(self.start_ms, start_ms), min(self.end_ms, end_ms)
        return Window(a, b) if b > a else None


@dataclass(frozen=True, slots=True)
class StateSpan:
    """The saw in one state class from start_ms to end_ms."""

    start_ms: int
    end_ms: int
    state: StateClass

    @property
    def seconds(self) -> float:
        return max(self.end_ms - self.start_ms, 0) / 1000.0


@dataclass(frozen=True, slots=True)
class DowntimeCause:
    """An alarm that stood while the saw did not cut, within planned time."""

    key: str  # alarm key, e.g. plc.hydraulic_pressure
    text: str  # the alarm's text when it was last raised (English, as logged)
    seconds: float  # time it stood while the saw did not cut
    occurrences: int  # how many times it was raised in the period
    # The engine's additions from the message catalogue (MessageCatalogue.reread): the raising code's
    # detail inside the text (an error; a front end translates it by core.texts), and the text in
    # every language; () when the catalogue cannot give back the logged text.
    detail: str = ""
    texts: tuple[tuple[str, str], ...] = ()

    def text_for(self, lang: str) -> str:
        return next((text for code, text in self.texts if code == lang), self.text)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """What the report covers: a shift (``shift`` set), a day or any period."""

    start_ms: int
    end_ms: int
    label: str  # e.g. "Early 2026-12-02", "2026-12-01 .. 2026-12-02"
    shift: str | None = None  # the shift's name; None: every planned time in the period
    windows: tuple[Window, ...] = ()  # the planned stretches the figures are counted over


@dataclass(frozen=True, slots=True)
class ProductionReport:
    """Figures of one saw for one period (definitions: :data:`DEFINITIONS`)."""

    period: ReportPeriod
    machine: str  # name or id of the saw
    planned_s: float
    cuts: int  # every cut record that ended in the planned time
    pieces: int  # cuts that went through (outcome completed)
    area_cm2: float | None  # summed over cuts with a known section; None when none had one
    area_unknown_cuts: int  # cuts without a section: their area is not counted
    cut_time_s: float  # band in the material (cut duration less gaps without data)
    mean_cut_time_s: float | None
    time_by_state: Mapping[StateClass, float]  # seconds of planned time per state class
    downtime: tuple[DowntimeCause, ...]  # longest first
    interrupted_cuts: int  # aborted, error and interrupted cuts
    band_changes: int
    band_unknown_cuts: int  # cuts with band id 0 or none: not used for band changes
    good_cuts: int
    flagged_cuts: int  # completed cuts the cut-profile detector flagged
    ideal_cut_time_s: float | None  # for the cuts whose ideal is known
    ideal_basis_cut_time_s: float  # their actual cut time
    ideal_unknown_cuts: int  # cuts without depth: no ideal time
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    timeline: tuple[StateSpan, ...] = ()
    state_source: str = "state table"  # "state table", "samples", "state table + samples", "none"
    unplanned_cuts: int = 0  # cuts that ended outside planned time (not in the figures above)
    notes: tuple[str, ...] = ()
    generated_ms: int = 0

    @property
    def running_s(self) -> float:
        return self.time_by_state.get(StateClass.CUTTING, 0.0)

    @property
    def has_data(self) -> bool:
        recorded = sum(s for state, s in self.time_by_state.items() if state is not StateClass.NO_DATA)
        return self.cuts > 0 or recorded > 0


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What a front end asks for. Times in ms UTC; ``shift`` a configured shift's name."""

    start_ms: int | None = None  # None: the start of the current shift (or day)
    end_ms: int | None = None  # None: now
    shift: str | None = None
    timeline: bool = True


@dataclass(frozen=True, slots=True)
class ProductionView:
    """The Production page's data: the current shift live and the last shifts, in one answer."""

    current: ProductionReport | None
    previous: tuple[ProductionReport, ...] = ()  # newest first
    shift_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Planned time", "the configured shift time in the period (the whole period when no shifts are configured), "
                     "up to now"),
    ("Cuts / pieces", "cut records that ended in planned time; pieces are those that went through (completed); "
                      "an aborted, PLC-error or interrupted cut (the engine stopped or lost the PLC mid-cut; "
                      "with --simulate the simulated saw stops with the engine) is a cut, not a piece"),
    ("Cut area", "sum of the section area cut, from the material registers; cuts without a section are counted "
                 "apart (area unknown), never as 0"),
    ("Cut time", "time the band was in the material: cut duration less gaps without data"),
    ("Time by state", "planned time split by saw state: cutting; ready/idle (idle, preparing, ready, completed); "
                      "alarm/stopped (PLC error state); link lost (engine running, no state from the PLC); "
                      "no data (nothing recorded)"),
    ("Downtime by cause", "each stopping alarm's (priority critical or high) standing time while the saw did not "
                          "cut, within planned time, longest first; warnings are not causes; alarms that overlap "
                          "are each counted in full"),
    ("Interrupted cuts", "cuts that did not go through: aborted, PLC error, or interrupted by a data gap"),
    ("Band changes", "a new band id between consecutive cuts; band id 0 or missing is unknown and skipped"),
    ("Availability", "running (cutting) time / planned time with data; planned time with nothing recorded (the "
                     "HMI PC off, a crash, not yet mirrored) is shown apart as \"no data\" time, its share is "
                     "stated in the notes, and it is not counted as standing still; a period with no data at all "
                     "says so and its figures are left blank, never 0"),
    ("Performance", "ideal cut time / actual cut time, over cuts with a known depth; ideal = depth cut / the "
                    "band manufacturer's chart descent speed for the material (production.chart_speeds), else "
                    "the normal preset's descent speed"),
    ("Quality", "good cuts / all cuts; a cut is good when it went through and the cut-profile detector did "
                "not flag it (a flag needs no alarm); cuts that did not go through count against it too"),
    ("OEE", "availability x performance x quality; unknown when any part is unknown, and not given when a "
            "part is above 100 % (performance above 100 % means the saw cut faster than the ideal speed: ML "
            "speed control ran faster than the preset, the chart or preset speed is set too low, or the clock "
            "is sped up as in the simulator; the product "
            "would overstate OEE, so the part is shown and flagged and OEE is left empty)"),
)
