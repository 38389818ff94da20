"""What core tells people, as a stable code with parameters: one catalogue of every such text.

Core words refusals, log-in answers, alarm details and audit details in English for the log, the
audit trail and the CLI. A front end that speaks another language needs more than the English:
each text here has a stable code ("login.wrong_pin") and an English template with named
placeholders ("try again in {seconds:.0f} s"); core hands out a :class:`Text` (code + parameters),
``str(text)`` is the English. The HMI renders the code in the screen's language (tr() of the
template, numbers in the locale) and shows the English for a code it does not know.

Texts core stored as English before (log.db's audit details, alarm texts with an error inside)
are read back into code + parameters by :func:`parse`: the same templates, matched whole.

Placeholders: ``{name}`` or ``{name:spec}`` (a format spec for numbers: ``.0f``, ``g``).
By name: ``*_ms`` is an epoch time in ms (English: the engine computer's local time),
``*role`` a role, ``permission`` a permission or audit action, ``unit`` a unit; every other
string parameter may itself be a text of this catalogue (an error inside a refusal).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

Param = str | int | float
Params = Mapping[str, Param]

TEMPLATES: dict[str, str] = {}  # code -> English template: every code core can emit
_FORMATTER = string.Formatter()
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def placeholders(template: str) -> list[tuple[str, str]]:
    """(name, format spec) of each placeholder, in order."""
    return [(name, spec or "") for _, name, spec, _ in _FORMATTER.parse(template) if name is not None]


@dataclass(frozen=True, slots=True)
class Text:
    """A text of the catalogue: ``code`` and its parameters; ``str()`` is the English."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __str__(self) -> str:
        return english(self.code, self.params)


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    template: str

    def __call__(self, **params: Param) -> Text:
        wanted = {name for name, _ in placeholders(self.template)}
        if set(params) != wanted:
            raise TypeError(f"{self.code}: parameters {sorted(params)}, the template has {sorted(wanted)}")
        return Text(self.code, dict(params))


def define(code: str, template: str) -> Code:
    if code in TEMPLATES:
        raise ValueError(f"text code {code!r} defined twice")
    placeholders(template)  # a bad template fails at import
    TEMPLATES[code] = template
    return Code(code, template)


def english_value(name: str, value: Param, spec: str) -> str:
    if name.endswith("_ms") and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000).strftime(TIME_FORMAT)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec:
            return format(int(value) if spec[-1] == "d" else float(value), spec)
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)


def english(code: str, params: Params) -> str:
    """The English of ``code`` with ``params`` (a missing parameter reads '?'; an unknown code its name)."""
    template = TEMPLATES.get(code)
    if template is None:
        return code
    out = []
    for literal, name, spec, _ in _FORMATTER.parse(template):
        out.append(literal)
        if name is not None:
            value = params.get(name)
            out.append("?" if value is None else english_value(name, value, spec or ""))
    return "".join(out)


def coded(reason: str | Text | BaseException) -> tuple[str, Text | None]:
    """(the English, the same as a coded Text or None): a Text as it is, an exception's ``.text``,
    else the English read back by :func:`parse` (a catalogued wording passed on as a string)."""
    if isinstance(reason, Text):
        return str(reason), reason
    english_text = str(reason)
    text = getattr(reason, "text", None) if isinstance(reason, BaseException) else None
    return english_text, text if isinstance(text, Text) else parse(english_text)


class CodedError(Exception):
    """An exception whose message is a :class:`Text` (``.text``); ``str()`` is the English."""

    def __init__(self, text: Text | str) -> None:
        super().__init__(str(text))
        self.text = text if isinstance(text, Text) else None


# --- reading English back (texts stored before, or carried as a plain string) -------------------

_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_patterns: list[tuple[re.Pattern[str], str, dict[str, str]]] = []


