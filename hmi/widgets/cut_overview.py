"""The overview built around the cut, readable at 2 m: state, progress, what next, four analog rows.

State in large capitals; a progress bar with the time taken and the estimated time left; a
"next" line saying what the saw or the operator does next; band speed, descent speed, band
current and band torque as 64 px numerals with their unit, target and an analog bar (normal
band, guard, overload); the section in its real shape with the band's progress through it.
Labels and units are >= 18 px. Only the bridge's signals are used; texts go through tr().
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from core.config import BarSettings
from core.registers import Register
from core.snapshot import Quality, SawState, Snapshot
from hmi.bridge import EngineBridge
from hmi.cut_clock import CutClock, CutView, format_duration, stops_the_saw
from hmi.formatting import format_number, format_percent, percent_first, unit_name, with_unit
from hmi.i18n import translate
from hmi.widgets.analog_bar import AnalogBar, BarScale, guard_name
from hmi.widgets.section_view import Section, SectionView
from hmi.widgets.style import set_state

ROWS = (  # register, target register, decimals
    ("cutting_speed_actual", "cutting_speed", 0),
    ("descent_speed_actual", "descent_speed", 1),
    ("band_current", None, 1),
    ("band_torque", None, 0),
)
STATE_PX = 72  # the state word (48 px capitals) and the progress bar beside it
_REFIT = (QEvent.Type.LanguageChange, QEvent.Type.StyleChange, QEvent.Type.FontChange)
TIMES_SEPARATOR = "  ·  "
_STATE_STYLE = {SawState.CUTTING: "active", SawState.ERROR: "fault"}


def row_title(name: str, *, returning: bool = False) -> str:
    """A row's title in the screen's language; the descent row's while the head goes back up."""
    if returning:
        return translate("CutOverview", "Head return")
    titles = {
        "cutting_speed_actual": translate("CutOverview", "Band speed"),
        "descent_speed_actual": translate("CutOverview", "Descent speed"),
        "band_current": translate("CutOverview", "Band current"),
        "band_torque": translate("CutOverview", "Band torque"),
    }
    return titles.get(name, name)


def state_name(state: int | None) -> str:
    names = {
        SawState.IDLE: translate("CutOverview", "IDLE"),
        SawState.PREPARING: translate("CutOverview", "PREPARING"),
        SawState.READY: translate("CutOverview", "READY"),
        SawState.CUTTING: translate("CutOverview", "CUTTING"),
        SawState.COMPLETED: translate("CutOverview", "COMPLETED"),
        SawState.ERROR: translate("CutOverview", "FAULT"),
    }
    if state is None:
        return "—"
    return names.get(state, translate("CutOverview", "STATE %1").replace("%1", str(state)))  # type: ignore[call-overload]


def next_step(view: CutView, alarm: bool) -> str:
    """What the saw or the operator does next, in one line."""
    state = view.state
    if state is None:
        return translate("CutOverview", "Waiting for the PLC")
    if state == SawState.ERROR or (alarm and state != SawState.CUTTING):
        return translate("CutOverview", "Next: read the alarm, clear the cause, reset the fault on the saw")
    steps = {
        SawState.IDLE: translate("CutOverview", "Next: load the next piece and start the cycle"),
        SawState.PREPARING: translate("CutOverview", "Next: the saw clamps and positions the piece"),
        SawState.READY: translate("CutOverview", "Next: the cut starts"),
        SawState.CUTTING: translate("CutOverview", "Next: cut ends in %1, then the saw lifts the band"),
        SawState.COMPLETED: translate("CutOverview", "Next: remove the cut piece; the next piece follows"),
    }
    if state == SawState.CUTTING and format_duration(view.remaining_s) == "—":
        # No estimate yet (the cut just started, the descent stands): no "ends in —".
        return translate("CutOverview", "Next: the cut ends, then the saw lifts the band")
    text = steps.get(state, "")  # type: ignore[call-overload]
    return text.replace("%1", format_duration(view.remaining_s))


def cut_times(elapsed_s: float | None, remaining_s: float | None, depth_mm: float | None,
              height_mm: float | None, *, remaining_unknown: bool = False) -> str:
    """The times line: time taken, time left (an em dash with ``remaining_unknown``), depth of height."""
    parts = []
    if elapsed_s is not None:
        parts.append(translate("CutOverview", "elapsed %1").replace("%1", format_duration(elapsed_s)))
    if remaining_s is not None or remaining_unknown:
        parts.append(translate("CutOverview", "remaining %1").replace("%1", format_duration(remaining_s)))
    if depth_mm is not None and height_mm is not None:
        parts.append(translate("CutOverview", "%1 of %2 mm").replace("%1", format_number(depth_mm, 0))
                     .replace("%2", format_number(height_mm, 0)))
    return TIMES_SEPARATOR.join(parts)


