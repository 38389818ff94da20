"""The alarm message catalogue: operator texts by alarm key, in every language, editable by a plant.

``config/alarm_messages.yaml`` holds per alarm key (the longest matching key prefix wins, so
``anomaly`` covers every detector and ``plc.bit.4`` one PLC bit) a text saying what is wrong,
with the value, unit and limit, and a response saying what to do, in English and Turkish::

    messages:
      plc.bit.0:
        signal: band_torque     # {value} is this register's value when the alarm is raised
        unit: "%"
        limit: 120
        en: {text: "Band torque {value} {unit} over the {limit} {unit} limit",
             response: "Reduce descent speed or check the band"}
        tr: {text: ..., response: ...}

Placeholders: {value} {unit} {limit} {detail} (what the raising code said, e.g. an error message)
and the parameters the raising code passes ({signal}, {score}, {threshold}, {code}, {limit}). A
``signal`` parameter (an anomaly detector's register) is shown as the register's label in the
language ("band current", "şerit akımı"); without an entry's own unit and decimals, {value} takes
that register's unit and the decimals its scale resolves (91.3 A, 0.349 g). Loading validates
everything and names the file, the key and the field; rendering never raises.
"""

from __future__ import annotations

import logging
import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.config import ConfigError
from core.registers import Register, unit_in
from core.yaml_strict import load_yaml, yaml_error_text

log = logging.getLogger("bandsaw.analysis")

LANGUAGES = ("en", "tr")
PLACEHOLDERS = frozenset({"value", "unit", "limit", "detail", "signal", "score", "threshold", "code"})


class MessageCatalogueError(ConfigError):
    """The catalogue file is missing, not YAML, or an entry is invalid (file, key and field named)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Wording(_Model):
    text: str = Field(min_length=1)
    response: str = ""

    @field_validator("text", "response")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"bad placeholder syntax in {value!r}: {exc}") from None
        unknown = sorted(name for name in names if name not in PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; allowed {sorted(PLACEHOLDERS)}")
        return value


class MessageEntry(_Model):
    signal: str | None = None
    unit: str | None = None
    limit: float | None = None
    # None: the decimals the signal's register resolves (a {signal} parameter's too), else 1
    decimals: int | None = Field(default=None, ge=0, le=6)
    en: Wording
    tr: Wording


@dataclass(frozen=True, slots=True)
class SignalText:
    """How the alarm texts name and write a register's value: label by language, unit, decimals."""

    unit: str = ""
    decimals: int | None = None  # None: not known (a unit table without the register map)
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, name: str, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or name.replace("_", " ")


Signals = Mapping[str, str] | Iterable[Register]


def signal_texts(signals: Signals | None) -> dict[str, SignalText]:
    """Per register: from the register map (labels, unit, decimals), or from a plain {name: unit} table."""
    if signals is None:
        return {}
    if isinstance(signals, Mapping):
        return {name: SignalText(unit=unit) for name, unit in signals.items()}
    return {register.name: SignalText(register.unit, register.shown_decimals,
                                      {lang: register.label_in(lang) for lang in LANGUAGES})
            for register in signals}


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    response: str


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


_DETAIL_MARK = "\x00"  # where the detail goes, to find it in a logged text
PERCENT_FIRST = frozenset({"tr"})  # languages that write the percent sign before the number


def format_number(value: float | None, decimals: int | None, lang: str) -> str:
    """A number for the operator: fixed decimals (None: as few as it needs, 4 and 0.25), the language's
    decimal mark, no thousands separator (as the screen: a reading, not a sum); '?' when unknown."""
    if value is None or not math.isfinite(value):
        return "?"
    text = f"{value:.{decimals}f}" if decimals is not None else f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "tr" else text


# How the detectors' parameters are written: the score to one decimal, the threshold as configured.
PARAM_DECIMALS: Mapping[str, int | None] = {"score": 1, "threshold": None}


