"""The PostgreSQL mirror: every saw's SQLite data in one central database (see mirror.py)."""

from core.storage.pg.mirror import (
    ALARM_DOWN,
    ALARM_QUARANTINE,
    CommitInfo,
    MirrorUnavailable,
    PostgresMirror,
    RetryResult,
)
from core.storage.pg.state import QuarantinedRow
from core.storage.pg.tables import MIRRORED_TABLES, TableSpec

__all__ = [
    "ALARM_DOWN",
    "ALARM_QUARANTINE",
    "MIRRORED_TABLES",
    "CommitInfo",
    "MirrorUnavailable",
    "PostgresMirror",
    "QuarantinedRow",
    "RetryResult",
    "TableSpec",
]
