"""The engine's process says clearly, once, when its priorities are not granted: which limit is
missing, what it needs, and who grants it (the installer's limits for the kiosk operator)."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from core import engine_host

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux scheduling")


def _refuse(*_args: object) -> None:
    raise PermissionError(1, "Operation not permitted")


def test_real_time_priority_not_granted_is_a_clear_warning(monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", _refuse)
    with caplog.at_level(logging.INFO, logger="bandsaw.engine.host"):
        engine_host._run_first()
    [record] = [r for r in caplog.records if "real-time" in r.getMessage()]
    text = record.getMessage()
    assert record.levelno == logging.WARNING
    assert f"SCHED_RR {engine_host.ENGINE_RT_PRIORITY} not granted" in text and "RLIMIT_RTPRIO" in text
    assert "/etc/security/limits.d/90-bandsaw-hmi.conf" in text and "next login" in text


def test_niceness_not_granted_is_a_clear_warning(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(os, "setpriority", _refuse)
    with caplog.at_level(logging.INFO, logger="bandsaw.engine.host"):
        engine_host._raise_priority()
    [record] = [r for r in caplog.records if "priority" in r.getMessage()]
    text = record.getMessage()
    assert record.levelno == logging.WARNING
    assert f"nice {engine_host.ENGINE_NICE:+d} not granted" in text and "RLIMIT_NICE" in text
    assert f"needs {20 - engine_host.ENGINE_NICE}" in text and "limits.d" in text
