"""Temperatures and humidity around the saw: first-order lags and slow drifts."""

from __future__ import annotations

import math
import random

DAY_S = 86_400.0


class Environment:
    """Ambient temperature and humidity drift; coolant and hydraulic oil follow with lags.

    Coolant warms with band power (the chips' heat) and cools toward ambient with a time
    constant of minutes; hydraulic oil warms while the machine works (pump) and cools slower.
    """

    COOLANT_TAU_S = 480.0
    COOLANT_HEAT = 4.2e-5  # degC per J of band energy: +8 degC steady at 400 W
    HYDRAULIC_TAU_S = 900.0
    HYDRAULIC_RISE = 15.0  # degC above ambient while the machine works continuously

    def __init__(self, rng: random.Random, ambient: float = 21.0, humidity: float = 45.0) -> None:
        self._rng = rng
        self._ambient_mean = ambient
        self._humidity_mean = humidity
        self._ambient_walk = 0.0
        self.humidity = humidity
        self.ambient = ambient
        self.coolant = ambient
        self.hydraulic = ambient
        self._time = 0.0

    def step(self, dt: float, power_w: float, working: bool) -> None:
        self._time += dt
        # Ornstein-Uhlenbeck walks: slow, bounded drifts (about 0.3 degC and 3 % rH).
        self._ambient_walk += -self._ambient_walk * dt / 1800.0 + 0.3 * math.sqrt(dt / 900.0) * self._rng.gauss(0, 1)
        daily = 2.5 * math.sin(2.0 * math.pi * self._time / DAY_S)
        self.ambient = self._ambient_mean + daily + self._ambient_walk
        self.humidity += (self._humidity_mean - self.humidity) * dt / 3600.0 + 3.0 * math.sqrt(
            dt / 1800.0
        ) * self._rng.gauss(0, 1)
        self.humidity = min(max(self.humidity, 5.0), 95.0)
        self.coolant += (self.COOLANT_HEAT * power_w - (self.coolant - self.ambient) / self.COOLANT_TAU_S) * dt
        target = self.ambient + (self.HYDRAULIC_RISE if working else 0.0)
        self.hydraulic += (target - self.hydraulic) * dt / self.HYDRAULIC_TAU_S
