"""Band life as ThingsBoard client attributes, through a real mosquitto (our own, on a free port)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from band_life_sim import run_cuts

from core.analysis.alarms import AlarmManager
from core.config import ConfigError, Settings
from core.iot import key_map
from core.production.band_life_monitor import BandLifeMonitor
from core.production.band_life_settings import BandLifeSettings
from core.registers import RegisterMap
from tests.iot.mqtt_helpers import (
    ATTRIBUTES,
    MOSQUITTO,
    Mosquitto,
    SnapshotMaker,
    Subscriber,
    make_service,
    running,
    with_thingsboard,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto); .ci/run installs it")
    server = Mosquitto(tmp_path / "mosquitto")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _merged(sub: Subscriber) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for message in sub.on(ATTRIBUTES):
        attrs.update(message)
    return attrs


async def test_band_life_attributes_reach_the_broker(settings: Settings, register_map: RegisterMap,
                                                     broker: Mosquitto, tmp_path: Path) -> None:
    monitor = BandLifeMonitor(BandLifeSettings(), AlarmManager(), tmp_path / "total.db", blade_life_area_cm2=5000.0)
    run_cuts(12, seed=1, on_cut=monitor.on_cut)
    await monitor.settled()  # a new band's earlier cuts are read off the loop; the figure follows
    assert monitor.current is not None and monitor.current.method == "area"
    sub = Subscriber(broker.port, [ATTRIBUTES]).start()
    service = make_service(settings, register_map, broker.port, extra_attributes=monitor.attributes,
                           tb={"attribute_key_map": {"bandLifeUsedPct": "serit_omru_yuzde"}})
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await wait_until(lambda: service.connected, "connection")
            service.on_snapshot(maker.next())
            await wait_until(lambda: {"bandLifeMethod", "bandId"} <= set(_merged(sub)), "band life attributes")
            first = _merged(sub)
            # Band id 0: the figures that are not known are not sent again; the method says "none".
            monitor.on_band(0)
            service.on_snapshot(maker.next(band_id=0.0))
            await wait_until(lambda: _merged(sub).get("bandLifeMethod") == "none", "band 0 attributes")
            last = sub.on(ATTRIBUTES)[-1]
    finally:
        sub.stop()
    e = first
    assert e["bandLifeBandId"] == 4711 and e["bandLifeCuts"] == 12 and e["bandLifeMethod"] == "area"
    assert "bandLifeUsedPct" not in e and 0 < e["serit_omru_yuzde"] < 100  # renamed by the key map
    assert e["bandLifeRemainingPct"] == pytest.approx(100 - e["serit_omru_yuzde"], abs=0.11)
    assert e["bandLifeAreaCm2"] > 0 and e["bandLifeRunHours"] > 0 and e["bandLifeRemainingCm2"] > 0
    assert e["bandId"] == 1234  # the PLC's attributes still go out beside them
    assert last["bandLifeBandId"] == 0 and last["bandLifeMethod"] == "none"
    assert "serit_omru_yuzde" not in last and "bandLifeRemainingPct" not in last


def test_the_key_maps_know_the_band_life_keys(settings: Settings, register_map: RegisterMap) -> None:
    smart = key_map.resolve(with_thingsboard(settings, attribute_key_map="smart-saw").iot.thingsboard, register_map)
    assert smart.attribute_values({"bandLifeUsedPct": 40.0, "bandId": 3}) == {"bandLifeUsedPct": 40.0, "serit_id": 3}
    native = key_map.resolve(settings.iot.thingsboard, register_map)
    assert native.attribute_values({"bandLifeMethod": "trend"}) == {"bandLifeMethod": "trend"}
    with pytest.raises(ConfigError, match=r"attribute_key_map\.bandLifeUsed: unknown name"):
        key_map.resolve(with_thingsboard(settings, attribute_key_map={"bandLifeUsed": "x"}).iot.thingsboard,
                        register_map)