def _compiled() -> list[tuple[re.Pattern[str], str, dict[str, str]]]:
    if len(_patterns) != len(TEMPLATES):
        found = []
        for code, template in TEMPLATES.items():
            regex: list[str] = []
            specs: dict[str, str] = {}
            literal = 0
            for text, name, spec, _ in _FORMATTER.parse(template):
                regex.append(re.escape(text))
                literal += len(text)
                if name is not None:
                    if name in specs:
                        regex.append(f"(?P={name})")
                        continue
                    specs[name] = spec or ""
                    if name.endswith("_ms"):
                        regex.append(f"(?P<{name}>{_TIME.pattern})")
                    elif spec and spec[-1] in "fgd":
                        regex.append(f"(?P<{name}>{_NUMBER})")
                    elif name == "unit":  # " mm/min" after a number, or nothing
                        regex.append(f"(?P<{name}>(?: \\S+)?)")
                    else:
                        regex.append(f"(?P<{name}>.+?)")
            found.append((literal, re.compile("".join(regex), re.DOTALL), code, specs))
        found.sort(key=lambda item: -item[0])  # the most specific wording first
        _patterns[:] = [(pattern, code, specs) for _, pattern, code, specs in found]
    return _patterns


def parse(text: str) -> Text | None:
    """``text`` (English, whole) read back as a code and parameters; None when no template fits.
    Numbers come back as numbers, times (``*_ms``) as epoch ms of the local time they name."""
    for pattern, code, specs in _compiled():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        params: dict[str, Param] = {}
        for name, value in match.groupdict().items():
            spec = specs.get(name, "")
            if name.endswith("_ms") and _TIME.fullmatch(value):
                params[name] = int(datetime.strptime(value, TIME_FORMAT).timestamp() * 1000)
            elif spec and spec[-1] in "fgd":
                number = float(value)
                params[name] = int(number) if spec[-1] == "d" else number
            else:
                params[name] = value
        return Text(code, params)
    return None


# --- the catalogue ---------------------------------------------------------------------------------
# Log-in and access (core.security.access, core.engine_sessions)
WRONG_NAME_OR_PIN = define("login.wrong", "Wrong name or PIN")
LOCKED_OUT = define("login.locked", "Too many failed attempts: try again in {seconds:.0f} s")
USERS_DB_UNUSABLE = define("users.db_unusable",
                           "Users database unusable: logins and engineer functions refused (see the log)")
USER_TAMPERED = define("login.tampered",
                       "{user}'s entry in the users database was changed outside the program: refused "
                       "(call the administrator)")
USERS_LOST = define("users.lost",
                    "The audit trail shows users this users database does not have ({names}): restore it from "
                    "a backup (call the administrator)")
USERS_DB_TAMPERED = define("users.db_tampered", "Users database changed outside the program: {detail}")
UNKNOWN_ACTION = define("access.unknown_action", "unknown action '{permission}'")
ENGINE_ACTOR = define("access.engine_actor", "'{user}' is an engine actor and may not {permission}")
NOBODY_VIEW_ONLY = define("access.nobody_viewer",
                          "{permission} needs {need_role} rights; nobody is logged in (view only): log in first")
NOBODY_ROLE_VIEW = define("access.nobody_role",
                          "{permission} needs {need_role} rights; nobody is logged in ({role} view): log in first")
NOT_LOGGED_IN = define("access.not_logged_in", "{user} is not logged in")
USER_IS_DISABLED = define("access.disabled", "{user} is disabled")
NEEDS_ROLE = define("access.needs_role", "{permission} needs {need_role} rights; {user} is {role}")

# User management (core.security.users)
BAD_USER_NAME = define("users.bad_name",
                       "user name '{name}': 2-32 characters, a letter first, then letters, digits, '_', '.', '-'")
RESERVED_NAME = define("users.reserved", "user name '{name}' is reserved for the program")
BAD_ROLE = define("users.bad_role", "role '{name}': use one of {roles}")
SECRET_TOO_SHORT = define("users.secret_short", "PIN/password too short: at least {count:d} characters")
SECRET_SPACES = define("users.secret_spaces", "PIN/password: no leading/trailing spaces or control characters")
USER_EXISTS = define("users.exists", "user '{name}' exists already")
ADMIN_EXISTS = define("users.admin_exists", "an admin exists already: log in as admin to add users")
USER_EXISTS_NOT_ADMIN = define("users.exists_not_admin", "user '{name}' exists already (not as an enabled admin)")
LAST_ADMIN_ENABLE = define("users.last_admin_disable",
                           "'{name}' is the last enabled admin: enable or add another admin first")
LAST_ADMIN_ROLE = define("users.last_admin_role", "'{name}' is the last enabled admin: make another admin first")
NO_SUCH_USER = define("users.unknown", "no user '{name}'")

