"""The older system's smaller tables: cutting sessions, ML journal, anomaly events, its log."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from core.analysis.geometry import Piece, Section
from core.analysis.tables import INSERT_ANOMALY
from core.migrate.cut_figures import CutFigures
from core.migrate.localtime import LocalTimeConverter
from core.migrate.smart_saw_columns import NUMERIC_COLUMNS
from core.migrate.stream_base import ImportStream, Reject, Row, number, parse_code, text
from core.registers import RegisterMap

SOURCE = "smart-saw"


def _json(data: dict[str, Any]) -> str:
    return json.dumps({key: value for key, value in data.items() if value is not None},
                      ensure_ascii=False, default=str)


# cuts columns taken as they are from CutFigures' aggregates.
_FIGURE_COLUMNS = ("band_id", "band_current_mean", "band_current_peak", "band_torque_mean", "band_torque_peak",
                   "descent_speed_mean", "cutting_speed_mean", "deviation_abs_mean")
# Dimensions a section needs for its area (core.analysis.geometry): round bar A; rectangle and
# tube A, B; profile A to D.
_NEEDED_DIMENSIONS = {Section.ROUND: 1, Section.RECTANGLE: 2, Section.TUBE: 2, Section.PROFILE: 4}


class CutsStream(ImportStream):
    """cutting_sessions -> total.db cuts (a cut is identified by its start: imported once).

    Its band, means, vibration peak, energy and piece come from the cut's samples (CutFigures).
    The cut area follows the engine's rule: the piece's section (kesit_yapisi, as a code of the
    cross_section register) cut to the depth the head reached below the piece's top (its height:
    malzeme_genisligi, else dimension A; the lowest head height of the cut's samples, else the
    session's end height). Where the source lacks one of these the area stays empty and
    ``missing`` counts why; never a guessed value.
    """

    source_db, table, target_db, target_table = "total", "cutting_sessions", "total", "cuts"
    wanted = ("start_time", "end_time", "kesim_id", "controller_type", "start_height_mm", "end_height_mm",
              "duration_ms", "data_count")
    _COLUMNS = ("ts_ms", "start_ms", "end_ms", "duration_s", "outcome", "height_mm", "depth_mm",
                "control_mode", "samples", *_FIGURE_COLUMNS, "vibration_peak", "energy_kwh", "energy_method",
                "material_type", "cross_section", "dimension_a", "dimension_b", "dimension_c", "dimension_d",
                "area_cm2")

    def __init__(self, times: LocalTimeConverter, register_map: RegisterMap | None = None) -> None:
        super().__init__(times)
        self._figures: CutFigures | None = None
        self._enums = {name: {label.strip().casefold(): float(code) for code, label in register_map[name].enum}
                       for name in ("cross_section", "material_type")
                       if register_map is not None and name in register_map}
        self.empty: Counter[str] = Counter()  # figure left empty (and why) -> cuts

    def attach(self, source: sqlite3.Connection) -> None:
        # The cut's band and means come from its samples in the same file (total.db sensor_data).
        try:
            figures = CutFigures(source)
        except sqlite3.OperationalError:  # no sensor_data in this total.db
            return
        if figures.available:
            self._figures = figures

    def map_row(self, row: Row) -> Row | None:
        values = dict(zip(self.columns, row[1:], strict=True))
        start_ms = self.timestamp(values["start_time"])
        duration = number(values.get("duration_ms"), "duration_ms")
        if values.get("end_time") not in (None, ""):
            end_ms = self.timestamp(values["end_time"])
        elif duration is not None:
            end_ms = start_ms + int(duration)
        else:
            raise Reject("cutting session without end_time or duration_ms")
        if end_ms < start_ms:
            raise Reject(f"cutting session ends before it starts ({values['end_time']!r})")
        duration_s = duration / 1000.0 if duration is not None else (end_ms - start_ms) / 1000.0
        start_h = number(values.get("start_height_mm"), "start_height_mm")
        end_h = number(values.get("end_height_mm"), "end_height_mm")
        depth = start_h - end_h if start_h is not None and end_h is not None else None
        count = number(values.get("data_count"), "data_count")
        end_text = values.get("end_time")
        if end_text in (None, "") and duration is not None:  # the samples end where the duration does
            end_text = _local_plus(values["start_time"], duration)
        figures = self._figures.of(values.get("kesim_id"), values["start_time"], end_text) \
            if self._figures is not None else {}
        samples = int(count) if count is not None else int(figures.get("samples", 0))
        vibration = [v for v in (_finite(figures.get(f"vibration_{axis}_peak")) for axis in "xyz") if v is not None]
        if not vibration:
            self.empty["vibration_peak"] += 1
        energy = self._energy(figures)
        section = self._code("cross_section", figures.get("kesit_yapisi"))
        dims = [_finite(figures.get(f"malzeme_{letter}_mm")) for letter in "abcd"]
        head = _finite(figures.get("head_min"))
        area = self._area(section, dims, _finite(figures.get("malzeme_genisligi")), end_h if head is None else head)
        return (end_ms, start_ms, end_ms, duration_s, "completed", start_h, depth,
                text(values.get("controller_type")), samples, *(figures.get(name) for name in _FIGURE_COLUMNS),
                max(vibration) if vibration else None, energy, "counter" if energy is not None else "none",
                self._code("material_type", figures.get("malzeme_cinsi")),
                int(section) if section is not None and section.is_integer() else None, *dims, area)

    def _code(self, register: str, value: object) -> float | None:
        if value is None or register not in self._enums:
            return None
        return parse_code(value, self._enums[register])[0]

    def _energy(self, figures: dict[str, Any]) -> float | None:
        first, last = _finite(figures.get("energy_first")), _finite(figures.get("energy_last"))
        if first is None or last is None:
            self.empty["energy_kwh: no guc_kwh counter in the cut's samples"] += 1
            return None
        if last < first:
            self.empty["energy_kwh: the guc_kwh counter went backwards (reset) in the cut"] += 1
            return None
        return round(last - first, 6)

    def _area(self, section: float | None, dims: list[float | None], width: float | None,
              head: float | None) -> float | None:
        if section is None or not section.is_integer() or int(section) not in _NEEDED_DIMENSIONS:
            self.empty["area_cm2: no known section shape (kesit_yapisi)"] += 1
            return None
        shape = Section(int(section))
        needed = dims[:_NEEDED_DIMENSIONS[shape]]
        if any(d is None or d <= 0 for d in needed):
            self.empty["area_cm2: the source gives no section dimensions (malzeme_a_mm..d_mm)"] += 1
            return None
        a, b, c, d = (v or 0.0 for v in dims)
        height = width if width is not None and width > 0 else a
        if head is None:
            self.empty["area_cm2: no head height (kafa_yuksekligi_mm / end_height_mm)"] += 1
            return None
        depth = min(max(height - head, 0.0), height)
        return round(Piece(shape, a, b, c, d).area_cm2(depth), 3)

    def notes(self) -> list[str]:
        """What the summary says about the figures left empty (and how many cuts)."""
        return [f"{count} cuts without {what}" for what, count in sorted(self.empty.items())]

    def insert_sql(self) -> str:
        return (f"INSERT OR IGNORE INTO cuts ({', '.join(self._COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(self._COLUMNS))})")


def _local_plus(start: object, duration_ms: float) -> str | None:
    """The local ISO text ``duration_ms`` after ``start`` (bounds the search for a cut's samples)."""
    try:
        return (datetime.fromisoformat(str(start)) + timedelta(milliseconds=duration_ms)).isoformat()
    except (ValueError, OverflowError):
        return None


def _finite(value: object) -> float | None:
    """A number from the source's figures; text, inf or NULL is no number (the figure stays empty)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


class DecisionsStream(ImportStream):
    """ml_predictions -> ml.db decisions (model "smart-saw", action "model")."""

    source_db, table, target_db, target_table = "ml", "ml_predictions", "ml", "decisions"
    wanted = ("timestamp", "akim_input", "sapma_input", "kesme_hizi_input", "inme_hizi_input",
              "serit_motor_tork", "kafa_yuksekligi", "yeni_kesme_hizi", "yeni_inme_hizi", "katsayi",
              "ml_output", "kesim_id", "makine_id", "serit_id", "malzeme_cinsi")
    _COLUMNS = ("ts_ms", "model", "mode", "action", "cutting_speed", "descent_speed", "applied", "coefficient",
                "features", "descent_before", "cutting_before", "torque", "reason")

    def map_row(self, row: Row) -> Row | None:
        v = dict(zip(self.columns, row[1:], strict=True))
        ts_ms = self.timestamp(v["timestamp"])
        n = {name: number(v.get(name), name) for name in self.wanted[1:11]}
        features = {
            "band_current": n["akim_input"], "band_deviation": n["sapma_input"],
            "cutting_speed": n["kesme_hizi_input"], "descent_speed": n["inme_hizi_input"],
            "head_height": n["kafa_yuksekligi"], "ml_output": n["ml_output"],
            "cut_id": v.get("kesim_id"), "machine_id": v.get("makine_id"), "band_id": v.get("serit_id"),
            "material": v.get("malzeme_cinsi"),
        }
        applied = int(n["yeni_kesme_hizi"] is not None or n["yeni_inme_hizi"] is not None)
        return (ts_ms, SOURCE, "ml", "model", n["yeni_kesme_hizi"], n["yeni_inme_hizi"], applied, n["katsayi"],
                _json(features), n["inme_hizi_input"], n["kesme_hizi_input"], n["serit_motor_tork"],
                "imported from smart-saw ml.db")

    def insert_sql(self) -> str:
        return f"INSERT INTO decisions ({', '.join(self._COLUMNS)}) VALUES ({', '.join('?' * len(self._COLUMNS))})"


class AnomaliesStream(ImportStream):
    """anomaly_events -> anomaly.db anomalies (an event is unique by time, signal and kind)."""

    source_db, table, target_db, target_table = "anomaly", "anomaly_events", "anomaly", "anomalies"
    wanted = ("timestamp", "sensor_name", "sensor_value", "detection_method", "kesim_id", "kafa_yuksekligi",
              "makine_id", "serit_id", "malzeme_cinsi")

    def map_row(self, row: Row) -> Row | None:
        v = dict(zip(self.columns, row[1:], strict=True))
        ts_ms = self.timestamp(v["timestamp"])
        name = text(v.get("sensor_name"))
        if not name:
            raise Reject("anomaly event without sensor_name")
        column = NUMERIC_COLUMNS.get(name)
        signal = column.register if column else name
        kind = (text(v.get("detection_method")) or "unknown").strip().lower() or "unknown"
        value = number(v.get("sensor_value"), "sensor_value")
        detail = _json({
            "source": SOURCE, "sensor_name": name, "cut_id": v.get("kesim_id"),
            "head_height": v.get("kafa_yuksekligi"), "machine_id": v.get("makine_id"),
            "band_id": v.get("serit_id"), "material": v.get("malzeme_cinsi"),
        })
        # (ts_ms, signal, kind, phase, severity, value, threshold, score, cut_start_ms, detail)
        return (ts_ms, signal, kind, "onset", "medium", value, None, None, None, detail)

    def insert_sql(self) -> str:
        return INSERT_ANOMALY


class EventsStream(ImportStream):
    """system_logs -> log.db events (kind "smart_saw_log")."""

    source_db, table, target_db, target_table = "log", "system_logs", "log", "events"
    wanted = ("timestamp", "level", "logger_name", "message", "exception")

    def map_row(self, row: Row) -> Row | None:
        v = dict(zip(self.columns, row[1:], strict=True))
        ts_ms = self.timestamp(v["timestamp"])
        data = _json({"level": text(v.get("level")), "logger": text(v.get("logger_name")),
                      "exception": text(v.get("exception")), "imported_from": SOURCE})
        return (ts_ms, "smart_saw_log", SOURCE, text(v.get("message")) or "", data)

    def insert_sql(self) -> str:
        return "INSERT INTO events (ts_ms, kind, source, message, data) VALUES (?, ?, ?, ?, ?)"
