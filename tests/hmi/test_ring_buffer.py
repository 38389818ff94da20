"""The ring buffer: newest window contiguous and correct across wrap-around, NaN for missing."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.ring_buffer import RingBuffer


def test_wraps_and_keeps_order() -> None:
    ring = RingBuffer(["a"], capacity=5)
    for i in range(12):
        ring.append(float(i), {"a": i * 10.0})
    assert len(ring) == 5
    assert ring.times().tolist() == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert ring.values("a").tolist() == [70.0, 80.0, 90.0, 100.0, 110.0]
    assert ring.values("a", 2).tolist() == [100.0, 110.0]
    assert ring.since(9.0) == 3
    assert ring.oldest_time() == 7.0


def test_views_share_memory_no_copy() -> None:
    ring = RingBuffer(["a"], capacity=100)
    for i in range(250):
        ring.append(float(i), {"a": float(i)})
    view = ring.values("a")
    assert view.base is not None  # a view into the preallocated buffer, not a copy
    assert view.flags["C_CONTIGUOUS"] or view.strides[0] == view.itemsize


def test_missing_value_is_nan() -> None:
    ring = RingBuffer(["a", "b"], capacity=3)
    ring.append(1.0, {"a": 1.0, "b": None})
    assert np.isnan(ring.values("b")[0])
    assert ring.values("a")[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 40), count=st.integers(0, 150), window=st.integers(0, 60))
def test_matches_a_plain_list(capacity: int, count: int, window: int) -> None:
    ring = RingBuffer(["v"], capacity)
    reference: list[float] = []
    for i in range(count):
        ring.append(float(i), {"v": float(i * 3)})
        reference.append(float(i * 3))
    expected = reference[-capacity:] if reference else []
    assert ring.values("v").tolist() == expected
    assert ring.values("v", window).tolist() == (expected[-window:] if window else [])