# The audit trail's details (core.security.access, core.modbus.writer, core.security.cli): each
# "; "-separated part of a detail is one of these
A_ROLE = define("audit.role", "role {role}")
A_ROLE_RENEWED = define("audit.role_renewed", "role {role} (session renewed)")
A_FIRST_ADMIN = define("audit.first_admin", "first admin")
A_LOGGED_OUT = define("audit.logged_out", "logged out")
A_USER_GONE = define("audit.user_gone", "user disabled or removed")
A_WRONG = define("audit.wrong", "wrong name or PIN")
A_DISABLED = define("audit.disabled", "disabled")
A_IN_A_ROW = define("audit.in_a_row", "{count:d} in a row")
A_WRONG_PIN_ROW = define("audit.wrong_pin_row", "wrong PIN, {count:d} in a row")
A_LOCKED_FOR = define("audit.locked_for", "locked for {seconds:.0f} s")
A_LOCKED_LEFT = define("audit.locked_left", "locked out, {seconds:.0f} s left")
A_COMMAND_LINE = define("audit.command_line", "command line, os user {os_user}")
A_SECRET_CHANGED = define("audit.secret_changed", "PIN/password changed")
A_LOCK_CLEARED = define("audit.lock_cleared", "lock-out cleared")
A_REQUESTED = define("audit.requested", "requested {value:g}")
A_REASON_PRESET = define("audit.reason_preset", "reason: preset {preset}")
A_LOGGED_IN_HERE = define("audit.logged_in_here", "{user} logged in at this screen")
A_INACTIVITY = define("audit.inactivity", "inactivity ({seconds:g} s)")
A_PROGRAM_STOPPED = define("audit.program_stopped", "program stopped")
A_DISABLED_BY = define("audit.disabled_by", "disabled by {user}")

# The PLC link (core.modbus.client, core.modbus.health; the HMI's engine watchdog)
CANNOT_CONNECT = define("link.cannot_connect", "cannot connect to {address}: refused or no answer within {seconds:g} s")
ENGINE_NOT_ANSWERING = define("link.engine_silent", "the engine is not answering ({seconds:g} s)")
LINK_LOST = define("link.lost", "PLC link lost: {error}")
NO_ANSWER = define("link.no_answer", "no answer")
CONNECT_FAILED = define("link.connect_failed", "cannot connect to {address}: {error}")
NO_ANSWER_WITHIN = define("link.no_answer_within", "no answer within {seconds:g} s")
NOT_CONNECTED = define("link.not_connected", "not connected")
RETRY_PENDING = define("link.retry_pending", "waiting to retry after: {error}")
NOT_REACHABLE = define("link.not_reachable", "not reachable: {error}")

# Commands (core.engine_commands, core.engine)
ENGINE_NOT_RUNNING = define("engine.not_running", "the engine is not running")
NOTHING_TO_ACKNOWLEDGE = define("alarms.nothing_to_ack", "nothing to acknowledge")
CANNOT_SHELVE = define("alarms.cannot_shelve", "that alarm cannot be shelved now")
NOT_SHELVED = define("alarms.not_shelved", "that alarm is not shelved")
ALARM_ALREADY_SO = define("alarms.already_so", "no change: the alarm is already so")
NO_BAND_YET = define("band.unknown", "no band known yet: the PLC's band id has not been read")
BAND_ID_RANGE = define("band.id_range", "band id {band:d} is outside 0..65535")

# Replay (core.replay, core.engine_replay)
REPLAY_HOLD = define("replay.hold",
                     "replay is running ({label}): nothing is written to the PLC during replay; go back to live first")
NO_REPLAY = define("replay.none", "no replay is running")
REPLAY_SPEED = define("replay.speed", "speed {speed:g}x is outside {low:g}x to {high:g}x")
REPLAY_BACKWARDS = define("replay.backwards", "the period ends ({end_ms}) before it starts ({start_ms})")
NO_SAMPLES = define("replay.no_samples", "no recorded samples from {start_ms} to {end_ms}")
NO_SAMPLES_YET = define("replay.no_samples_yet",
                        "no recorded samples from {start_ms} to {end_ms}: nothing has been recorded yet")
