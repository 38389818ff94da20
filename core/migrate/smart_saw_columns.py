"""The older system's names (SMART-SAW.md) and the register names and units they correspond to.

One table serves both directions: the importer reads ``sensor_data`` columns into raw.db
``samples`` columns, and the ``smart-saw`` telemetry key map sends register values to
ThingsBoard under the older system's keys so its dashboards keep working.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    register: str
    unit: str  # the unit the older system stored (its column suffixes and SMART-SAW.md)


# sensor_data column -> register name and the older system's unit. Units are compared with the
# register map's at import time and converted where a plant's map differs (core.migrate.units).
NUMERIC_COLUMNS: dict[str, Column] = {
    "serit_motor_akim_a": Column("band_current", "A"),
    "serit_motor_tork_percentage": Column("band_torque", "%"),
    "inme_motor_akim_a": Column("descent_current", "A"),
    "inme_motor_tork_percentage": Column("descent_torque", "%"),
    "serit_kesme_hizi": Column("cutting_speed_actual", "m/min"),
    "serit_inme_hizi": Column("descent_speed_actual", "mm/min"),
    "kesme_hizi_hedef": Column("cutting_speed", "m/min"),
    "inme_hizi_hedef": Column("descent_speed", "mm/min"),
    "kafa_yuksekligi_mm": Column("head_height", "mm"),
    "serit_sapmasi": Column("band_deviation", "mm"),
    "serit_gerginligi_bar": Column("band_tension", "bar"),
    "mengene_basinc_bar": Column("vice_pressure", "bar"),
    "ortam_sicakligi_c": Column("ambient_temp", "°C"),
    "ortam_nem_percentage": Column("humidity", "%"),
    "sogutma_sivi_sicakligi_c": Column("coolant_temp", "°C"),
    "hidrolik_yag_sicakligi_c": Column("hydraulic_temp", "°C"),
    "ivme_olcer_x": Column("vibration_x", "g"),
    "ivme_olcer_y": Column("vibration_y", "g"),
    "ivme_olcer_z": Column("vibration_z", "g"),
    "ivme_olcer_x_hz": Column("vibration_x_freq", "Hz"),
    "ivme_olcer_y_hz": Column("vibration_y_freq", "Hz"),
    "ivme_olcer_z_hz": Column("vibration_z_freq", "Hz"),
    "max_titresim_hz": Column("vibration_max_freq", "Hz"),
    "testere_durumu": Column("saw_state", ""),
    "alarm_status": Column("alarm_status", ""),
    "makine_id": Column("machine_id", ""),
    "serit_id": Column("band_id", ""),
    "malzeme_a_mm": Column("dimension_a", "mm"),
    "malzeme_b_mm": Column("dimension_b", "mm"),
    "malzeme_c_mm": Column("dimension_c", "mm"),
    "malzeme_d_mm": Column("dimension_d", "mm"),
    "malzeme_genisligi": Column("material_width", "mm"),
    "serit_dis_mm": Column("tooth_pitch", "mm"),
    "kesilen_parca_adeti": Column("cut_count", ""),
    "guc_kwh": Column("energy_total", "kWh"),
}

# TEXT columns of the older system whose register holds a numeric code. A number written as
# text is taken; a name ("St37") has no code in the register map: the sample keeps NULL there
# and the summary counts it (it is not a broken row).
CODE_COLUMNS: dict[str, Column] = {
    "alarm_bilgisi": Column("alarm_info", ""),
    "malzeme_cinsi": Column("material_type", ""),
    "malzeme_sertlik": Column("material_hardness", "HB"),
    "kesit_yapisi": Column("cross_section", ""),
    "serit_tip": Column("band_type", ""),
    "serit_marka": Column("band_brand", ""),
    "serit_malz": Column("band_material", ""),
}

# Columns the older system kept per sample that are not register values: its controller's
# journal (imported from ml.db instead), the cut id (cutting_sessions) and its anomaly text
# (anomaly.db). Listed so the summary can say they were deliberately left out.
NOT_SAMPLES = (
    "id", "timestamp", "kesim_id", "ml_output", "kesme_hizi_degisim", "inme_hizi_degisim",
    "torque_guard_active", "controller_type", "anomalies",
)

# Engine-computed telemetry fields under the older system's keys.
COMPUTED_KEYS = {"ml_output": "ml_output", "torque_guard": "torque_guard_active"}

# Client attributes: this project's keys -> the older system's (its column names).
ATTRIBUTE_KEYS = {
    "machineId": "makine_id",
    "bandId": "serit_id",
    "bandType": "serit_tip",
    "bandBrand": "serit_marka",
    "material": "malzeme_cinsi",
}


def telemetry_keys() -> dict[str, str]:
    """register name -> the older system's telemetry key (its sensor_data column name)."""
    keys = {column.register: name for name, column in NUMERIC_COLUMNS.items()}
    keys.update({column.register: name for name, column in CODE_COLUMNS.items()})
    keys.update(COMPUTED_KEYS)
    return keys
