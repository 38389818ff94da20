"""Detectors: scoring, hysteresis, severity, and degenerate input that must never raise."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analysis.detectors import (
    Detector,
    IqrDetector,
    RateDetector,
    Severity,
    Status,
    ZScoreDetector,
    _quantile,
)
from core.analysis.settings import DetectorSettings

T0 = 1_700_000_000_000


def det(kind: str, **kw: object) -> DetectorSettings:
    base: dict[str, object] = {"signal": "band_current", "kind": kind, "threshold": 4.0, "min_samples": 20,
                               "window": 100}
    base.update(kw)
    return DetectorSettings(**base)


def feed_all(detector: Detector, values: Sequence[float | None],
             start: int = 0) -> list:
    events = []
    for i, value in enumerate(values, start=start):
        event = detector.update(value, T0 + 100 * i)
        if event is not None:
            events.append(event)
    return events


def noise(n: int, mean: float = 10.0, sd: float = 0.5, seed: int = 3) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(mean, sd) for _ in range(n)]


def test_zscore_warms_up_then_catches_a_spike_with_hysteresis() -> None:
    z = ZScoreDetector(det("zscore", hysteresis=0.5))
    feed_all(z, noise(10))
    assert z.status is Status.WARMING_UP and z.score is None
    assert feed_all(z, noise(100, seed=4), start=10) == []
    assert z.status is Status.OK
    events = feed_all(z, [20.0, 13.0, 11.5, 10.0], start=200)  # 20 sd, then 6 sd, 3 sd (still > 2), 0
    assert [e.phase for e in events] == ["onset", "end"]
    onset, end = events
    assert onset.severity is Severity.HIGH and onset.value == 20.0 and onset.score > 10
    assert end.ts_ms == T0 + 100 * 203 and end.value == 20.0


def test_zscore_escalates_when_the_episode_grows() -> None:
    z = ZScoreDetector(det("zscore"))
    feed_all(z, [9.5, 10.5] * 50)  # mean 10, sd 0.5
    events = feed_all(z, [12.3, 13.5, 20.0], start=100)
    assert [(e.phase, e.severity) for e in events] == [("onset", Severity.LOW), ("escalate", Severity.MEDIUM),
                                                       ("escalate", Severity.HIGH)]


def test_zscore_constant_signal_says_so() -> None:
    z = ZScoreDetector(det("zscore"))
    assert feed_all(z, [5.0] * 50 + [9.0]) == []
    assert z.status is Status.CONSTANT
    floored = ZScoreDetector(det("zscore", min_spread=0.5))
    events = feed_all(floored, [5.0] * 50 + [9.0])
    assert [e.phase for e in events] == ["onset"] and events[0].score == pytest.approx(8.0)


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, -math.inf])
def test_bad_values_are_invalid_not_errors(bad: float | None) -> None:
    for detector in (ZScoreDetector(det("zscore")), IqrDetector(det("iqr")), RateDetector(det("rate"))):
        feed_all(detector, noise(30))
        assert detector.update(bad, T0 + 10_000) is None
        assert detector.status is Status.INVALID
        feed_all(detector, noise(5), start=101)  # and carries on
        assert detector.status in (Status.OK, Status.ANOMALY, Status.GAP, Status.WARMING_UP)


def test_zscore_window_matches_numpy_after_many_samples() -> None:
    z = ZScoreDetector(det("zscore", window=50, threshold=100.0))  # no winsorising here
    values = noise(1234, mean=1e4, sd=0.01)
    feed_all(z, values)
    window = np.array(values[-50:])
    expected = abs(1e4 - window.mean()) / window.std(ddof=1)
    z.update(1e4, T0 + 10**7)
    assert z.score == pytest.approx(expected, rel=1e-6)


def test_iqr_quartiles_and_fences() -> None:
    data = sorted(noise(99))
    assert _quantile(data, 0.25) == pytest.approx(np.percentile(data, 25))
    assert _quantile(data, 0.75) == pytest.approx(np.percentile(data, 75))
    iqr = IqrDetector(det("iqr", threshold=3.0))
    feed_all(iqr, noise(100))
    events = feed_all(iqr, [30.0], start=100)
    assert [e.phase for e in events] == ["onset"] and events[0].kind == "iqr"
    assert iqr.active
    events = feed_all(iqr, [10.0], start=101)
    assert [e.phase for e in events] == ["end"]
    low = feed_all(iqr, [-10.0], start=102)
    assert [e.phase for e in low] == ["onset"]


def test_iqr_constant_and_too_few() -> None:
    iqr = IqrDetector(det("iqr"))
    feed_all(iqr, [1.0] * 5)
    assert iqr.status is Status.WARMING_UP
    feed_all(iqr, [1.0] * 50, start=5)
    assert iqr.update(100.0, T0 + 10**6) is None and iqr.status is Status.CONSTANT


def test_rate_of_change() -> None:
    rate = RateDetector(det("rate", threshold=10.0, min_samples=2, window=1))  # sample to sample
    assert rate.update(0.0, T0) is None and rate.status is Status.WARMING_UP
    assert rate.update(0.5, T0 + 100) is None and rate.score == pytest.approx(5.0)
    event = rate.update(2.0, T0 + 200)
    assert event is not None and event.phase == "onset" and event.score == pytest.approx(15.0)
    assert rate.update(2.0, T0 + 200) is None and rate.status is Status.GAP  # same timestamp
    assert rate.update(2.0, T0 + 60_000) is None and rate.status is Status.GAP  # too old: starts over
    end = rate.update(2.0, T0 + 60_100)
    assert end is not None and end.phase == "end"


def test_rate_over_a_span_ignores_noise_but_sees_a_ramp() -> None:
    rate = RateDetector(det("rate", threshold=0.5, min_samples=51, window=50))  # a full 5 s span
    noisy = [40.0 + (0.3 if i % 2 else -0.3) for i in range(100)]  # +-3 degC/s sample to sample
    assert feed_all(rate, noisy) == [] and rate.status is Status.OK
    ramp = [40.0 + 0.1 * i for i in range(1, 60)]  # 1 degC/s
    events = feed_all(rate, ramp, start=100)
    assert events and events[0].phase == "onset" and rate.active


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)), max_size=80),
       st.sampled_from(["zscore", "iqr", "rate"]))
def test_never_raises_on_arbitrary_input(values: list[float | None], kind: str) -> None:
    cls = {"zscore": ZScoreDetector, "iqr": IqrDetector, "rate": RateDetector}[kind]
    detector = cls(det(kind, min_samples=2, window=8))
    feed_all(detector, values)
    assert isinstance(detector.status, Status)