@dataclass(frozen=True, slots=True)
class MessageCatalogue:
    entries: Mapping[str, MessageEntry] = field(default_factory=dict)
    source: str = "<none>"
    signals: Mapping[str, SignalText] = field(default_factory=dict)  # registers by name: labels, units
    # (key, language) whose text failed at run time: logged once per catalogue
    render_failed: set[tuple[str, str]] = field(default_factory=set, compare=False, repr=False)

    def entry(self, key: str) -> MessageEntry | None:
        best = longest_entry(key, self.entries)
        return self.entries[best] if best is not None else None

    def entry_for(self, key: str, params: Mapping[str, object] | None = None) -> MessageEntry | None:
        """The entry of alarm ``key``; with a ``code`` parameter (a PLC alarm code) ``KEY.CODE`` first."""
        code = (params or {}).get("code")
        entry = self.entries.get(f"{key}.{code}") if code is not None else None
        return entry or self.entry(key)

    def signal(self, key: str, params: Mapping[str, object] | None = None) -> str | None:
        entry = self.entry_for(key, params)
        return entry.signal if entry is not None else None

    def render_all(
        self, key: str, detail: str, value: float | None, params: Mapping[str, object] | None = None
    ) -> tuple[tuple[str, str, str], ...]:
        """(language, text, response) for every language; the raising code's text without an entry."""
        entry = self.entry_for(key, params)
        if entry is None:
            return tuple((lang, detail, "") for lang in LANGUAGES)
        return tuple((lang, *self._render_safe(key, entry, lang, detail, value=value, params=params or {}))
                     for lang in LANGUAGES)

    def _render_safe(self, key: str, entry: MessageEntry, lang: str, detail: str, *, value: float | None,
                     params: Mapping[str, object]) -> tuple[str, str]:
        """Rendering never raises: loading renders every entry, but a text that still fails here
        (a parameter the load-time check could not foresee) gives the raising code's own text,
        logged once per entry and language, rather than ending the task that raised the alarm."""
        try:
            return self._render(entry, lang, detail, value, params, self.signals)
        except Exception as exc:
            failed = (key, lang)
            if failed not in self.render_failed:
                self.render_failed.add(failed)
                log.error("%s: alarm text of %s (%s) cannot be rendered, showing the plain text: %s",
                          self.source, key, lang, exc)
            return detail or key, ""

    def reread(self, key: str, logged: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """An alarm text logged in English (log.db keeps one text), in every language: (the raising
        code's detail found in it, (language, text) for every language). The key's entry is rendered
        again with that detail (no value, no parameters); ("", ()) unless that gives back the logged text."""
        entry = self.entry(key)
        if entry is None:
            return "", ()
        english = self._render(entry, "en", _DETAIL_MARK, None, {}, self.signals)[0]
        detail = ""
        if _DETAIL_MARK in english:
            head, _, tail = english.partition(_DETAIL_MARK)
            if logged.startswith(head) and logged.endswith(tail) and len(logged) > len(head) + len(tail):
                detail = logged[len(head): len(logged) - len(tail)]
        texts = tuple((lang, text) for lang, text, _ in self.render_all(key, detail, None))
        if dict(texts).get("en") == logged:
            return detail, texts
        return self._reread_figures(key, logged)

    def _reread_figures(self, key: str, logged: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A logged text whose figures came from parameters ("Unusual band current: 91.3 A (score 19.3
        over 4)") or from a member named under a group key (process.band_overload.current logged as
        process.band_overload): the figures read back out of the English text by its template, the
        register found by its English label, rendered again; trusted only if English comes back the same."""
        best = longest_entry(key, self.entries)
        names = [*([best] if best is not None else []),
                 *sorted(name for name in self.entries if name.startswith(key + ".") and name != best)]
        for name in names:
            entry = self.entries[name]
            found = _read_fields(entry.en.text, logged)
            params = None if found is None else self._params_from(found)
            if params is None or found is None:
                continue
            value = params.pop("value", None)
            detail = str(found.get("detail", ""))
            rendered = [(lang, self._render_safe(name, entry, lang, detail, value=value if isinstance(value, float)
                                                 else None, params=params)[0]) for lang in LANGUAGES]
            if dict(rendered).get("en") == logged:
                return detail, tuple(rendered)
        return "", ()

    def _params_from(self, found: Mapping[str, str]) -> dict[str, object] | None:
        params: dict[str, object] = {}
        for name, text in found.items():
            if name in _NUMBERS:
                try:
                    params[name] = None if text == "?" else float(text)
                except ValueError:
                    return None
            elif name == "signal":
                params[name] = next((reg for reg, info in self.signals.items() if info.label(reg, "en") == text),
                                    text.replace(" ", "_"))
            elif name == "code":
                params[name] = text
        return params

    @staticmethod
    def _render(entry: MessageEntry, lang: str, detail: str, value: float | None,  # noqa: PLR0917
                params: Mapping[str, object], signals: Mapping[str, SignalText]) -> tuple[str, str]:
        text, response, fields = _prepare(entry, lang, detail, value, params, signals)
        return _fill(text, fields), _fill(response, fields)


# What loading renders every entry with: a value, a detail and every parameter a raising code passes.
_SAMPLE_PARAMS: Mapping[str, object] = {"signal": "band_torque", "score": 4.25, "threshold": 3.5, "code": 2,
                                        "limit": 125.0}


def _prepare(entry: MessageEntry, lang: str, detail: str, value: float | None,  # noqa: PLR0917
             params: Mapping[str, object], signals: Mapping[str, SignalText]) -> tuple[str, str, _Defaulting]:
    wording: Wording = getattr(entry, lang)
    named = params.get("signal")
    signal = signals.get(str(named)) if named is not None else None
    if signal is None and entry.signal is not None:
        signal = signals.get(entry.signal)
    unit = entry.unit if entry.unit is not None else signal.unit if signal is not None else ""
    decimals = entry.decimals if entry.decimals is not None else \
        signal.decimals if signal is not None and signal.decimals is not None else 1
    fields = _Defaulting()
    for name, param in params.items():
        if isinstance(param, float):
            fields[name] = format_number(param, PARAM_DECIMALS.get(name, decimals), lang)
        else:
            fields[name] = str(param)
    if named is not None:  # a register: its label in the language ("band current", "şerit akımı")
        fields["signal"] = (signal or SignalText()).label(str(named), lang)
    fields["value"] = format_number(value, decimals, lang)
    fields["unit"] = unit_in(unit, lang)
    limit = entry.limit if entry.limit is not None else params.get("limit")  # the raising code's: the config's
    fields["limit"] = format_number(limit if isinstance(limit, int | float) else None, decimals, lang)
    text, response = wording.text, wording.response
    if unit == "%" and lang in PERCENT_FIRST:  # Turkish writes %118, not 118 %: "{x} {unit}" -> "%{x}"
        text, response = (re.sub(r"\{(\w+)\} \{unit\}", r"%{\1}", t) for t in (text, response))
    fields["detail"] = detail
    return text, response, fields


def _check_renders(entry: MessageEntry, key: str, source: str, signals: Mapping[str, SignalText]) -> None:
    """Render every text of an entry as the engine will (a format spec such as ``{value:.1f}`` passes
    the placeholder check but fails on the formatted value): a bad one is a configuration error now,
    not an exception in the poll loop when the alarm is raised."""
    for lang in LANGUAGES:
        for value, params in ((12.5, _SAMPLE_PARAMS), (None, {})):
            text, response, fields = _prepare(entry, lang, "detail", value, params, signals)
            for name, template in (("text", text), ("response", response)):
                try:
                    _fill(template, fields)
                except Exception as exc:
                    raise MessageCatalogueError(
                        f"{source}: messages.{key}.{lang}.{name}: {getattr(entry, lang).model_dump()[name]!r} "
                        f"cannot be rendered: {exc} (placeholders take no format spec: "
                        f"numbers are formatted with 'decimals')") from None


_NUMBERS = frozenset({"value", "score", "threshold", "limit"})
_FIELD_PATTERNS = {**dict.fromkeys(_NUMBERS, r"-?\d+(?:\.\d+)?|\?"), "unit": r"\S*", "code": r"\S+"}


def longest_entry(key: str, names: Iterable[str]) -> str | None:
    best: str | None = None
    for prefix in names:
        if (key == prefix or key.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def _read_fields(template: str, text: str) -> dict[str, str] | None:
    """The placeholders' texts in ``text`` rendered from ``template`` (whitespace as _fill leaves it), or None."""
    pattern = ""
    names: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        pattern += r"\s*".join(re.escape(part) for part in re.split(r"\s+", literal))
        if name is not None:
            what = _FIELD_PATTERNS.get(name, r".*?")
            pattern += rf"\s*(?P<f{len(names)}>{what})\s*"
            names.append(name)
    match = re.fullmatch(pattern, text)
    if match is None:
        return None
    found: dict[str, str] = {}
    for index, name in enumerate(names):
        found.setdefault(name, match.group(f"f{index}"))
    return found


def _fill(template: str, fields: _Defaulting) -> str:
    text = string.Formatter().vformat(template, (), fields)
    return " ".join(text.split())  # an empty unit leaves no double space


def parse_catalogue(data: Any, source: str, units: Signals | None = None) -> MessageCatalogue:
    """``units``: the register map (labels, units and decimals for the texts) or a {register: unit} table."""
    signals = signal_texts(units)
    known = signals if units is not None else None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), dict):
        raise MessageCatalogueError(f"{source}: the top level must be a mapping with 'messages'")
    unknown_top = set(data) - {"messages"}
    if unknown_top:
        raise MessageCatalogueError(f"{source}: unknown top-level key {sorted(unknown_top)[0]!r}")
    entries: dict[str, MessageEntry] = {}
    for key, raw in data["messages"].items():
        try:
            entry = MessageEntry.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise MessageCatalogueError(f"{source}: messages.{key}.{where}: {error['msg']}") from None
        if known is not None and entry.signal is not None and entry.signal not in known:
            raise MessageCatalogueError(
                f"{source}: messages.{key}.signal: {entry.signal!r} is not a register of the register map")
        if known is not None and entry.signal is not None and entry.unit is None:
            entry = entry.model_copy(update={"unit": known[entry.signal].unit})
        _check_renders(entry, str(key), source, signals)
        entries[str(key)] = entry
    return MessageCatalogue(entries, source, signals)


def load_catalogue(path: Path, units: Signals | None = None) -> MessageCatalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MessageCatalogueError(f"{path}: cannot read the alarm message catalogue: {exc.strerror or exc}") from None
    try:
        data = load_yaml(text)  # refuses duplicate keys, naming the line
    except yaml.YAMLError as exc:
        raise MessageCatalogueError(f"{path}:{yaml_error_text(exc)}") from None
    return parse_catalogue(data, str(path), units)
