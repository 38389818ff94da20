"""What core's replay says (a refusal, a note on the bar) in the screen's language.

Core words its reasons in English for the log, the audit trail and the CLI; the screen shows the
ones it knows by pattern, with core's times (the engine computer's local time) in plant time as
the chooser and the bar show every other time. A reason no pattern knows is shown as it is.
"""

from __future__ import annotations

import re
from datetime import datetime

from hmi.formatting import format_g, plant_time
from hmi.i18n import QT_TRANSLATE_NOOP, translate

_TIME = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"no recorded samples from {_TIME} to {_TIME}: nothing has been recorded yet"),
     QT_TRANSLATE_NOOP("ReplayReasons", "no recorded samples from %1 to %2: nothing has been recorded yet")),
    (re.compile(rf"no recorded samples from {_TIME} to {_TIME}; the recording holds {_TIME} to {_TIME}"),
     QT_TRANSLATE_NOOP("ReplayReasons", "no recorded samples from %1 to %2; the recording holds %3 to %4")),
    (re.compile(rf"no recorded samples from {_TIME} to {_TIME}"),
     QT_TRANSLATE_NOOP("ReplayReasons", "no recorded samples from %1 to %2")),
    (re.compile(rf"the period ends \({_TIME}\) before it starts \({_TIME}\)"),
     QT_TRANSLATE_NOOP("ReplayReasons", "the period ends (%1) before it starts (%2)")),
    (re.compile(rf"no recording from {_TIME} to {_TIME}: skipped"),
     QT_TRANSLATE_NOOP("ReplayReasons", "no recording from %1 to %2: skipped")),
    (re.compile(r"speed ([\d.]+)x is outside ([\d.]+)x to ([\d.]+)x"),
     QT_TRANSLATE_NOOP("ReplayReasons", "speed %1x is outside %2x to %3x")),
    (re.compile(r"no replay is running"), QT_TRANSLATE_NOOP("ReplayReasons", "no replay is running")),
    (re.compile(r"cannot read the recorded samples: (.+)"),
     QT_TRANSLATE_NOOP("ReplayReasons", "cannot read the recorded samples: %1")),
    (re.compile(r"ML controls the speeds: switch to manual first \(nothing may be written to the PLC during replay\)"),
     QT_TRANSLATE_NOOP("ReplayReasons", "ML controls the speeds: switch to manual first "
                                        "(nothing may be written to the PLC during replay)")),
)


def replay_reason(text: str) -> str:
    """A replay refusal or note from core in the screen's language (as it is when no pattern knows it)."""
    for pattern, template in _REASONS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        result = translate("ReplayReasons", template)
        for i, value in enumerate(match.groups(), start=1):
            result = result.replace(f"%{i}", _value(value))
        return result
    return text


def _value(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
        # core.replay.reader.when: the engine computer's local time; the screen speaks plant time
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        return plant_time(int(moment.timestamp() * 1000))
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return format_g(float(value))
    return value