def keep_together(label: str) -> str:
    """A section's label wraps after its shape's name only: "rectangle / 40 × 100 mm", never
    "rectangle 40 × 100 / mm" (no-break spaces around × and before the unit)."""
    return label.replace(" × ", "\u00a0×\u00a0").replace(" mm", "\u00a0mm")


def widest_times() -> str:
    """The longest times line a cut of this saw shows (59:59 taken and left, 888 of 888 mm: the
    head's travel is under 1 m), every digit an 8: the one line reserved for it must hold it."""
    return cut_times(3599, 3599, 888, 888)


def value_limits(register: Register, bar: BarSettings | None) -> tuple[float, float]:
    """The lowest and highest a key numeral can show: the register's min/max; a reading without
    them, its configured bar's range (a band current of 1000 A is no reading of this saw), else
    the largest its type can carry (327,67 mm/min for an int16 in hundredths)."""
    top = register.max if register.max is not None else bar.maximum if bar is not None else \
        register.type.raw_range[1] * register.scale
    # Below zero where the map, the bar or a signed type allows it: the descent speed's int16 reads
    # -300 mm/min while the head lifts, and a numeral sized without its sign showed "300,0".
    bottom = register.min if register.min is not None else bar.minimum if bar is not None else \
        register.type.raw_range[0] * register.scale
    return float(bottom), float(top)