NO_SAMPLES_HOLDS = define("replay.no_samples_holds",
                          "no recorded samples from {start_ms} to {end_ms}; "
                          "the recording holds {first_ms} to {last_ms}")
REPLAY_GAP = define("replay.gap", "no recording from {start_ms} to {end_ms}: skipped")
REPLAY_READ = define("replay.read", "cannot read the recorded samples: {error}")
REPLAY_ML = define("replay.ml", "ML controls the speeds: switch to manual first "
                                "(nothing may be written to the PLC during replay)")
ENGINE_STOPPED = define("engine.stopped", "the engine has stopped")
ENGINE_ENDED = define("engine.ended", "the engine process ended (exit code {code})")
SHELVE_REASON = define("alarms.shelve_reason", "a reason is required to shelve an alarm")
REASON_REQUIRED = define("alarms.reason_required", "a reason is required")
SETTINGS_NOT_MAPPING = define("settings.not_mapping", "not applied: not a set of names and values")
SETTINGS_NOT_TUNABLE = define("settings.not_tunable", "not tunable while running: {names}")
SETTINGS_UNKNOWN = define("settings.unknown", "no such setting: {names}")
SETTINGS_INVALID = define("settings.invalid", "not applied: {error}")
MODEL_BUSY = define("model.busy", "ML is controlling a cut: switch ML off or wait for the cut to end")
MODE_UNKNOWN = define("mode.unknown", "unknown mode '{mode}': manual or ml")
ML_UNAVAILABLE = define("mode.ml_unavailable", "ML unavailable: {error}")
NO_MODEL = define("mode.no_model", "no usable ML model loaded")
MODE_ALREADY = define("mode.already", "already {mode}")
NOTE_EMPTY = define("band.note_empty", "the note is empty")
NOTE_TOO_LONG = define("band.note_long", "the note is longer than {limit:d} characters ({count:d})")
PRESET_UNKNOWN = define("preset.unknown", "unknown preset '{preset}'; known: {known}")
NOT_RESTORED = define("backup.not_restored", "not restored: {error}")
RESTORED = define("backup.restored", "restored {what} in {seconds:.1f} s")
NOT_ARCHIVED = define("backup.not_archived", "not archived: {error}")
NOT_EXPORTED = define("export.not_exported", "not exported: {error}")
PRODUCTION_FAILED = define("production.failed", "cannot compute the production figures: {error}")
READ_ALARM_HISTORY = define("read.alarm_history", "cannot read the alarm history: {error}")
READ_CUTS = define("read.cuts", "cannot read the cut records: {error}")
READ_BAND_LIFE = define("read.band_life", "cannot read the band life: {error}")
READ_AUDIT = define("read.audit", "cannot read the audit trail: {error}")
READ_USERS = define("read.users", "cannot read the users: {error}")
READ_BACKUPS = define("read.backups", "cannot read the backups: {error}")
READ_MODELS = define("read.models", "cannot read the models: {error}")

# Writes (core.modbus.envelope, core.modbus.writer): a refusal, or the clamps "; "-joined
W_NOT_A_NUMBER = define("write.not_a_number", "{value} is not a number")
W_NO_RANGE = define("write.no_range", "no allowed range: minimum {low:g} is above maximum {high:g}")
W_RAISED = define("write.raised", "raised to the minimum {low:g}{unit}")
W_LOWERED = define("write.lowered", "lowered to the maximum {high:g}{unit}")
W_CURRENT_UNKNOWN = define("write.current_unknown", "the PLC's current value is unknown, so the step cannot be limited")
W_STEP_USED = define("write.step_used", "step limit: the {step:g}{unit} allowed per second is used up")
W_STEP_UP = define("write.step_up", "step limited to +{allowed:g}{unit} ({step:g}{unit}/s)")
W_STEP_DOWN = define("write.step_down", "step limited to -{allowed:g}{unit} ({step:g}{unit}/s)")
W_OUTSIDE = define("write.outside",
                   "{name} is {current:g}{unit} on the PLC, outside the allowed {low:g}..{high:g}{unit}: a write "
                   "would step {distance:g}{unit}, more than the {step:g}{unit} allowed per second; set {name} "
                   "within {low:g}..{high:g}{unit} at the panel first")
