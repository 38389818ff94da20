"""Cut tracking: one record per cut from the saw state and head height, counters per band.

A cut opens when saw_state becomes CUTTING and closes when it leaves CUTTING: COMPLETED ->
completed, ERROR -> error, anything else -> completed if the head went (nearly) through the
section or the PLC's cut counter moved, else aborted. When the data stops (COMM_ERROR for
longer than ``comm_loss_timeout_s``, or an engine restart that finds the open cut saved in
total.db) the cut is suspended; on the next good snapshot it resumes if the same piece is still
being cut, otherwise it is closed as "interrupted" at the last time it was seen. A cut is
identified by its start time everywhere, so nothing is counted twice.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.analysis.cut_stats import MATERIAL_FIELDS, VIBRATION_FIELDS, CutRecord, OpenCut
from core.analysis.settings import CutSettings
from core.analysis.store import SqlSink, read_rows
from core.analysis.tables import CLEAR_OPEN_CUT, INSERT_CUT, LOAD_OPEN_CUT, SAVE_OPEN_CUT
from core.snapshot import Quality, SawState, Snapshot

log = logging.getLogger("bandsaw.analysis.cuts")

CutListener = Callable[[CutRecord], None]


@dataclass(frozen=True, slots=True)
class CutProgress:
    start_ms: int
    material_key: str
    position: float  # 0 at the top of the section, 1 through
    depth_mm: float


def load_open_cut(total_db: Path) -> str | None:
    """The cut that was open when the engine stopped (not yet recorded), for ``CutTracker.restore``."""
    try:
        rows = read_rows(total_db, LOAD_OPEN_CUT)
    except sqlite3.Error as exc:
        log.error("%s: cannot read the open cut: %s", total_db, exc)
        return None
    return str(rows[0]["state"]) if rows else None


def _same(now: float | None, before: float | None) -> bool:
    """Equal, or unknown on either side (a block that failed is no evidence of a new piece)."""
    return now is None or before is None or now == before


def _value(values: Mapping[str, float | None], name: str) -> float | None:
    value = values.get(name)
    if value is None or not math.isfinite(value):
        return None
    return value


class CutTracker:
    def __init__(
        self,
        settings: CutSettings,
        sink: SqlSink | None = None,
        *,
        mode: Callable[[], str] = lambda: "manual",
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._mode = mode
        self._open: OpenCut | None = None
        self._suspended = False
        self._last_good_ms: int | None = None
        self._last_saved_ms = 0
        self._listeners: list[CutListener] = []
        self._timeout_ms = int(settings.comm_loss_timeout_s * 1000)
        self._persist_ms = int(settings.persist_every_s * 1000)

    # --- wiring ------------------------------------------------------------------------

    def subscribe(self, listener: CutListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def restore(self, state_json: str | None) -> None:
        """Take over the cut that was open when the engine stopped (from ``cut_open_state``)."""
        if not state_json:
            return
        try:
            cut = OpenCut.from_json(state_json)
        except (ValueError, TypeError, KeyError) as exc:
            log.error("saved open cut unreadable, dropped: %s", exc)
            return
        self._open = cut
        self._suspended = True
        self._last_good_ms = cut.last_ms
        log.info("open cut from %d restored; resumed or closed on the next good poll", cut.start_ms)

    def follow_recorded(self, samples: Iterable[Mapping[str, float | None]]) -> int:
        """After :meth:`restore`: the samples raw.db holds past the restored cut's last saved
        point (oldest first, with ``ts_ms``). The cut takes those of the same run of cutting (no
        gap longer than the comm-loss timeout), so a cut a crash interrupted ends at its last
        recorded cutting sample, not where it was last saved. Returns how many it took."""
        cut = self._open
        if cut is None:
            return 0
        taken = 0
        for values in samples:
            ts_ms = values.get("ts_ms")
            if ts_ms is None or ts_ms <= cut.last_ms:
                continue
            if ts_ms - cut.last_ms > self._timeout_ms or _value(values, "saw_state") != int(SawState.CUTTING):
                break
            self._accumulate(cut, values, int(ts_ms), live=False)
            taken += 1
        if taken:
            self._last_good_ms = cut.last_ms
            log.info("open cut from %d: %d recorded samples after its last save, to %d", cut.start_ms, taken,
                     cut.last_ms)
        return taken

    def note_guard_event(self) -> None:
        """The torque guard acted (called by the controller)."""
        if self._open is not None:
            self._open.guard_events += 1

    # --- queries -----------------------------------------------------------------------

    @property
    def progress(self) -> CutProgress | None:
        cut = self._open
        if cut is None or self._suspended:
            return None
        return CutProgress(cut.start_ms, cut.material_key, cut.position, cut.depth_mm)

    @property
    def open_cut(self) -> OpenCut | None:
        return self._open

    @property
    def suspended(self) -> bool:
        return self._suspended

    # --- feeding -----------------------------------------------------------------------

    def feed(self, snapshot: Snapshot) -> CutRecord | None:
        """Follow one poll; returns the record of a cut that closed on it, if any."""
        values = snapshot.values
        state = snapshot.saw_state if snapshot.quality is not Quality.COMM_ERROR else None
        if state is None:
            self.tick(snapshot.ts_ms)
            return None
        closed: CutRecord | None = None
        if self._suspended:
            closed = self._resume_or_close(values, state, snapshot.ts_ms)
        cut = self._open
        if cut is not None:
            if state is SawState.CUTTING:
                self._accumulate(cut, values, snapshot.ts_ms)
                if snapshot.ts_ms - self._last_saved_ms >= self._persist_ms:
                    self._save(cut, snapshot.ts_ms)
            else:
                if state is SawState.COMPLETED:
                    self._accumulate(cut, values, snapshot.ts_ms)
                closed = self._close(cut, snapshot.ts_ms, self._outcome(cut, values, state))
        elif state is SawState.CUTTING:
            self._start(values, snapshot.ts_ms)
        self._last_good_ms = snapshot.ts_ms
        return closed

    def tick(self, now_ms: int) -> None:
        """No data at ``now_ms``: suspend the open cut once the link has been gone long enough."""
        if self._open is None or self._suspended or self._last_good_ms is None:
            return
        if now_ms - self._last_good_ms > self._timeout_ms:
            self._suspended = True
            self._save(self._open, now_ms)
            log.warning("cut from %d suspended: no data for %.1f s", self._open.start_ms,
                        (now_ms - self._last_good_ms) / 1000)

    def shutdown(self) -> None:
        """Engine stopping: save the open cut so the next start resumes or closes it."""
        if self._open is not None:
            self._save(self._open, self._open.last_ms)

    # --- internals ---------------------------------------------------------------------

    def _start(self, values: Mapping[str, float | None], ts_ms: int) -> None:
        material = {name: _value(values, name) for name in MATERIAL_FIELDS}
        height = _value(values, "material_width") or material.get("dimension_a")
        band = _value(values, "band_id")
        head = _value(values, "head_height")
        cut = OpenCut(
            start_ms=ts_ms,
            material=material,
            band_id=None if band is None else int(band),
            head_start=head,
            height_mm=height if height and height > 0 else None,
            cut_count_start=_value(values, "cut_count"),
            energy_start=_value(values, "energy_total"),
        )
        self._open = cut
        self._accumulate(cut, values, ts_ms)
        self._save(cut, ts_ms)

    def _accumulate(self, cut: OpenCut, values: Mapping[str, float | None], ts_ms: int, *,
                    live: bool = True) -> None:
        dt_ms = ts_ms - cut.last_ms if cut.samples else 0
        cut.last_ms = ts_ms
        cut.samples += 1
        if live:  # a recorded sample's mode is not the mode now
            cut.note_mode(self._mode())
        head = _value(values, "head_height")
        if head is not None:
            cut.head_last = head
            cut.depth_mm = max(cut.depth_mm, cut.depth_at(head))
        for name, mean in (("band_current", cut.band_current), ("band_torque", cut.band_torque),
                           ("descent_speed_actual", cut.descent_speed),
                           ("cutting_speed_actual", cut.cutting_speed)):
            value = _value(values, name)
            if value is not None:
                mean.add(value)
        deviation = _value(values, "band_deviation")
        if deviation is not None:
            cut.deviation_abs.add(abs(deviation))
        for name in VIBRATION_FIELDS:
            value = _value(values, name)
            if value is not None and (cut.vibration_peak is None or value > cut.vibration_peak):
                cut.vibration_peak = value
        power = _value(values, "band_power")
        if power is not None:
            if cut.power_last is not None and 0 < dt_ms <= self._timeout_ms:
                cut.energy_integrated_kwh += (power + cut.power_last) / 2 * dt_ms / 3_600_000
            cut.power_last = power
        energy = _value(values, "energy_total")
        if energy is not None:
            if cut.energy_start is None:
                cut.energy_start = energy
            cut.energy_last = energy

    def _outcome(self, cut: OpenCut, values: Mapping[str, float | None], state: SawState) -> str:
        if state is SawState.COMPLETED:
            return "completed"
        if state is SawState.ERROR:
            return "error"
        count = _value(values, "cut_count")
        if count is not None and cut.cut_count_start is not None and count != cut.cut_count_start:
            return "completed"
        if cut.height_mm and cut.depth_mm >= cut.height_mm * self._settings.complete_depth_ratio:
            return "completed"
        return "aborted"

    def _resume_or_close(
        self, values: Mapping[str, float | None], state: SawState, ts_ms: int
    ) -> CutRecord | None:
        cut = self._open
        self._suspended = False
        if cut is None:
            return None
        head = _value(values, "head_height")
        band = _value(values, "band_id")
        same_piece = (
            state is SawState.CUTTING
            and (band is None or cut.band_id is None or int(band) == cut.band_id)
            and all(_same(_value(values, name), cut.material.get(name)) for name in ("material_type", "cross_section"))
            and (head is None or cut.head_last is None or head <= cut.head_last + self._settings.resume_tolerance_mm)
        )
        if same_piece:
            cut.gap_ms += max(ts_ms - cut.last_ms, 0)
            log.info("cut from %d resumes after a %.1f s gap", cut.start_ms, (ts_ms - cut.last_ms) / 1000)
            return None
        return self._close(cut, cut.last_ms, "interrupted")

    def _close(self, cut: OpenCut, end_ms: int, outcome: str) -> CutRecord:
        record = cut.record(end_ms, outcome)
        self._open = None
        if self._sink is not None:
            self._sink.submit(INSERT_CUT, record.row())
            self._sink.submit(CLEAR_OPEN_CUT, (cut.start_ms,))
        log.info("cut %d %s: %.1f s, %.1f cm², band %s", record.start_ms, outcome, record.duration_s,
                 record.area_cm2, record.band_id)
        for listener in list(self._listeners):
            try:
                listener(record)
            except Exception:  # one broken listener must not lose the cut for the others
                log.exception("cut listener %r failed", listener)
        return record

    def _save(self, cut: OpenCut, now_ms: int) -> None:
        self._last_saved_ms = now_ms
        if self._sink is not None:
            self._sink.submit(SAVE_OPEN_CUT, (cut.start_ms, now_ms, cut.to_json()))
