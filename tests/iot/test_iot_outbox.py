"""The durable outbox on its own: order, acknowledgement, survival, caps."""

from __future__ import annotations

import json
from pathlib import Path

from core.iot.outbox import ROW_OVERHEAD_BYTES, Outbox


class FakeWall:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _records(start_ms: int, count: int, size: int = 10) -> list[tuple[int, str]]:
    return [(start_ms + i * 1000, json.dumps({"n": f"{i:05d}", "pad": "x" * size})) for i in range(count)]


def test_records_come_back_oldest_first_and_leave_only_when_deleted(tmp_path: Path) -> None:
    path = tmp_path / "mqtt_offline" / "outbox.db"
    box = Outbox(path, max_bytes=10**9, max_age_s=10**9)
    box.open()
    ids = box.add(_records(1_000, 5))
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert box.count == 5 and box.max_id == ids[-1] and box.oldest_ts_ms == 1_000
    rows = box.fetch(0, ids[-1], 3)
    assert [row.id for row in rows] == ids[:3]
    assert json.loads(rows[0].payload)["n"] == "00000"
    assert box.delete(ids[:2]) == 2
    assert box.delete(ids[:2]) == 0  # deleting twice is harmless
    assert box.count == 3 and box.oldest_ts_ms == 3_000
    box.close()

    reopened = Outbox(path, max_bytes=10**9, max_age_s=10**9)
    stats = reopened.open()
    assert stats.count == 3 and stats.max_id == ids[-1]
    assert [row.id for row in reopened.fetch(0, stats.max_id, 100)] == ids[2:]
    # New ids never reuse old ones (AUTOINCREMENT), even after the newest was deleted.
    reopened.delete(ids[2:])
    assert reopened.add(_records(9_000, 1))[0] > ids[-1]
    reopened.close()


def test_size_cap_drops_oldest_first(tmp_path: Path) -> None:
    records = _records(1_000, 100, size=100)
    one = len(records[0][1]) + ROW_OVERHEAD_BYTES
    box = Outbox(tmp_path / "outbox.db", max_bytes=one * 40, max_age_s=10**9, wall_clock=FakeWall(1_000.0))
    box.open()
    ids = box.add(records)
    dropped = box.enforce_caps()
    assert dropped.count == 60 and dropped.by_size == 60 and dropped.by_age == 0
    assert dropped.upto_id == ids[59]
    assert box.count == 40 and box.bytes <= one * 40
    assert [row.id for row in box.fetch(0, ids[-1], 1000)] == ids[60:]
    assert box.enforce_caps().count == 0
    box.close()


def test_age_cap_drops_records_older_than_the_limit(tmp_path: Path) -> None:
    wall = FakeWall(100.0)  # records at 1 s .. 20 s, "now" 100 s, keep the last 85 s
    box = Outbox(tmp_path / "outbox.db", max_bytes=10**9, max_age_s=85.0, wall_clock=wall)
    box.open()
    ids = box.add(_records(1_000, 20))
    dropped = box.enforce_caps()
    assert dropped.by_age == 14 and dropped.count == 14  # ts 1..14 s are older than 15 s
    assert box.count == 6 and box.oldest_ts_ms == 15_000
    assert [row.id for row in box.fetch(0, ids[-1], 100)] == ids[14:]
    box.close()
