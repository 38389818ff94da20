"""ML on the simulated PLC over Modbus TCP: the real client, poller, Writer and ML controller.

``async with sim_rig(settings, register_map) as rig:`` starts the simulator (one piece of STOCK[4],
the operator's speeds put back by no one but the controller) and points the settings at it. Then,
in this order, each optional (the rig's PlcClient and the Writer's write by default): the poller
(:meth:`SimRig.poll`), the Writer (:meth:`SimRig.write_through`), the controller
(:meth:`SimRig.control`); :meth:`SimRig.start` connects and starts them. Leaving the block stops
what was started, in the engine's order (the controller first: its restore needs the Writer and
the poller), then closes the clients and the simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, Settings
from core.control.envelope import WriteFn
from core.control.journal import MemoryJournal
from core.control.ml_controller import MlController
from core.control.ml_parts import Policy
from core.control.modes import Mode, ModeManager
from core.ml.simenv import load_piece
from core.modbus.client import PlcClient
from core.modbus.poller import BlockReader, Poller, SnapshotCallback
from core.modbus.writer import RegisterClient, Writer
from core.registers import RegisterMap
from core.security.audit import AuditSink
from core.sim.materials import STOCK
from core.sim.server import SimulatorServer
from core.snapshot import Snapshot

SHIPPED_MODEL = PROJECT_ROOT / "data" / "models" / "default"

# Quick to notice a lost link and to reconnect; the controller's initial delay short.
MODBUS = {"timeout_s": 0.5, "retry_delay_s": 0.05, "reconnect_backoff_max_s": 0.5}
CONTROL = {"initial_descent_mm": 0.5, "initial_delay_min_s": 0.5}


class SimRig:
    """The simulator, the settings pointed at it, a PlcClient, a journal and the mode (ML)."""

    def __init__(self, sim: SimulatorServer, settings: Settings, register_map: RegisterMap) -> None:
        self.sim = sim
        self.settings = settings
        self.register_map = register_map
        self.client = PlcClient(settings.modbus)
        self.journal = MemoryJournal()
        self.modes = ModeManager(Mode.ML, self.journal)
        self.alarms = AlarmManager()
        self._panels: list[PlcClient] = []
        self._poller: Poller | None = None
        self._writer: Writer | None = None
        self._controller: MlController | None = None

    def panel(self) -> PlcClient:
        """A second Modbus client on the simulator (an operator's panel); start() connects it."""
        panel = PlcClient(self.settings.modbus)
        self._panels.append(panel)
        return panel

    def feed(self, snap: Snapshot) -> None:
        """Hands a poll to the controller (dropped before there is one)."""
        if self._controller is not None:
            self._controller.feed(snap)

    def poll(self, client: BlockReader | None = None, feed: SnapshotCallback | None = None) -> Poller:
        """The poller, reading through ``client`` (the rig's PlcClient); its polls go to ``feed``
        (:meth:`feed`)."""
        assert self._poller is None, "the poller is built once"
        reader = self.client if client is None else client
        self._poller = Poller(self.settings, self.register_map, reader, self.feed if feed is None else feed)
        return self._poller

    @property
    def poller(self) -> Poller:
        """The poller built so far, else one with the defaults."""
        return self.poll() if self._poller is None else self._poller

    def write_through(self, client: RegisterClient | None = None, audit: AuditSink | None = None) -> Writer:
        """The Writer, writing through ``client`` (the rig's PlcClient) on the poller's latest poll;
        ``audit`` gets its records."""
        assert self._writer is None, "the Writer is built once"
        poller = self.poller
        target = self.client if client is None else client
        self._writer = Writer(self.settings, self.register_map, target, lambda: poller.latest, audit=audit)
        return self._writer

    @property
    def writer(self) -> Writer:
        """The Writer built so far, else one with the defaults."""
        return self.write_through() if self._writer is None else self._writer

    def control(self, write: WriteFn | None = None, model: Policy | None = None) -> MlController:
        """The ML controller writing through ``write`` (the Writer's write), deciding with ``model``
        (none: load one, e.g. :data:`SHIPPED_MODEL`)."""
        assert self._controller is None, "the controller is built once"
        self._controller = MlController(
            self.settings,
            self.register_map,
            writer=self.writer.write if write is None else write,
            alarms=self.alarms,
            modes=self.modes,
            journal=self.journal,
            model=model,
        )
        return self._controller

    @property
    def controller(self) -> MlController:
        assert self._controller is not None, "no controller: call control() first"
        return self._controller

    async def start(self) -> None:
        """Connect the clients, start the poller and the controller."""
        controller = self.controller
        await self.client.connect()
        for panel in self._panels:
            await panel.connect()
        self.poller.start()
        await controller.start()

    async def stop(self) -> None:
        """Stop what was started (the controller first: its restore needs the Writer and the poller)."""
        if self._controller is not None:
            await self._controller.stop()
        if self._writer is not None:
            await self._writer.stop()
        if self._poller is not None:
            await self._poller.stop()
        await self.client.close()
        for panel in self._panels:
            await panel.close()
        await self.sim.stop()


@asynccontextmanager
async def sim_rig(
    settings: Settings,
    register_map: RegisterMap,
    *,
    seed: int = 5,
    speedup: float = 4.0,
    modbus: Mapping[str, float] | None = None,
    control: Mapping[str, float] | None = None,
) -> AsyncIterator[SimRig]:
    """A :class:`SimRig` on a started simulator; ``modbus`` and ``control`` replace settings of
    :data:`MODBUS` / :data:`CONTROL` or others of those sections. Stopped on leaving."""
    sim = SimulatorServer(register_map, port=0, seed=seed, speedup=speedup)
    sim.plc.operator_each_piece = False  # only the controller may put the operator speeds back
    load_piece(sim.plc, STOCK[4])  # S235JR rectangle 40 mm
    await sim.start()
    modbus_settings = settings.modbus.model_copy(update={**MODBUS, **(modbus or {}), "port": sim.port})
    control_settings = settings.control.model_copy(update={**CONTROL, **(control or {})})
    rig = SimRig(
        sim, settings.model_copy(update={"modbus": modbus_settings, "control": control_settings}), register_map
    )
    try:
        yield rig
    finally:
        await rig.stop()
