"""Streaming anomaly detectors, one per signal and kind: z-score, IQR, rate of change.

Each detector sees one value per poll and keeps O(window) state. The score of a sample is taken
against what was learnt *before* it, then the sample is learnt. An anomaly is an episode: it
starts when the score passes the threshold (event phase "onset"), may grow in severity
("escalate"), and ends when the score falls below threshold x (1 - hysteresis) ("end").
Degenerate input never raises: NaN/None, a constant signal or too few samples set ``status``.
The band-aware profile detector lives in core.analysis.profile.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from core.analysis.settings import DetectorSettings


class Status(StrEnum):
    OK = "ok"
    ANOMALY = "anomaly"
    WARMING_UP = "warming_up"  # fewer samples than min_samples
    CONSTANT = "constant"  # no spread to judge against (and no min_spread configured)
    INVALID = "invalid"  # the value was None, NaN or infinite
    IDLE = "idle"  # cutting_only detector while the saw is not cutting
    TRANSIENT = "transient"  # cutting_only detector while the band enters or leaves the piece
    NO_REFERENCE = "no_reference"  # profile: too few good cuts of this material yet
    GAP = "gap"  # rate: the previous sample is too old to take a rate from
    UNKNOWN_SIGNAL = "unknown_signal"  # the signal is not in the register map


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def of(cls, score: float, threshold: float) -> Severity:
        ratio = score / threshold
        if ratio >= 2.5:
            return cls.HIGH
        if ratio >= 1.5:
            return cls.MEDIUM
        return cls.LOW


@dataclass(frozen=True, slots=True)
class AnomalyEvent:
    signal: str
    kind: str
    phase: str  # onset, escalate, end
    severity: Severity  # at onset/escalate: now; at end: the episode's peak
    value: float | None  # the sample that caused the event (end: the peak value)
    threshold: float
    score: float
    ts_ms: int
    cut_start_ms: int | None = None

    @property
    def key(self) -> str:
        return f"{self.signal}.{self.kind}"


class Detector:
    """Hysteresis and episode bookkeeping; subclasses say how a sample is scored and learnt."""

    kind = "base"

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        self.signal = settings.signal
        self.threshold = settings.threshold
        self._clear_below = settings.threshold * (1.0 - settings.hysteresis)
        self.status = Status.WARMING_UP
        self.active = False
        self.score: float | None = None
        self._peak_score = 0.0
        self._peak_value: float | None = None
        self._severity = Severity.LOW

    @property
    def key(self) -> str:
        return f"{self.signal}.{self.kind}"

    def update(self, value: float | None, ts_ms: int, cut_start_ms: int | None = None) -> AnomalyEvent | None:
        """Score and learn one sample; returns an event when an episode starts, grows or ends."""
        if value is None or not math.isfinite(value):
            self.status = Status.INVALID
            self.score = None
            return None
        score = self._score(value, ts_ms)
        self._learn(value, ts_ms)
        self.score = score
        if score is None:  # the subclass set why
            return None
        if self.active:
            if score < self._clear_below:
                return self._end(ts_ms, cut_start_ms)
            self.status = Status.ANOMALY
            if score > self._peak_score:
                self._peak_score, self._peak_value = score, value
                severity = Severity.of(score, self.threshold)
                if severity > self._severity:
                    self._severity = severity
                    return self._event("escalate", severity, value, score, ts_ms, cut_start_ms)
            return None
        if score > self.threshold:
            self.active = True
            self.status = Status.ANOMALY
            self._peak_score, self._peak_value = score, value
            self._severity = Severity.of(score, self.threshold)
            return self._event("onset", self._severity, value, score, ts_ms, cut_start_ms)
        self.status = Status.OK
        return None

    def pause(self, status: Status, ts_ms: int, cut_start_ms: int | None = None) -> AnomalyEvent | None:
        """Not looking now (saw not cutting, signal unknown): an open episode ends."""
        event = self._end(ts_ms, cut_start_ms) if self.active else None
        self.status = status
        self.score = None
        return event

    def _end(self, ts_ms: int, cut_start_ms: int | None) -> AnomalyEvent:
        self.active = False
        self.status = Status.OK
        return self._event("end", self._severity, self._peak_value, self._peak_score, ts_ms, cut_start_ms)

    def _event(self, phase: str, severity: Severity, value: float | None, score: float, ts_ms: int,  # noqa: PLR0917
               cut_start_ms: int | None) -> AnomalyEvent:
        return AnomalyEvent(self.signal, self.kind, phase, severity, value, self.threshold, score, ts_ms,
                            cut_start_ms)

    # --- for subclasses ------------------------------------------------------------------

    def _score(self, value: float, ts_ms: int) -> float | None:
        raise NotImplementedError

    def _learn(self, value: float, ts_ms: int) -> None:
        raise NotImplementedError


class ZScoreDetector(Detector):
    """|x - mean| / std over a sliding window (running sums, re-summed now and then for accuracy).

    Outliers are learnt winsorised (clipped to mean +- threshold x sigma): one spike does not
    blind the detector to the next, yet a lasting level shift is still learnt, step by step.
    """

    kind = "zscore"

    def __init__(self, settings: DetectorSettings) -> None:
        super().__init__(settings)
        self._window: deque[float] = deque(maxlen=settings.window)
        self._shift = 0.0
        self._sum = 0.0
        self._sumsq = 0.0
        self._since_resum = 0
        self._clip: tuple[float, float] | None = None

    def _score(self, value: float, ts_ms: int) -> float | None:
        n = len(self._window)
        self._clip = None
        if n < self.settings.min_samples:
            self.status = Status.WARMING_UP
            return None
        # Sums are of (value - shift), shift near the mean: no cancellation on large levels.
        offset = self._sum / n
        mean = self._shift + offset
        var = max((self._sumsq - self._sum * offset) / (n - 1), 0.0)
        sigma = max(math.sqrt(var), self.settings.min_spread)
        if sigma <= 0.0:
            self.status = Status.CONSTANT
            return None
        reach = self.threshold * sigma
        self._clip = (mean - reach, mean + reach)
        return abs(value - mean) / sigma

    def _learn(self, value: float, ts_ms: int) -> None:
        if self._clip is not None:
            value = min(max(value, self._clip[0]), self._clip[1])
        window = self._window
        if not window:
            self._shift = value
        shift = self._shift
        if len(window) == window.maxlen:
            old = window[0] - shift
            self._sum -= old
            self._sumsq -= old * old
        window.append(value)
        delta = value - shift
        self._sum += delta
        self._sumsq += delta * delta
        self._since_resum += 1
        if self._since_resum >= (window.maxlen or 1):
            self._shift = shift = math.fsum(window) / len(window)
            self._sum = math.fsum(v - shift for v in window)
            self._sumsq = math.fsum((v - shift) ** 2 for v in window)
            self._since_resum = 0


class IqrDetector(Detector):
    """Distance beyond Tukey's fences (Q1, Q3) in IQRs; quartiles refreshed every few samples."""

    kind = "iqr"

    def __init__(self, settings: DetectorSettings) -> None:
        super().__init__(settings)
        self._window: deque[float] = deque(maxlen=settings.window)
        self._refresh_every = max(1, settings.window // 20)
        self._since_refresh = self._refresh_every
        self._q1 = 0.0
        self._q3 = 0.0

    def _score(self, value: float, ts_ms: int) -> float | None:
        n = len(self._window)
        if n < self.settings.min_samples:
            self.status = Status.WARMING_UP
            return None
        if self._since_refresh >= self._refresh_every:
            ordered = sorted(self._window)
            self._q1 = _quantile(ordered, 0.25)
            self._q3 = _quantile(ordered, 0.75)
            self._since_refresh = 0
        iqr = max(self._q3 - self._q1, self.settings.min_spread)
        if iqr <= 0.0:
            self.status = Status.CONSTANT
            return None
        if value > self._q3:
            return (value - self._q3) / iqr
        if value < self._q1:
            return (self._q1 - value) / iqr
        return 0.0

    def _learn(self, value: float, ts_ms: int) -> None:
        self._window.append(value)
        self._since_refresh += 1


class RateDetector(Detector):
    """|dx/dt| in signal units per second, over the last ``window`` samples (noise averages out)."""

    kind = "rate"
    MAX_GAP_MS = 5_000  # a pause longer than this restarts the span: no slope across a gap

    def __init__(self, settings: DetectorSettings) -> None:
        super().__init__(settings)
        self._span: deque[tuple[float, int]] = deque(maxlen=settings.window)

    def _score(self, value: float, ts_ms: int) -> float | None:
        span = self._span
        if span and (ts_ms - span[-1][1] > self.MAX_GAP_MS or ts_ms < span[-1][1]):
            span.clear()
            self.status = Status.GAP
            return None
        if not span or len(span) + 1 < self.settings.min_samples:
            self.status = Status.WARMING_UP
            return None
        first_value, first_ts = span[0]
        dt_ms = ts_ms - first_ts
        if dt_ms <= 0:
            self.status = Status.GAP
            return None
        return abs(value - first_value) * 1000.0 / dt_ms

    def _learn(self, value: float, ts_ms: int) -> None:
        span = self._span
        if span and ts_ms <= span[-1][1]:
            return  # a repeated timestamp adds nothing to a slope
        span.append((value, ts_ms))

    def pause(self, status: Status, ts_ms: int, cut_start_ms: int | None = None) -> AnomalyEvent | None:
        self._span.clear()  # no slope across a pause
        return super().pause(status, ts_ms, cut_start_ms)


def _quantile(ordered: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted data (numpy's default method)."""
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
