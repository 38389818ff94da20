"""The detectors of the configuration, fed per snapshot; their events go to anomaly.db and listeners."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.analysis.cut_stats import CutRecord
from core.analysis.cuts import CutProgress
from core.analysis.detectors import (
    AnomalyEvent,
    Detector,
    IqrDetector,
    RateDetector,
    Severity,
    Status,
    ZScoreDetector,
)
from core.analysis.profile import ProfileDetector
from core.analysis.settings import DetectorSettings
from core.analysis.store import SqlSink, read_rows
from core.analysis.tables import INSERT_ANOMALY, INSERT_PROFILE
from core.snapshot import Quality, SawState, Snapshot

log = logging.getLogger("bandsaw.analysis.anomaly")

AnomalyListener = Callable[[AnomalyEvent], None]

_KINDS: dict[str, type[Detector]] = {
    "zscore": ZScoreDetector,
    "iqr": IqrDetector,
    "rate": RateDetector,
    "profile": ProfileDetector,
}


@dataclass(frozen=True, slots=True)
class DetectorState:
    """What the HMI and diagnostics show per detector."""

    key: str
    signal: str
    kind: str
    status: Status
    active: bool
    score: float | None
    threshold: float


def build_detector(settings: DetectorSettings) -> Detector:
    return _KINDS[settings.kind](settings)


class AnomalyMonitor:
    def __init__(
        self,
        detectors: Sequence[DetectorSettings],
        sink: SqlSink | None = None,
        *,
        known_signals: Collection[str] | None = None,
    ) -> None:
        self._sink = sink
        self._listeners: list[AnomalyListener] = []
        self.detectors: list[Detector] = [build_detector(item) for item in detectors]
        self.unknown_signals: list[str] = sorted(
            {d.signal for d in self.detectors if known_signals is not None and d.signal not in known_signals}
        )
        if self.unknown_signals:
            log.error("anomaly detectors configured for signals not in the register map: %s",
                      ", ".join(self.unknown_signals))
        unknown = set(self.unknown_signals)
        self._watched = [(d, d.settings.cutting_only, d.signal) for d in self.detectors if d.signal not in unknown]
        for detector in self.detectors:
            if detector.signal in unknown:
                detector.status = Status.UNKNOWN_SIGNAL
        self._profiles = [d for d in self.detectors if isinstance(d, ProfileDetector) and d.signal not in unknown]

    def subscribe(self, listener: AnomalyListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- feeding -----------------------------------------------------------------------

    def feed(self, snapshot: Snapshot, progress: CutProgress | None = None) -> list[AnomalyEvent]:
        """Run every detector on one poll; ``progress`` is ``CutTracker.progress`` after it saw the poll."""
        values = snapshot.values
        ts_ms = snapshot.ts_ms
        cutting = snapshot.quality is not Quality.COMM_ERROR and values.get("saw_state") == SawState.CUTTING
        cut_start = progress.start_ms if progress is not None else None
        for profile in self._profiles:
            profile.set_progress(progress)
        events: list[AnomalyEvent] = []
        position = progress.position if progress is not None else None
        for detector, cutting_only, signal in self._watched:
            paused = Status.IDLE if cutting_only and not cutting else None
            if paused is None and cutting_only and _transient(detector.settings, position):
                paused = Status.TRANSIENT
            if paused is not None:
                if detector.status is not paused:
                    event = detector.pause(paused, ts_ms, cut_start)
                    if event is not None:
                        events.append(event)
                continue
            event = detector.update(values.get(signal), ts_ms, cut_start)
            if event is not None:
                events.append(event)
        for event in events:
            self._emit(event)
        return events

    def on_cut(self, record: CutRecord) -> None:
        """CutTracker listener: good cuts become references of the profile detectors."""
        for detector in self._profiles:
            profile = detector.finish_cut(record)
            if profile is not None and self._sink is not None:
                self._sink.submit(INSERT_PROFILE, (record.ts_ms, record.start_ms, record.material_key,
                                                   detector.signal, json.dumps(profile)))

    def restore_profiles(self, anomaly_db: Path, per_key: int = 50) -> int:
        """Load the reference profiles kept in anomaly.db (oldest first); returns how many."""
        loaded = 0
        for detector in self._profiles:
            try:
                rows = read_rows(
                    anomaly_db,
                    "SELECT material_key, profile FROM (SELECT * FROM cut_profiles WHERE signal = ? "
                    "ORDER BY id DESC LIMIT ?) ORDER BY id",
                    (detector.signal, per_key * 20),
                )
            except sqlite3.Error as exc:
                log.error("%s: cannot read reference profiles: %s", anomaly_db, exc)
                return loaded
            for row in rows:
                try:
                    profile = json.loads(row["profile"])
                except ValueError:
                    continue
                if isinstance(profile, list):
                    detector.add_reference(str(row["material_key"]), profile)
                    loaded += 1
        return loaded

    # --- queries -----------------------------------------------------------------------

    def states(self) -> list[DetectorState]:
        return [DetectorState(d.key, d.signal, d.kind, d.status, d.active, d.score, d.threshold)
                for d in self.detectors]

    # --- internals ---------------------------------------------------------------------

    def _emit(self, event: AnomalyEvent) -> None:
        if self._sink is not None:
            self._sink.submit(INSERT_ANOMALY, (
                event.ts_ms, event.signal, event.kind, event.phase, _SEVERITY_TEXT[event.severity],
                event.value, event.threshold, event.score, event.cut_start_ms, None,
            ))
        if event.phase != "end":
            level = logging.WARNING if event.severity >= Severity.MEDIUM else logging.INFO
            value = event.value if event.value is not None else float("nan")
            log.log(level, "anomaly %s %s: %s = %.4g (score %.2f > %.2f)", event.key, event.phase, event.signal,
                    value, event.score, event.threshold)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop detection
                log.exception("anomaly listener %r failed", listener)


def _transient(settings: DetectorSettings, position: float | None) -> bool:
    """Entering or leaving the piece (or no cut known yet): currents and torques jump by design.

    Profile detectors too: CUTTING starts with the band above the piece (position 0 until contact)
    and the current steps up at contact, so the entry bin averages idle and cutting current in a
    mix that differs cut to cut (an approach of 0.1 s or 5 s); judged there, it alarmed at nearly
    every cut start (#15). Entry and exit are neither judged nor learnt into references.
    """
    if position is None:
        return settings.skip_entry > 0
    return position < settings.skip_entry or position > 1.0 - settings.skip_exit


_SEVERITY_TEXT = {Severity.LOW: "low", Severity.MEDIUM: "medium", Severity.HIGH: "high"}
