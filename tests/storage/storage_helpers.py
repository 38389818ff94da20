"""Helpers for the storage tests: snapshots, settings variants, waiting on conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.config import Settings, SqliteSettings
from core.snapshot import Quality, Snapshot

COLUMNS = ("head_height", "band_torque", "band_current", "saw_state")


def snapshot(seq: int, values: dict[str, float | None], quality: Quality = Quality.GOOD) -> Snapshot:
    return Snapshot(seq=seq, ts_ms=1_700_000_000_000 + seq * 100, monotonic=float(seq), values=values,
                    raw={}, quality=quality)


def good(seq: int, columns: Sequence[str] = COLUMNS) -> Snapshot:
    return snapshot(seq, {name: seq + i / 10 for i, name in enumerate(columns)})


def sqlite_settings(settings: Settings, **changes: Any) -> SqliteSettings:
    return settings.database.sqlite.model_copy(update=changes)

