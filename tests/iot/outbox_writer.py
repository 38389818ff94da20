"""A TelemetryService in a process of its own, for the crash test: store records, then wait.

    python outbox_writer.py <data_dir> <port> <count>

Prints ``STORED <count>`` once every record is committed to the outbox, then idles until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]

from mqtt_helpers import SnapshotMaker  # noqa: E402

from core.analysis.alarms import AlarmManager  # noqa: E402
from core.config import PROJECT_ROOT, load_settings  # noqa: E402
from core.iot import TelemetryService  # noqa: E402
from core.registers import load_register_map  # noqa: E402
from tests.waiting import wait_until  # noqa: E402


async def main(data_dir: Path, port: int, count: int) -> None:
    settings = load_settings(
        PROJECT_ROOT / "config" / "config.yaml",
        env={},
        env_file=data_dir / "no.env",
        overrides={
            "paths": {"data_dir": str(data_dir)},
            "iot": {"thingsboard": {"enabled": True, "port": port, "reconnect_backoff_max_s": 1.0}},
        },
    )
    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    service = TelemetryService(settings, register_map, AlarmManager())
    await service.start()
    maker = SnapshotMaker(register_map)
    for _ in range(count):
        service.on_snapshot(maker.next())
    await wait_until(lambda: service.unsaved == 0, "records committed")
    print(f"STORED {count}", flush=True)
    await asyncio.sleep(3600)  # the test kills us long before


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
