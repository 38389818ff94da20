"""MlControl: built from settings with the shipped model; a tampered model is refused with an alarm."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.analysis.alarms import AlarmManager
from core.api import WriteResult
from core.config import PROJECT_ROOT, Settings
from core.control.journal import MemoryJournal
from core.control.ml_controller import ALARM_MODEL
from core.control.modes import Mode
from core.control.service import MlControl
from core.registers import RegisterMap


async def _never(name: str, value: float, *, user: str, reason: str, precheck: object = None,
                 live_check: object = None) -> WriteResult:
    raise AssertionError("no write expected")


def _control(settings: Settings, register_map: RegisterMap) -> tuple[MlControl, AlarmManager, MemoryJournal]:
    alarms, journal = AlarmManager(), MemoryJournal()
    return MlControl(settings, register_map, writer=_never, alarms=alarms, journal=journal), alarms, journal


def test_shipped_model_loads_and_modes_switch(settings: Settings, register_map: RegisterMap) -> None:
    control, alarms, journal = _control(settings, register_map)
    assert control.mode is Mode.MANUAL  # config default
    assert control.controller.model is not None and not alarms.active()
    assert control.request_mode("ml", user="anna") == (True, "")
    assert control.request_mode("turbo", user="anna")[0] is False
    assert control.status().mode == "ml" and control.status().model == "default"
    # The start first (no previous mode), then the operator's switch.
    assert [(row.old_mode, row.new_mode) for row in journal.mode_changes] == [("", "manual"), ("manual", "ml")]
    assert journal.mode_changes[0].reason == "engine started in manual" and journal.mode_changes[0].user == "system"


def test_tampered_model_refused_alarm_and_manual(
    settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    for suffix in (".json", ".skops"):
        shutil.copy(PROJECT_ROOT / "data" / "models" / f"default{suffix}", tmp_path / f"default{suffix}")
    with (tmp_path / "default.skops").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    settings.control.default_mode = "ml"
    settings.ml.model_path = tmp_path / "default"
    control, alarms, _ = _control(settings, register_map)
    assert control.mode is Mode.MANUAL and control.controller.model is None
    alarm = alarms.get(ALARM_MODEL)
    assert alarm is not None and alarm.condition and "sha256" in alarm.text
    assert control.request_mode("ml", user="anna") == (False, "no usable ML model loaded")
    ok, why = control.load_model(tmp_path / "default")
    assert not ok and "sha256" in why
    assert control.load_model(PROJECT_ROOT / "data" / "models" / "default") == (True, "")
    assert not alarms.is_active(ALARM_MODEL)


def test_the_start_is_journalled_before_a_start_fault(settings: Settings, register_map: RegisterMap) -> None:
    """Review: after a restart the Control page read the previous run's 'manual → ML' as the last change.
    The start is a row of its own; a default ML without a model then falls back to manual after it."""
    settings.control.default_mode = "ml"
    settings.ml.model_path = None
    control, _, journal = _control(settings, register_map)
    assert control.mode is Mode.MANUAL
    assert [(r.old_mode, r.new_mode, r.user) for r in journal.mode_changes] == [
        ("", "ml", "system"), ("ml", "manual", "system")]
    assert journal.mode_changes[0].reason == "engine started in ml"
    assert journal.mode_changes[0].as_db()["previous_mode"] is None  # ml.db: NULL, no previous mode