class AnalogRow(QWidget):
    """Title, a big numeral with its unit, the target, and the bar."""

    def __init__(self, register: Register, scale: BarScale, decimals: int, target: Register | None,
                 parent: QWidget | None = None, *, guard_name: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        # What the guard mark is, in the screen's language ("ML ceiling"): analog_bar.guard_name.
        self.guard_name = guard_name
        self.setObjectName("AnalogRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.register = register
        self.target_register = target
        self.decimals = decimals
        self.limits = value_limits(register, None)  # CutOverview passes the configured bar's range
        self.returning = False  # the descent row while the head goes back up (a negative descent speed)
        self.title = QLabel(row_title(register.name), self)
        self.title.setObjectName("RowTitle")
        self.value = QLabel("—", self)
        self.value.setObjectName("RowValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value.setFixedWidth(220)  # until fit_numerals() knows the font: the widest value's width
        # Digits have no descenders: the line box is trimmed to the numerals (the panel is 800 px tall).
        self.value.setFixedHeight(84)
        self.unit = QLabel(unit_name(register.unit), self)
        self.unit.setObjectName("RowUnit")
        self.target = QLabel("", self)
        # A row without a setpoint shows its limits instead, on two lines at 18 px (the normal band; the
        # marks): the ML ceiling's name made one line of 22 px too wide for the panel.
        self.target.setObjectName("RowTarget" if target is not None else "RowLimits")
        self.scale = scale
        self.bar = AnalogBar(scale, self)
        self.bar.setMinimumHeight(34)
        self._show_limits()
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setHorizontalSpacing(12)
        layout.setVerticalSpacing(0)
        layout.addWidget(self.title, 0, 0, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.value, 0, 1, 2, 1)
        layout.addWidget(self.unit, 0, 2, 2, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.target, 0, 3)
        layout.addWidget(self.bar, 1, 3)
        self.title.setFixedWidth(136)  # two lines where needed: the descent speed's minus sign takes the room
        self.title.setWordWrap(True)
        self.unit.setFixedWidth(112)
        layout.setColumnStretch(3, 1)

    def widest_text(self) -> str:
        """The widest this numeral can read, in the screen's locale (value_limits), with the row's
        decimals, a sign if it can go below zero, every digit as the font's widest digit."""
        bottom, top = self.limits
        text = format_number(max(abs(top), abs(bottom)), self.decimals)
        metrics = self.value.fontMetrics()
        widest = max("0123456789", key=metrics.horizontalAdvance)
        text = "".join(widest if c.isdigit() else c for c in text)
        return f"-{text}" if bottom < 0 else text

    def numeral_width(self) -> int:
        """The label width that shows widest_text() whole (its font from the style sheet, padding included)."""
        self.value.ensurePolished()
        margins = self.value.width() - self.value.contentsRect().width()
        return self.value.fontMetrics().horizontalAdvance(self.widest_text()) + margins + 4

    def unit_width(self) -> int:
        self.unit.ensurePolished()
        margins = self.unit.width() - self.unit.contentsRect().width()
        return self.unit.fontMetrics().horizontalAdvance(self.unit.text()) + margins + 4

    def _show_limits(self) -> None:
        """No setpoint: show what the bar is judged against (again on a language switch)."""
        if self.target_register is not None:
            return
        unit, scale = self.register.unit, self.scale
        each = unit == "%" and percent_first()  # %10–%80 · %120; else the unit once at the end

        def number(value: float) -> str:
            return with_unit(format_number(value, 0), unit) if each else format_number(value, 0)

        def with_unit_once(text: str) -> str:
            return text if each or not text else f"{text} {unit_name(unit)}".strip()

        marks = []
        if scale.guard is not None and self.guard_name is not None:
            marks.append(f"{self.guard_name()} {number(scale.guard)}")
        if scale.overload is not None:
            marks.append(translate("CutOverview", "trip %1").replace("%1", number(scale.overload)))
        lines = []
        if scale.normal is not None:
            lines.append(with_unit_once(translate("CutOverview", "normal %1–%2").replace("%1", number(scale.normal[0]))
                                        .replace("%2", number(scale.normal[1]))))
        if marks:
            lines.append(with_unit_once(" · ".join(marks)))
        self.target.setText("\n".join(lines))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.title.setText(row_title(self.register.name, returning=self.returning))
            self.unit.setText(unit_name(self.register.unit))
            self._show_limits()
            if self.returning:
                self.target.setText(translate("CutOverview", "head going up, not cutting"))

    def show_values(self, value: float | None, target: float | None, stale: bool, *, cutting: bool = True) -> None:
        """The reading against its target; the target is marked off only while ``cutting`` (the band
        stands and the head goes up after a cut: 0 of 70 m/min is no deviation then)."""
        # The head's return stroke reads as a negative descent speed (-300 mm/min): shown as what it
        # is, the head going up at 300 mm/min, not as a descent far off its target.
        returning = self.register.name == "descent_speed_actual" and value is not None and value < 0
        if returning != self.returning:
            self.returning = returning
            self.title.setText(row_title(self.register.name, returning=returning))
        shown = abs(value) if returning and value is not None else value
        text = format_number(shown, self.decimals)
        if text != self.value.text():
            self.value.setText(text)
        self.bar.set_value(None if returning else value, stale=stale)  # first: the numeral's state is this value's
        set_state(self.value, "stale" if stale or value is None else "normal" if returning else self.bar.level())
        if self.target_register is not None:
            self.bar.set_target(None if returning else target)
            if returning:
                target_text = translate("CutOverview", "head going up, not cutting")
            else:
                target_text = (translate("CutOverview", "target %1 %2")
                               .replace("%1", format_number(target, self.decimals))
                               .replace("%2", unit_name(self.register.unit))) if target is not None else ""
            off = (cutting and not returning and target is not None and value is not None
                   and abs(value - target) > max(0.05 * abs(target), 0.5))
            if target_text != self.target.text():
                self.target.setText(target_text)
            set_state(self.target, "off" if off and not stale else "normal")


class CutOverview(QWidget):
    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CutOverview")
        self.bridge = bridge
        self.clock = CutClock()
        registers = bridge.engine.register_map
        settings = bridge.engine.settings
        bars = settings.hmi.bars

        self.state_label = QLabel("—", self)
        self.state_label.setObjectName("SawStateBig")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setMinimumWidth(240)
        self.state_label.setFixedHeight(STATE_PX)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("CutProgressBar")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("—")
        self.progress.setFixedHeight(STATE_PX)
        self.times = QLabel("", self)
        self.times.setObjectName("CutTimes")
        self.times.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.times.setWordWrap(False)  # one line: widest_times() fits it
        self.next_label = QLabel("", self)
        self.next_label.setObjectName("NextStep")
        self.next_label.setWordWrap(True)
        self.next_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.section = SectionView(self)
        self.section.setFixedSize(108, 108)
        self.section_label = QLabel("", self)
        self.section_label.setObjectName("SectionLabel")
        self.section_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.section_label.setFixedWidth(230)
        self.section_label.setWordWrap(True)

        self.rows: dict[str, AnalogRow] = {}
        for name, target, decimals in ROWS:
            if name not in registers:
                continue
            target_reg = registers[target] if target is not None and target in registers else None
            scale = self._scale(name, target_reg, bars)
            row = AnalogRow(registers[name], scale, decimals, target_reg, self,
                            guard_name=partial(guard_name, settings, name, scale.guard))
            row.limits = value_limits(registers[name], bars.get(name))
            self.rows[name] = row

        # State and progress bar side by side, the times and the next step under both, the section on
        # the right: the state box is as wide as the longest state name (fit_sizes), so nothing moves.
        top = QGridLayout()
        top.setHorizontalSpacing(16)
        top.setVerticalSpacing(2)
        top.addWidget(self.state_label, 0, 0)
        top.addWidget(self.progress, 0, 1)
        top.addWidget(self.times, 1, 0, 1, 2)
        top.addWidget(self.next_label, 2, 0, 1, 2)
        section = QVBoxLayout()
        section.setSpacing(0)
        section.addWidget(self.section, 0, Qt.AlignmentFlag.AlignHCenter)
        section.addWidget(self.section_label)
        section.addStretch(1)
        top.addLayout(section, 0, 2, 3, 1)
        top.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        for row in self.rows.values():
            row.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            layout.addWidget(row)
        layout.addStretch(1)

        self._alarm = False
        self._stale = True
        bridge.snapshot.connect(self.show_snapshot)
        bridge.tick.connect(self._on_tick)
        # Only an alarm that stopped the saw changes the next step (a chatter warning does not).
        bridge.alarms_changed.connect(lambda alarms: setattr(self, "_alarm", stops_the_saw(alarms)))
        latest = bridge.latest
        if latest is not None:
            self.show_snapshot(latest)
        else:
            self._show_view(self.clock.view, stale=True)

    # --- sizes that never move -------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        self.fit_sizes()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "_stale"):
            section = self.section.section()  # "dikdörtgen 40 × 100 mm" stayed Turkish after a switch to English
            if section is not None:
                self.section_label.setText(keep_together(section.label()))
            self._show_view(self.clock.view, self._stale)
        if event.type() in _REFIT:
            self.fit_sizes()

    def fit_sizes(self) -> None:
        """Fixed widths from the fonts the style sheet gives: the state box as wide as the longest
        state name (the progress column beside it never moves), the numerals as wide as the widest
        value of any row (300,0 mm/min is never cut to 00,0; the units stay in one column)."""
        label = self.state_label
        label.ensurePolished()
        margins = label.width() - label.contentsRect().width()
        names = [state_name(int(state)) for state in SawState] + [state_name(None)]
        widest = max(label.fontMetrics().horizontalAdvance(name) for name in names)
        label.setFixedWidth(max(240, widest + margins + 8))
        # The times one line (they fit: times_fit_one_line), the next step two, whatever the state
        # says. Two lines for the times as well made the overview 38 px too tall for the panel with
        # the link banner showing (the page scrolled, torque off-screen).
        for text, lines in ((self.times, "X"), (self.next_label, "X\nX")):
            text.ensurePolished()
            extra = text.height() - text.contentsRect().height()
            box = text.fontMetrics().boundingRect(QRect(0, 0, 4000, 400), Qt.TextFlag.TextWordWrap, lines)
            text.setFixedHeight(box.height() + extra)
        if self.rows:
            width = max(row.numeral_width() for row in self.rows.values())
            unit_width = max(row.unit_width() for row in self.rows.values())
            for row in self.rows.values():
                row.value.setFixedWidth(width)
                row.unit.setFixedWidth(unit_width)

    @staticmethod
    def _scale(name: str, target: Register | None, bars: dict[str, BarSettings]) -> BarScale:
        config = bars.get(name)
        if config is not None:
            return BarScale(config.minimum, config.maximum, config.normal, config.guard, config.overload)
        top = target.max if target is not None and target.max else 100.0
        return BarScale(0.0, top)

    # --- live values -----------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        values = snapshot.values
        view = self.clock.feed(values, snapshot.ts_ms)
        stale = snapshot.quality is Quality.COMM_ERROR  # a good poll is live; the tick greys out old data
        self._stale = stale
        cutting = view.state == SawState.CUTTING
        for name, row in self.rows.items():
            target = row.target_register
            row.show_values(values.get(name), values.get(target.name) if target else None, stale, cutting=cutting)
        self._show_view(view, stale)
        shape = values.get("cross_section")
        a = values.get("dimension_a")
        if shape is not None and a:
            section = Section(int(shape), a, values.get("dimension_b") or 0.0, values.get("dimension_c") or 0.0,
                              values.get("dimension_d") or 0.0)
            if section != self.section.section():
                self.section.set_section(section)
                self.section_label.setText(keep_together(section.label()))
        self.section.set_position(view.fraction)

    def _show_view(self, view: CutView, stale: bool) -> None:
        name = state_name(view.state)
        if name != self.state_label.text():
            self.state_label.setText(name)
        state = "stale" if stale else _STATE_STYLE.get(view.state, "normal")  # type: ignore[call-overload]
        set_state(self.state_label, state)
        if view.fraction is None:
            self.progress.setValue(0)
            self.progress.setFormat("—")
        else:
            self.progress.setValue(round(view.fraction * 1000))
            self.progress.setFormat(format_percent(view.fraction * 100, 0))
        # "—" for the time left until the estimate means something (while cutting).
        times = cut_times(view.elapsed_s, view.remaining_s, view.depth_mm, view.height_mm,
                          remaining_unknown=view.state == SawState.CUTTING)
        if times != self.times.text():
            self.times.setText(times)
        step = next_step(view, self._alarm)
        if step != self.next_label.text():
            self.next_label.setText(step)

    def _on_tick(self, _now: float) -> None:
        if not self.bridge.link_ok:
            set_state(self.state_label, "stale")
            for row in self.rows.values():
                set_state(row.value, "stale")
