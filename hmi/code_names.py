"""What the screen calls core's codes, and what core says, in the screen's language.

Core records codes ("engineer", "user_role", "refused"): stable for the database, the CLI and
exports. People read these names instead, in the screen's language; a code without a name here is
shown as it is (the translation test lists core's codes and fails on one without a name).

Core's texts (refusals, log-in answers, alarm and audit details, replay notes) come as a code of
core.texts with parameters (``Result.code``/``params``, ``WriteResult`` too): :func:`core_text`
renders one through tr() (context "CoreTexts", the English template as the source) with numbers
in the locale, times in plant time, roles and actions by name. English core stored or passed on as
a plain string (log.db's audit details, an error inside an alarm text) is read back into a code
by the same templates (:func:`english_text`). A text no template knows is shown as core said it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QTimeZone

from core.api import TEXT_TEMPLATES, Text, TextParam, parse_text
from core.registers import RegisterMap
from hmi.formatting import format_g, format_number, plant_time, unit_suffix, unit_text
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
    "restore_speeds": QT_TRANSLATE_NOOP("CodeNames", "operator speeds restored"),
    "keep_speeds": QT_TRANSLATE_NOOP("CodeNames", "PLC speeds kept"),
    "model_trust": QT_TRANSLATE_NOOP("CodeNames", "trust ML model key"),
    "backup": QT_TRANSLATE_NOOP("CodeNames", "backup"),
    "restore": QT_TRANSLATE_NOOP("CodeNames", "restore"),
    "archive": QT_TRANSLATE_NOOP("CodeNames", "archive"),
    "export": QT_TRANSLATE_NOOP("CodeNames", "export"),
    "import_smart_saw": QT_TRANSLATE_NOOP("CodeNames", "import (older system)"),
    "audit_loss_accepted": QT_TRANSLATE_NOOP("CodeNames", "lost audit trail accepted"),
    "audit_missing": QT_TRANSLATE_NOOP("CodeNames", "audit trail found missing"),
    "users_sealed": QT_TRANSLATE_NOOP("CodeNames", "user records sealed"),
    "users_loss_accepted": QT_TRANSLATE_NOOP("CodeNames", "lost users accepted"),
    "users_loss_reported": QT_TRANSLATE_NOOP("CodeNames", "lost users reported"),
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
    "restore_backup_with_users": QT_TRANSLATE_NOOP("CodeNames", "restore with users"),
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

# The ML journal (ml.db decisions, core.control.journal): what a decision did, in which mode.
DECISION_ACTIONS = {
    "wait": QT_TRANSLATE_NOOP("DecisionNames", "wait"),
    "hold": QT_TRANSLATE_NOOP("DecisionNames", "hold"),
    "accumulate": QT_TRANSLATE_NOOP("DecisionNames", "accumulate"),
    "model": QT_TRANSLATE_NOOP("DecisionNames", "model"),
    "write": QT_TRANSLATE_NOOP("DecisionNames", "write"),
    "guard": QT_TRANSLATE_NOOP("DecisionNames", "guard"),
    "ceiling": QT_TRANSLATE_NOOP("DecisionNames", "ceiling"),
    "override": QT_TRANSLATE_NOOP("DecisionNames", "override"),
    "restore": QT_TRANSLATE_NOOP("DecisionNames", "restore"),
    "restore_held": QT_TRANSLATE_NOOP("DecisionNames", "restore held"),
    "restore_abandoned": QT_TRANSLATE_NOOP("DecisionNames", "restore given up"),
    "previous_run": QT_TRANSLATE_NOOP("DecisionNames", "previous run"),
    "stopped": QT_TRANSLATE_NOOP("DecisionNames", "stopped"),
    "fault": QT_TRANSLATE_NOOP("DecisionNames", "fault"),
    "refused": QT_TRANSLATE_NOOP("DecisionNames", "refused"),
}
DECISION_MODES = {
    "ml": QT_TRANSLATE_NOOP("DecisionNames", "ml"),
    "manual": QT_TRANSLATE_NOOP("DecisionNames", "manual"),
}

CUT_OUTCOMES = {  # core.analysis.cuts: how a cut ended
    "completed": QT_TRANSLATE_NOOP("CodeNames", "completed"),
    "aborted": QT_TRANSLATE_NOOP("CodeNames", "aborted"),
    "interrupted": QT_TRANSLATE_NOOP("CodeNames", "interrupted"),
    "error": QT_TRANSLATE_NOOP("CodeNames", "ended in error"),
}


def _name(table: dict[str, str], code: object, context: str = "CodeNames") -> str:
    text = str(getattr(code, "value", code))
    source = table.get(text)
    return translate(context, source) if source is not None else text


def role_name(role: object) -> str:
    """``engineer`` -> "mühendis" on a Turkish screen; an unknown role as it is."""
    return _name(ROLES, role)


def audit_action_name(action: str) -> str:
    return _name(AUDIT_ACTIONS, action)


def audit_result_name(result: object) -> str:
    return _name(AUDIT_RESULTS, result)


def cut_outcome_name(outcome: object) -> str:
    return _name(CUT_OUTCOMES, outcome) if outcome else ""


def decision_action_name(action: str) -> str:
    """An ML journal row's action ("restore") in the screen's language; an unknown one as it is."""
    return _name(DECISION_ACTIONS, action, "DecisionNames")


def decision_mode_name(mode: str) -> str:
    """The control mode of an ML journal row or mode change ("manual") in the screen's language."""
    return _name(DECISION_MODES, mode, "DecisionNames")


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