W_OUTSIDE_WAIT = define("write.outside_wait",
                        "step limit: {name} is {current:g}{unit} on the PLC, {distance:g}{unit} outside "
                        "{low:g}..{high:g}{unit}; only {allowed:g}{unit} may change now")
W_NEXT_CHANGE = define("write.next_change", "next change to {name} allowed in {wait:.0f} ms")
W_PRE_READ = define("write.pre_read", "{name} could not be read from the PLC before the write: {error}")
W_NO_VALUE = define("write.no_value", "no value {name} can hold lies in {low:g}..{high:g}{unit}")
W_NO_REGISTER = define("write.no_register", "no register named '{name}'")
W_READ_ONLY = define("write.read_only", "{name} is read-only")
W_LINK_DOWN = define("write.link_down", "the PLC link is down")
W_RATE = define("write.rate", "write rate limit: next write to {name} allowed in {wait:.0f} ms")
W_FAILED = define("write.failed", "write failed: {error}")
W_READ_BACK_FAILED = define("write.read_back_failed", "written, but the read-back failed: {error}")
W_READ_BACK = define("write.read_back", "read back {read:g}, not the {written:g} written")
W_COMMAND_SENT = define("write.command_sent", "command sent (the PLC clears it: not read back)")
W_NO_DATA = define("write.no_data", "no data from the PLC yet")
W_POLL_FAILED = define("write.poll_failed", "the last poll of the PLC failed (no current values)")
W_STALE = define("write.stale", "PLC data is stale ({age:.2f} s old, limit {limit:g} s)")
W_UNCONFIRMED = define("write.unconfirmed",
                       "the last write to {name} is unconfirmed: waiting for a fresh PLC value")
W_NOT_FRESH = define("write.not_fresh", "no fresh value of {name} from the PLC")
W_FIRST_POLL = define("write.first_poll", "waiting for the first poll")
W_RATE_ML = define("write.rate_ml", "ML is writing {name} now: the next write to it is allowed in {wait:.0f} ms "
                                   "(switch ML off on the Control page to set it by hand)")

# Sealing users.db (core.security.access): audit details
A_SEALED = define("audit.sealed", "users.db rows protected by their MACs")
A_SEAL_REFUSED = define("audit.seal_refused", "users.db rows without MACs not sealed: {detail}: its MACs were removed")
A_SEALED_OLD = define("audit.sealed_old", "MACs given to the {count:d} users of a users.db from before rows were "
                                          "protected: {names}")

# ML on and off from the Control page (the reason ml.db keeps with the mode change)
MODE_ON_BY_OPERATOR = define("mode.operator_on", "operator switched ML on")
MODE_OFF_BY_OPERATOR = define("mode.operator_off", "operator switched ML off")
# The engine's start: journalled as a mode change without a previous mode (the last change after a restart)
MODE_ENGINE_START = define("mode.engine_start", "engine started in {mode}")

# The ML journal's decisions (core.control): ml.db keeps the English, the Control page reads it back.
# A chip decision names why its chip (``detail``) and where its window comes from (``source``).
D_OPERATOR_MANUAL = define("decision.operator_manual", "operator chose manual")
D_OPERATOR_SPEEDS = define("decision.operator_speeds", "operator speeds")
D_OPERATOR_SPEEDS_DONE = define("decision.operator_speeds_done", "operator speeds (done)")
D_DESCENT_TO = define("decision.descent_to", "descent to {speed:.1f} mm/min")
D_CHIP = define("decision.chip", "chip {now:.2f} -> {chip:.2f} um ({detail}; window top {top:.2f} um of {source}), "
                                 "band {band:g} m/min")
D_CHIP_ENTRY = define("decision.chip_entry", "entry (load not measured yet)")
D_CHIP_WINDOW = define("decision.chip_window", "chip window")
D_CHIP_LOAD = define("decision.chip_load", "load {percent:g} %")
D_CHIP_BOTTOM = define("decision.chip_bottom", "window bottom")
D_GRADE = define("decision.grade", "grade {grade:g}")
D_HARDNESS_CLASS = define("decision.hardness_class", "hardness class {hardness:g}")
D_INPUTS_UNKNOWN = define("decision.inputs_unknown", "speeds, pitch, hardness or head position unknown")
D_NO_WINDOW = define("decision.no_window", "no chip window for hardness class {hardness:g}")
D_NO_SECTION = define("decision.no_section", "section dimensions unknown")
D_FEATURES = define("decision.features", "features not ready")
D_INITIAL_DELAY = define("decision.initial_delay", "initial delay {elapsed:.1f}/{needed:.1f} s")
D_HEAD_UNKNOWN = define("decision.head_unknown", "head height unknown")
D_INITIAL_DESCENT = define("decision.initial_descent", "initial descent {descended:.1f}/{needed:.1f} mm")
D_GUARD = define("decision.guard", "torque rose {rise:.0f} % within {lookback:g} mm of descent "
                                   "({before:.1f} -> {now:.1f} %): descent speed cut to {factor:.0f} %")
