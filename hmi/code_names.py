"""What the screen calls core's codes: roles, audit actions and results, the values an audit row holds.

Core records codes ("engineer", "user_role", "refused"): stable for the database, the CLI and
exports. People read these names instead, in the screen's language; a code without a name here is
shown as it is (the translation test lists core's codes and fails on one without a name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hmi.formatting import format_g, format_number, format_percent
from hmi.i18n import QT_TRANSLATE_NOOP, current_language, translate

ROLES = {
    "viewer": QT_TRANSLATE_NOOP("CodeNames", "viewer"),
    "operator": QT_TRANSLATE_NOOP("CodeNames", "operator"),
    "engineer": QT_TRANSLATE_NOOP("CodeNames", "engineer"),
    "admin": QT_TRANSLATE_NOOP("CodeNames", "admin"),
}

AUDIT_RESULTS = {
    "accepted": QT_TRANSLATE_NOOP("CodeNames", "accepted"),
    "clamped": QT_TRANSLATE_NOOP("CodeNames", "clamped"),
    "refused": QT_TRANSLATE_NOOP("CodeNames", "refused"),
    "failed": QT_TRANSLATE_NOOP("CodeNames", "failed"),
}

AUDIT_ACTIONS = {
    # what people and the engine do (core's trail.record calls)
    "write": QT_TRANSLATE_NOOP("CodeNames", "PLC write"),
    "heartbeat": QT_TRANSLATE_NOOP("CodeNames", "heartbeat"),
    "setting": QT_TRANSLATE_NOOP("CodeNames", "setting"),
    "set_mode": QT_TRANSLATE_NOOP("CodeNames", "control mode"),
    "band_note": QT_TRANSLATE_NOOP("CodeNames", "band note"),
    "load_model": QT_TRANSLATE_NOOP("CodeNames", "load ML model"),
    "model_trust": QT_TRANSLATE_NOOP("CodeNames", "trust ML model key"),
    "backup": QT_TRANSLATE_NOOP("CodeNames", "backup"),
    "restore": QT_TRANSLATE_NOOP("CodeNames", "restore"),
    "archive": QT_TRANSLATE_NOOP("CodeNames", "archive"),
    "export": QT_TRANSLATE_NOOP("CodeNames", "export"),
    "import_smart_saw": QT_TRANSLATE_NOOP("CodeNames", "import (older system)"),
    "replay_start": QT_TRANSLATE_NOOP("CodeNames", "replay start"),
    "replay_stop": QT_TRANSLATE_NOOP("CodeNames", "replay stop"),
    "login": QT_TRANSLATE_NOOP("CodeNames", "login"),
    "login_failed": QT_TRANSLATE_NOOP("CodeNames", "failed login"),
    "logout": QT_TRANSLATE_NOOP("CodeNames", "logout"),
    "user_add": QT_TRANSLATE_NOOP("CodeNames", "user added"),
    "user_passwd": QT_TRANSLATE_NOOP("CodeNames", "PIN changed"),
    "user_enable": QT_TRANSLATE_NOOP("CodeNames", "user enabled"),
    "user_disable": QT_TRANSLATE_NOOP("CodeNames", "user disabled"),
    "user_role": QT_TRANSLATE_NOOP("CodeNames", "role changed"),
    "alarm_acknowledge": QT_TRANSLATE_NOOP("CodeNames", "alarm acknowledged"),
    "alarm_shelve": QT_TRANSLATE_NOOP("CodeNames", "alarm shelved"),
    "alarm_unshelve": QT_TRANSLATE_NOOP("CodeNames", "alarm unshelved"),
    "alarm_remove_from_service": QT_TRANSLATE_NOOP("CodeNames", "alarm out of service"),
    "alarm_return_to_service": QT_TRANSLATE_NOOP("CodeNames", "alarm back in service"),
    # a refused permission is recorded under the permission's (or its alias's) name
    "view": QT_TRANSLATE_NOOP("CodeNames", "view"),
    "acknowledge_alarm": QT_TRANSLATE_NOOP("CodeNames", "acknowledge alarm"),
    "shelve_alarm": QT_TRANSLATE_NOOP("CodeNames", "shelve alarm"),
    "use_preset": QT_TRANSLATE_NOOP("CodeNames", "speed preset"),
    "note_band": QT_TRANSLATE_NOOP("CodeNames", "band note"),
    "apply_preset": QT_TRANSLATE_NOOP("CodeNames", "speed preset"),
    "toggle_ml": QT_TRANSLATE_NOOP("CodeNames", "ML on/off"),
    "write_register": QT_TRANSLATE_NOOP("CodeNames", "PLC write"),
    "change_control_settings": QT_TRANSLATE_NOOP("CodeNames", "control settings"),
    "edit_torque_guard": QT_TRANSLATE_NOOP("CodeNames", "torque guard settings"),
    "change_ml_settings": QT_TRANSLATE_NOOP("CodeNames", "ML settings"),
    "load_ml_model": QT_TRANSLATE_NOOP("CodeNames", "load ML model"),
    "backup_now": QT_TRANSLATE_NOOP("CodeNames", "backup"),
    "verify_backup": QT_TRANSLATE_NOOP("CodeNames", "verify backup"),
    "export_data": QT_TRANSLATE_NOOP("CodeNames", "export"),
    "leave_kiosk": QT_TRANSLATE_NOOP("CodeNames", "leave kiosk"),
    "quit": QT_TRANSLATE_NOOP("CodeNames", "leave kiosk"),
    "manage_users": QT_TRANSLATE_NOOP("CodeNames", "manage users"),
    "restore_backup": QT_TRANSLATE_NOOP("CodeNames", "restore"),
    "replay": QT_TRANSLATE_NOOP("CodeNames", "replay"),
}

# Values an audit row holds in its old/new columns besides numbers (roles above too).
AUDIT_VALUES = {
    "enabled": QT_TRANSLATE_NOOP("CodeNames", "enabled"),
    "disabled": QT_TRANSLATE_NOOP("CodeNames", "disabled"),
    "manual": QT_TRANSLATE_NOOP("CodeNames", "manual"),
    "ml": QT_TRANSLATE_NOOP("CodeNames", "ML"),
    "normal": QT_TRANSLATE_NOOP("CodeNames", "normal"),
    "unacknowledged": QT_TRANSLATE_NOOP("CodeNames", "unacknowledged"),
    "acknowledged": QT_TRANSLATE_NOOP("CodeNames", "acknowledged"),
    "returned_unacknowledged": QT_TRANSLATE_NOOP("CodeNames", "cleared, unacknowledged"),
    "shelved": QT_TRANSLATE_NOOP("CodeNames", "shelved"),
    "out_of_service": QT_TRANSLATE_NOOP("CodeNames", "out of service"),
}

CUT_OUTCOMES = {  # core.analysis.cuts: how a cut ended
    "completed": QT_TRANSLATE_NOOP("CodeNames", "completed"),
    "aborted": QT_TRANSLATE_NOOP("CodeNames", "aborted"),
    "interrupted": QT_TRANSLATE_NOOP("CodeNames", "interrupted"),
    "error": QT_TRANSLATE_NOOP("CodeNames", "ended in error"),
}


def _name(table: dict[str, str], code: object) -> str:
    text = str(getattr(code, "value", code))
    source = table.get(text)
    return translate("CodeNames", source) if source is not None else text


def role_name(role: object) -> str:
    """``engineer`` -> "mühendis" on a Turkish screen; an unknown role as it is."""
    return _name(ROLES, role)


def audit_action_name(action: str) -> str:
    return _name(AUDIT_ACTIONS, action)


def audit_result_name(result: object) -> str:
    return _name(AUDIT_RESULTS, result)


def cut_outcome_name(outcome: object) -> str:
    return _name(CUT_OUTCOMES, outcome) if outcome else ""


def audit_value_name(value: object) -> str:
    """An old/new value: a role, a state or a mode by name; anything else (numbers, names) as it is."""
    text = str(getattr(value, "value", value))
    return _name(ROLES, text) if text in ROLES else _name(AUDIT_VALUES, text)


def shift_name(shifts: Sequence[Any], name: str) -> str:
    """A configured shift's name on this screen: its ``tr: {name: ...}`` in Turkish, else as configured.
    ``shifts``: settings.production.shifts."""
    shift = next((s for s in shifts if s.name == name), None)
    texts = getattr(shift, current_language(), None) if shift is not None else None
    return texts.name if texts is not None else name


def period_label(shifts: Sequence[Any], label: str, shift: str | None) -> str:
    """A report period's label ("Early 2026-12-02") with the shift named in the screen's language."""
    if shift and label.startswith(shift):
        return shift_name(shifts, shift) + label[len(shift):]
    return label


# The Production report's notes (core.production.report writes them in English for the PDF and the
# CLI): each pattern's groups fill the Turkish template; numbers are written again in the locale.
_NUMBER = r"(\d+(?:\.\d+)?)"
REPORT_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no planned time in this period \(no shift falls in it\)"),
     QT_TRANSLATE_NOOP("ReportNotes", "no planned time in this period (no shift falls in it)")),
    (re.compile(r"no data for (.+): nothing recorded in this period, figures left blank"),
     QT_TRANSLATE_NOOP("ReportNotes", "no data for %1: nothing recorded in this period, figures left blank")),
    (re.compile(rf"no data for {_NUMBER} % of planned time \({_NUMBER} h\): availability is over the {_NUMBER} h "
                r"with data"),
     QT_TRANSLATE_NOOP("ReportNotes", "no data for %1 of planned time (%2 h): availability is over the %3 h "
                                      "with data")),
    (re.compile(r"(\d+) cut\(s\) without a section: area unknown, not counted"),
     QT_TRANSLATE_NOOP("ReportNotes", "%1 cut(s) without a section: area unknown, not counted")),
    (re.compile(r"(\d+) cut\(s\) without a depth or ideal speed: left out of performance"),
     QT_TRANSLATE_NOOP("ReportNotes", "%1 cut(s) without a depth or ideal speed: left out of performance")),
    (re.compile(r"(\d+) cut\(s\) with band id 0 or none: band unknown"),
     QT_TRANSLATE_NOOP("ReportNotes", "%1 cut(s) with band id 0 or none: band unknown")),
    (re.compile(r"(\d+) cut\(s\) ended outside planned time: not in these figures"),
     QT_TRANSLATE_NOOP("ReportNotes", "%1 cut(s) ended outside planned time: not in these figures")),
    (re.compile(r"saw states from (.+)"), QT_TRANSLATE_NOOP("ReportNotes", "saw states from %1")),
    (re.compile(rf"performance {_NUMBER} % is above 100 %: the saw cut faster than the chart or preset speed "
                r"\(a wrong chart speed, or a simulator speed-up\)"),
     QT_TRANSLATE_NOOP("ReportNotes", "performance %1 is above %2: the saw cut faster than the chart or preset speed "
                                      "(a wrong chart speed, or a simulator speed-up)")),
    (re.compile(r"OEE not given: (.+) above 100 % would overstate it"),
     QT_TRANSLATE_NOOP("ReportNotes", "OEE not given: %1 above %2 would overstate it")),
)
_PARTS = {"availability": QT_TRANSLATE_NOOP("ReportNotes", "availability"),
          "performance": QT_TRANSLATE_NOOP("ReportNotes", "performance"),
          "quality": QT_TRANSLATE_NOOP("ReportNotes", "quality")}


def report_note(note: str, shifts: Sequence[Any] = ()) -> str:
    """A report note in the screen's language (as it is when no pattern knows it)."""
    for pattern, template in REPORT_NOTES:
        match = pattern.fullmatch(note)
        if match is None:
            continue
        text = translate("ReportNotes", template)
        values = list(match.groups())
        if template.startswith("no data for %1 of"):
            values = [format_percent(float(values[0]), 1), *(format_number(float(v), 2) for v in values[1:])]
        elif template.startswith("performance"):
            values = [format_percent(float(values[0]), 1), format_percent(100.0, 0)]
        elif template.startswith("OEE"):
            joiner = f" {translate('GuardSettingsPanel', 'and')} "
            values = [joiner.join(translate("ReportNotes", _PARTS.get(p, p)) for p in values[0].split(" and ")),
                      format_percent(100.0, 0)]
        elif template.startswith("no data for %1:"):
            machine, _, label = values[0].rpartition(", ")
            values = [f"{machine}, {period_label(shifts, label, label.split(' ')[0])}" if machine else values[0]]
        for i, value in enumerate(values, start=1):
            text = text.replace(f"%{i}", value)
        return text
    return note