# The Production report's notes are texts of core.texts (written in English for the PDF and the CLI,
# read back here); the parts of OEE an "OEE not given" note names:
_PARTS = {"availability": QT_TRANSLATE_NOOP("ReportNotes", "availability"),
          "performance": QT_TRANSLATE_NOOP("ReportNotes", "performance"),
          "quality": QT_TRANSLATE_NOOP("ReportNotes", "quality")}


def report_note(note: str, shifts: Sequence[Any] = ()) -> str:
    """A report note in the screen's language (as it is when no text of core.texts reads it), a
    period's shift by its name in the screen's language."""
    coded = parse_text(note)
    if coded is not None and "period" in coded.params:
        label = str(coded.params["period"])
        shift = label.split(" ", maxsplit=1)[0]
        coded = Text(coded.code, {**coded.params, "period": period_label(shifts, label, shift)})
    shown = core_text(coded) if coded is not None else None
    return note if shown is None else shown


# --- core's texts ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]*))?\}")
# Parameters that may hold a text of core.texts themselves (a chip decision's ``source``: "grade 2").
NESTED = frozenset({"error", "detail", "source"})
# Parameters that name a register ("operator set descent_speed 35 -> 30", "band_current 131.3 A above
# the ceiling"): shown by the register map's label in the screen's language where a map is given.
REGISTER_PARAMS = frozenset({"name", "signal"})
MAX_DEPTH = 3  # a text inside a text inside a text: deeper ones are shown as core said them


def _shown(name: str, value: TextParam | None, spec: str, zone: QTimeZone | None, depth: int, *,
           registers: RegisterMap | None = None) -> str:
    if value is None:
        return "?"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and name.endswith("_ms"):
        return plant_time(int(value), zone=zone)
    if number:
        if spec.startswith(".") and spec.endswith("f") and spec[1:-1].isdigit():
            return format_number(float(value), int(spec[1:-1]))
        if spec == "d" or isinstance(value, int):
            return str(int(value))  # counts and ids: no thousands separator (1.234 reads as a decimal)
        return format_g(float(value))
    text = str(value)
    if name in REGISTER_PARAMS and registers is not None and text in registers:
        return registers[text].label_in(current_language())
    if name.endswith("role"):
        return role_name(text)
    if name == "permission":
        return audit_action_name(text)
    if name == "mode":
        return audit_value_name(text)
    if name == "unit":  # " mm/min" after a number: kept on the number's line (a no-break space, hmi.formatting)
        return unit_suffix(text.strip()) if text[:1].isspace() else unit_text(text.strip()) if text.strip() else text
    if name == "parts":  # "performance and quality"
        joiner = f" {translate('GuardSettingsPanel', 'and')} "
        return joiner.join(translate("ReportNotes", _PARTS.get(p, p)) for p in text.split(" and "))
    if name == "preset":
        return translate("OverviewPage", text.capitalize()) if text else text
    if name in NESTED:
        return english_text(text, zone=zone, depth=depth + 1, registers=registers)
    return text  # names, addresses, labels: as they are