D_SET_ON_PANEL = define("decision.set_on_panel", "operator set {name} {old:g} -> {new:g} on the PLC panel")
D_SET_IN_HMI = define("decision.set_in_hmi", "operator set {name} {old:g} -> {new:g} in the HMI")
D_SET = define("decision.set", "operator set {name} {old:g} -> {new:g}")
D_PAUSES = define("decision.pauses", "ML pauses for this cut ({count:d} overrides)")
D_NOT_RESTORED = define("decision.not_restored", "not restored")
# The ML controller's faults and the load ceiling (ml.db's journal, the fault alarm's detail)
F_STALE = define("fault.stale_data", "stale data ({detail})")
F_STALE_AGE = define("fault.stale_age", "newest sample {age:.2f} s old, {quality}")
F_STATE_UNKNOWN = define("fault.state_unknown", "saw state unknown")
F_RESTORE_FAILED = define("fault.restore_failed", "restore of {name} failed: {detail}")
F_WRITE_FAILED = define("fault.write_failed", "write of {name} failed: {detail}")
F_NO_MODEL = define("fault.no_model", "no model loaded")
F_CEILING_STAYED = define("fault.ceiling_stayed", "load stayed above the ceiling: {detail}")
C_BREACH = define("ceiling.breach", "{signal} {value:.1f}{unit} above the ceiling {limit:g}{unit} for {for_s:.1f} s")
C_CUT = define("ceiling.cut", "Load ceiling: {detail}; descent cut")
C_ALREADY_CUT = define("ceiling.already_cut", "descent already cut")

# The production report's notes (core.production.report, .service): the PDF and the CLI print them
R_NO_PLANNED = define("report.no_planned", "no planned time in this period (no shift falls in it)")
R_NO_DATA = define("report.no_data",
                   "no data for {machine}, {period}: nothing recorded in this period, figures left blank")
R_DATA_GAP = define("report.data_gap", "no data for {missing:.1f} % of planned time ({missing_h:.2f} h): "
                                       "availability is over the {data_h:.2f} h with data")
R_NO_SECTION = define("report.no_section", "{count:d} cut(s) without a section: area unknown, not counted")
R_NO_IDEAL = define("report.no_ideal", "{count:d} cut(s) without a depth or ideal speed: left out of performance")
R_NO_BAND = define("report.no_band", "{count:d} cut(s) with band id 0 or none: band unknown")
R_UNPLANNED = define("report.unplanned", "{count:d} cut(s) ended outside planned time: not in these figures")
R_STATES_FROM = define("report.states_from", "saw states from {source}")
R_FAST = define("report.fast", "performance {value:.1f} % is above 100 %: the saw cut faster than the chart or "
                               "preset speed (ML speed control, a chart or preset speed set too low, or a "
                               "simulator speed-up)")
R_NO_OEE = define("report.no_oee", "OEE not given: {parts} above 100 % would overstate it")
R_NOT_THROUGH = define("report.not_through",
                       "{count:d} of {cuts:d} cuts did not go through (not pieces): {aborted:d} aborted, "
                       "{error:d} PLC error, {interrupted:d} interrupted (engine stopped or link lost mid-cut)")
R_QUALITY = define("report.quality", "quality {value:.0f} % = {good:d} good of {cuts:d} cuts: {not_through:d} "
                                     "not through, {flagged:d} flagged by the cut-profile check")
R_NO_SHIFT = define("report.no_shift", "no shift is running now")
ENGINE_START_FAILED = define("engine.start_failed", "the engine failed to start: {error}")
USERS_SCHEMA = define("users.schema", "{path} has schema version {version}; this program knows {known}")