# The PLC link's most frequent failures (core.modbus.client; the engine process's own watchdog),
# shown on the link-loss banner; other link errors come from the Modbus library, shown as they are.
_LINK_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"cannot connect to (\S+): refused or no answer within (\S+) s"),
     QT_TRANSLATE_NOOP("LinkErrors", "cannot connect to %1: refused or no answer within %2 s")),
    (re.compile(r"the engine is not answering \((\S+) s\)"),
     QT_TRANSLATE_NOOP("LinkErrors", "the engine is not answering (%1 s)")),
)


def link_error(text: str) -> str:
    """A PLC link error in the screen's language where its wording is known (as it is otherwise)."""
    for pattern, template in _LINK_ERRORS:
        match = pattern.fullmatch(text)
        if match is not None:
            result = translate("LinkErrors", template)
            for i, value in enumerate(match.groups(), start=1):
                number = re.fullmatch(r"\d+(\.\d+)?", value)
                result = result.replace(f"%{i}", format_g(float(value)) if number else value)
            return result
    return text


# The audit trail's details that core writes most (log-in, log-out, writes): each "; "-separated
# part by pattern; a part no pattern knows (an envelope's or the PLC's reason) is shown as it is.
_AUDIT_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"requested (\S+)"), QT_TRANSLATE_NOOP("AuditDetails", "requested %1")),
    (re.compile(r"reason: preset (\S+)"), QT_TRANSLATE_NOOP("AuditDetails", "reason: preset %1")),
    (re.compile(r"role (\w+) \(session renewed\)"), QT_TRANSLATE_NOOP("AuditDetails", "role %1 (session renewed)")),
    (re.compile(r"role (\w+)"), QT_TRANSLATE_NOOP("AuditDetails", "role %1")),
    (re.compile(r"(\S+) logged in at this screen"), QT_TRANSLATE_NOOP("AuditDetails", "%1 logged in at this screen")),
    (re.compile(r"first admin"), QT_TRANSLATE_NOOP("AuditDetails", "first admin")),
    (re.compile(r"logged out"), QT_TRANSLATE_NOOP("AuditDetails", "logged out")),
    (re.compile(r"user disabled or removed"), QT_TRANSLATE_NOOP("AuditDetails", "user disabled or removed")),
    # failed log-ins and lock-outs (core.security.access), the users' command line (core.security.cli)
    (re.compile(r"wrong name or PIN"), QT_TRANSLATE_NOOP("AuditDetails", "wrong name or PIN")),
    (re.compile(r"disabled"), QT_TRANSLATE_NOOP("AuditDetails", "user disabled")),
    (re.compile(r"(\d+) in a row"), QT_TRANSLATE_NOOP("AuditDetails", "%1 in a row")),
    (re.compile(r"wrong PIN, (\d+) in a row"), QT_TRANSLATE_NOOP("AuditDetails", "wrong PIN, %1 in a row")),
    (re.compile(r"locked for (\d+) s"), QT_TRANSLATE_NOOP("AuditDetails", "locked for %1 s")),
    (re.compile(r"locked out, (\d+) s left"), QT_TRANSLATE_NOOP("AuditDetails", "locked out, %1 s left")),
    (re.compile(r"command line, os user (.+)"), QT_TRANSLATE_NOOP("AuditDetails", "command line, OS user %1")),
    (re.compile(r"PIN/password changed"), QT_TRANSLATE_NOOP("AuditDetails", "PIN/password changed")),
    (re.compile(r"lock-out cleared"), QT_TRANSLATE_NOOP("AuditDetails", "lock-out cleared")),
)


def audit_detail(text: str) -> str:
    """An audit row's detail in the screen's language, part by part where core's wording is known."""
    parts = []
    for original in text.split("; "):
        part = original
        for pattern, template in _AUDIT_DETAILS:
            match = pattern.fullmatch(original)
            if match is not None:
                value = match.group(1) if match.groups() else ""
                if template.startswith("requested") and re.fullmatch(r"-?[\d.]+", value):
                    value = format_g(float(value))
                elif template.startswith("role"):
                    value = role_name(value)
                elif template.startswith("reason: preset"):
                    value = translate("OverviewPage", value.capitalize()) if value else value
                part = translate("AuditDetails", template).replace("%1", value)
                break
        parts.append(part)
    return "; ".join(parts)