def core_text(text: Text, *, zone: QTimeZone | None = None, depth: int = 0,
              registers: RegisterMap | None = None) -> str | None:
    """A text of core.texts in the screen's language; None for a code this program does not know.
    ``registers``: register names in it by their labels (the map's, in the screen's language)."""
    template = TEXT_TEMPLATES.get(text.code)
    if template is None:
        return None
    translated = translate("CoreTexts", template)
    return _PLACEHOLDER.sub(
        lambda m: _shown(m.group(1), text.params.get(m.group(1)), m.group(2) or "", zone, depth,
                         registers=registers),
        translated)


def english_text(text: str, *, zone: QTimeZone | None = None, depth: int = 0,
                 registers: RegisterMap | None = None) -> str:
    """English from core (a stored audit detail, an error inside a text) in the screen's language
    where a template of core.texts reads it whole; as it is otherwise."""
    if depth > MAX_DEPTH or not text:
        return text
    coded = parse_text(text)
    shown = core_text(coded, zone=zone, depth=depth, registers=registers) if coded is not None else None
    if shown is None and "; " in text:  # clamps, a refusal and its note: "; "-joined, each on its own
        parts = text.split("; ")
        shown = "; ".join(english_text(part, zone=zone, depth=depth + 1, registers=registers) for part in parts)
    return text if shown is None else shown


def reason_text(result: object, *, zone: QTimeZone | None = None) -> str:
    """What a Result or WriteResult says (its reason), in the screen's language: by its code, else by
    the templates, else the English reason as it is (a code this program does not know, free text)."""
    reason = str(getattr(result, "reason", "") or "")
    code = str(getattr(result, "code", "") or "")
    if code:
        shown = core_text(Text(code, dict(getattr(result, "params", {}) or {})), zone=zone)
        if shown is not None:
            return shown
    return english_text(reason, zone=zone)


def journal_text(text: str, registers: RegisterMap | None = None) -> str:
    """An ML journal reason or mode-change reason (English in ml.db) in the screen's language, read
    back by core.texts' templates part by part; a wording no template knows as core wrote it.
    With the register map, a register it names reads by its label ("operator set descent speed
    setpoint 35 -> 30", not "descent_speed"), in the screen's language."""
    return english_text(text, registers=registers)


def link_error(text: str) -> str:
    """A PLC link error in the screen's language where its wording is known (as it is otherwise)."""
    return english_text(text)


def audit_detail(text: str, *, zone: QTimeZone | None = None) -> str:
    """An audit row's detail in the screen's language: whole (a refusal's reason), else part by part
    ("; ") where core's wording is known."""
    return english_text(text, zone=zone)


def replay_reason(text: str) -> str:
    """A replay refusal or note from core in the screen's language (as it is when no template knows it)."""
    return english_text(text)


def alarm_text_for(alarm: Any, lang: str) -> str:
    """A live alarm's text in ``lang`` (core.analysis.alarms.Alarm.text_for) with its detail in ``lang`` too."""
    text = str(alarm.text_for(lang))
    return text if lang == "en" else alarm_text(text, str(getattr(alarm, "detail", "") or ""))


def downtime_text(cause: Any) -> str:
    """A downtime cause (core.api.DowntimeCause: an alarm's text as logged) in the screen's language."""
    return alarm_text_for(cause, current_language())


def alarm_text(text: str, detail: str) -> str:
    """An alarm's text in the screen's language with the raising code's ``detail`` (English, put in by
    core's catalogue) in the screen's language too where core.texts knows its wording."""
    if not detail or detail not in text:
        return text
    shown = english_text(detail)
    return text if shown == detail else text.replace(detail, shown)

