"""Settings of ``analysis.band_life``: how band life is estimated and when it is alarmed.

Kept beside the code that uses it; core.analysis.settings includes it as
``AnalysisSettings.band_life``. This module must not import core.config.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config_sources import SettingsSection


class BandLifeSettings(SettingsSection):  # unknown keys, NaN/infinity, true/false for a number: refused

    # The measured signal whose rise at equal chip load shows the band's wear. band_torque is
    # proportional to the cutting force; band_current is not (a motor's current curve), and on the
    # simulator it estimated much worse (RMS 23 against 7 points at >= 30 % wear, seeds 1-3).
    signal: Literal["band_torque", "band_current"] = "band_torque"
    # What the signal reads with the band running free (no cut): subtracted before normalising.
    # band_torque in % of rated, band_current in A.
    idle_level: float = Field(default=10.0, ge=0)
    # Kienzle: cutting force grows with chip thickness^(1 - m_c); 1 - m_c is about 0.75 for steels.
    chip_exponent: float = Field(default=0.75, gt=0, le=1.5)
    # End of life: the normalised signal has risen by this fraction over a new band's
    # (1.0: a worn-out band needs twice the force of a new one at the same chip).
    end_of_life_rise: float = Field(default=1.0, gt=0, le=5)
    # Fewer usable cuts than this, or a rise below min_rise: the area-based figure is used.
    min_cuts: int = Field(default=20, ge=5, le=100_000)
    min_rise: float = Field(default=0.10, ge=0, lt=1)
    # Below this fitted rise the trend is a straight line; above it, a curve that may steepen
    # (worn teeth wear faster): early on the curvature is noise (chosen on simulator seeds 1-5).
    curve_from_rise: float = Field(default=0.3, ge=0, le=5)
    # A cut counts for the trend only when it went at least this deep (mm).
    min_depth_mm: float = Field(default=5.0, ge=0)
    # Alarm (analysis.band_life.low) when the remaining life falls to this percentage.
    alarm_remaining_pct: float = Field(default=10.0, ge=0, le=100)
    # The alarm clears only above threshold + hysteresis (a new band), not on estimate jitter.
    alarm_hysteresis_pct: float = Field(default=5.0, ge=0, le=50)
    # A band change is put down to tooth breakage when the breakage alarm came on within this many
    # seconds of running before the band came off.
    breakage_window_s: float = Field(default=3600.0, ge=0)
