"""A value tile: one register's value, unit and optional target, greyed with its age when stale."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hmi.bridge import Channel, ChannelValue, EngineBridge
from hmi.formatting import decimals_for, description, format_age, format_number, unit_name
from hmi.widgets.style import set_state


class ValueTile(QFrame):
    """Shows register ``name``; with ``target`` the setpoint register beside it (actual | target).

    States (QSS property ``state``): ``normal``, ``stale`` (older than hmi.stale_after_s: grey and
    the age shown), ``nodata`` (never had a value).
    """

    def __init__(
        self,
        bridge: EngineBridge,
        name: str,
        *,
        title: str | None = None,
        target: str | None = None,
        decimals: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ValueTile")
        self._bridge = bridge
        register = bridge.engine.register_map[name]
        self._decimals = decimals_for(register) if decimals is None else decimals
        self._channel: Channel = bridge.channel(name)
        self._target: Channel | None = bridge.channel(target) if target else None
        # The target is shown at the same resolution as the actual value beside it.
        self._target_decimals = self._decimals

        self.title_label = QLabel(title or description(register), self)
        self.title_label.setObjectName("TileTitle")
        self.value_label = QLabel("—", self)
        self.value_label.setObjectName("TileValue")
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.unit_label = QLabel(unit_name(register.unit), self)
        self.unit_label.setObjectName("TileUnit")
        self.target_label = QLabel("", self)
        self.target_label.setObjectName("TileTarget")
        self.target_label.setVisible(target is not None)
        self.age_label = QLabel("", self)
        self.age_label.setObjectName("TileAge")

        row = QHBoxLayout()
        row.addWidget(self.value_label, 1)
        row.addWidget(self.unit_label, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addLayout(row)
        footer = QHBoxLayout()
        footer.addWidget(self.target_label)
        footer.addStretch(1)
        footer.addWidget(self.age_label)
        layout.addLayout(footer)

        self._channel.changed.connect(self._on_value)
        if self._target is not None:
            self._target.changed.connect(self._on_target)
        bridge.tick.connect(self._judge)
        set_state(self, "nodata")
        if self._channel.latest is not None:
            self._on_value(self._channel.latest)

    @property
    def name(self) -> str:
        return self._channel.name

    @property
    def state(self) -> str:
        return str(self.property("state"))

    def text(self) -> str:
        return self.value_label.text()

    def _on_value(self, item: ChannelValue) -> None:
        if item.value is not None:
            text = format_number(item.value, self._decimals)
            if text != self.value_label.text():
                self.value_label.setText(text)
        self._judge()

    def _on_target(self, item: ChannelValue) -> None:
        text = (self.tr("target %1").replace("%1", format_number(item.value, self._target_decimals))
                if item.value is not None else "")
        if text and text != self.target_label.text():
            self.target_label.setText(text)

    def _judge(self, now: float | None = None) -> None:
        age = self._channel.age_s(now)
        if age is None:
            set_state(self, "nodata")
            self.age_label.setText(self.tr("no data"))
            return
        fresh = age <= self._bridge.stale_after_s and (
            self._channel.latest is not None and self._channel.latest.value is not None
        )
        if fresh:
            set_state(self, "normal")
            if self.age_label.text():
                self.age_label.setText("")
        else:
            set_state(self, "stale")
            self.age_label.setText(self.tr("%1 old").replace("%1", format_age(age)))
