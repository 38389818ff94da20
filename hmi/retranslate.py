"""Live language switch for texts a page set once: map each shown text from the old language to the new.

Qt's way is a ``retranslateUi()`` per widget, run on ``LanguageChange``; the pages written
before the language switch (and those other people keep) set their fixed texts once in
``__init__``. Rather than rebuilding the pages (their live state, open dialogs and plot buffers
would go), :func:`retranslate_tree` walks a window and maps every shown text - labels, buttons,
tabs, group titles, combo items, place-holders, tool tips, menus, table headers, window titles -
through the catalogue in ``resources/translations/bandsaw_<lang>.ts``: English source -> Turkish
translation, or back. Texts with ``%1`` place-holders are matched as patterns and their values
carried over; a multi-line text is mapped line by line. A text that is not in the catalogue (a
value, a name) is left alone. Pages that format texts from live data refresh them on their own;
pages with a ``changeEvent`` retranslation (registers, users, audit) do it properly themselves.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from PySide6.QtGui import QAction, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabBar,
    QTableWidget,
    QTreeWidget,
    QWidget,
)

from hmi.i18n import DEFAULT_LANGUAGE, ts_file

log = logging.getLogger("bandsaw.hmi.retranslate")

_PLACEHOLDER = re.compile(r"%(\d)")


@dataclass(slots=True)
class _Pattern:
    regex: re.Pattern[str]
    target: str
    context: str


@dataclass(slots=True)
class Mapping:
    """Texts of one language to another: exact texts (by context) and place-holder patterns."""

    exact: dict[str, dict[str, str]] = field(default_factory=dict)  # text -> {context: text}
    patterns: list[_Pattern] = field(default_factory=list)

    def add(self, context: str, old: str, new: str) -> None:
        if not old or not new or old == new:
            return
        if _PLACEHOLDER.search(old):
            self.patterns.append(_Pattern(_template_regex(old), new, context))
        else:
            self.exact.setdefault(old, {}).setdefault(context, new)

    def map(self, text: str, contexts: Iterable[str] = (), *, strict: bool = False) -> str | None:
        """The text in the other language, or None when the catalogue does not know it.

        ``contexts`` are preferred; ``strict`` uses only them (the widget's own classes).
        """
        contexts = list(contexts)
        found = self._map_one(text, contexts, strict)
        if found is not None or "\n" not in text:
            return found
        lines = text.split("\n")
        mapped = [self._map_one(line, contexts, strict) for line in lines]
        if all(m is None for m in mapped):
            return None
        return "\n".join(m if m is not None else line for m, line in zip(mapped, lines, strict=True))

    def _map_one(self, text: str, contexts: list[str], strict: bool) -> str | None:
        if not text:
            return None
        by_context = self.exact.get(text)
        if by_context:
            for context in contexts:
                if context in by_context:
                    return by_context[context]
            return None if strict else next(iter(by_context.values()))
        best: tuple[int, str] | None = None
        preferred = set(contexts)
        for pattern in self.patterns:
            match = pattern.regex.fullmatch(text)
            if match is None:
                continue
            result = _fill(pattern.target, match.groupdict())
            rank = 0 if pattern.context in preferred else 1
            if strict and rank:
                continue
            if best is None or rank < best[0]:
                best = (rank, result)
                if rank == 0:
                    break
        return best[1] if best is not None else None


def _fill(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values.get(f"a{match.group(1)}", match.group(0))

    return _PLACEHOLDER.sub(value, template)


def _template_regex(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position:match.start()]))
        number = match.group(1)
        parts.append(f"(?P=a{number})" if number in seen else f"(?P<a{number}>.+?)")
        seen.add(number)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _messages(ts: Path, mtime: float) -> tuple[tuple[str, str, str], ...]:
    """(context, source, translation) of every finished message in a .ts file."""
    del mtime  # part of the cache key: a changed file is read again
    found: list[tuple[str, str, str]] = []
    try:
        root = ET.parse(ts).getroot()
    except (OSError, ET.ParseError) as exc:
        log.error("translations %s cannot be read: %s", ts, exc)
        return ()
    for context in root.iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            element = message.find("translation")
            if element is None or element.get("type") in ("unfinished", "vanished", "obsolete"):
                continue
            forms = [f.text or "" for f in element.iter("numerusform")]
            text = forms[0] if forms else element.text or ""
            if text:
                found.append((name, message.findtext("source", ""), text))
    return tuple(found)


def catalogue(old: str, new: str) -> Mapping:
    """The mapping from ``old`` to ``new`` (either may be the English source language)."""
    mapping = Mapping()
    if old == new:
        return mapping
    if DEFAULT_LANGUAGE not in (old, new):  # two translations: through English
        to_source, from_source = catalogue(old, DEFAULT_LANGUAGE), catalogue(DEFAULT_LANGUAGE, new)
        for text, by_context in to_source.exact.items():
            for context, source in by_context.items():
                target = from_source.exact.get(source, {}).get(context)
                if target is not None:
                    mapping.add(context, text, target)
        return mapping
    translated = new if old == DEFAULT_LANGUAGE else old
    ts = ts_file(translated)
    if not ts.exists():
        return mapping
    for context, source, translation in _messages(ts, ts.stat().st_mtime):
        if old == DEFAULT_LANGUAGE:
            mapping.add(context, source, translation)
        else:
            mapping.add(context, translation, source)
    return mapping


def contexts_of(widget: QWidget) -> list[str]:
    """The class names from the widget up to its window: lupdate's contexts for self.tr()."""
    names: list[str] = []
    current: QWidget | None = widget
    while current is not None:
        for cls in type(current).__mro__:
            if cls.__module__.startswith("PySide6") or cls is object:
                break
            names.append(cls.__name__)
        current = current.parentWidget()
    return names


def retranslate_tree(root: QWidget, old: str, new: str) -> int:
    """Map every fixed text under ``root`` (itself, its children and its dialogs) from ``old`` to ``new``.

    Returns how many texts changed.
    """
    mapping = catalogue(old, new)
    if not mapping.exact and not mapping.patterns:
        return 0
    changed = 0

    def apply(getter: Callable[[], str], setter: Callable[[str], None], contexts: list[str]) -> None:
        nonlocal changed
        text = getter()
        if not text:
            return
        mapped = mapping.map(text, contexts)
        if mapped is not None and mapped != text:
            setter(mapped)
            changed += 1

    for widget in [root, *root.findChildren(QWidget)]:
        contexts = contexts_of(widget)
        apply(widget.toolTip, widget.setToolTip, contexts)
        if widget.isWindow():
            apply(widget.windowTitle, widget.setWindowTitle, contexts)
        if isinstance(widget, QLabel | QAbstractButton):
            apply(widget.text, widget.setText, contexts)
        elif isinstance(widget, QGroupBox):
            apply(widget.title, widget.setTitle, contexts)
        elif isinstance(widget, QMenu):
            apply(widget.title, widget.setTitle, contexts)
        elif isinstance(widget, QLineEdit):
            apply(widget.placeholderText, widget.setPlaceholderText, contexts)
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                apply(partial(widget.tabText, i), partial(widget.setTabText, i), contexts)
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                apply(partial(widget.itemText, i), partial(widget.setItemText, i), contexts)
        elif isinstance(widget, QTableWidget):
            for i in range(widget.columnCount()):
                cell = widget.horizontalHeaderItem(i)
                if cell is not None:
                    apply(cell.text, cell.setText, contexts)
        elif isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            for i in range(header.columnCount()):
                apply(partial(header.text, i), partial(header.setText, i), contexts)
        elif isinstance(widget, QAbstractItemView) and isinstance(widget.model(), QStandardItemModel):
            model = widget.model()
            assert isinstance(model, QStandardItemModel)
            for i in range(model.columnCount()):
                item = model.horizontalHeaderItem(i)
                if item is not None:
                    apply(item.text, item.setText, contexts)
    for action in root.findChildren(QAction):
        parent = action.parent()
        contexts = contexts_of(parent) if isinstance(parent, QWidget) else []
        apply(action.text, action.setText, contexts)
        apply(action.toolTip, action.setToolTip, contexts)
    return changed
