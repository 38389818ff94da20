"""The simulated saw PLC: band-saw physics behind a real Modbus TCP server, with fault injection.

``SawPlc`` (physics, steppable in-process), ``SimulatorServer`` (Modbus TCP), ``serve`` (the
``bandsaw sim`` entry point), ``FaultInjector``. See ../shared/SIMULATOR.md for the physics.
"""

from core.sim.faults import FaultInjector
from core.sim.physics import AlarmBit, AlarmCode, SawPlc
from core.sim.server import SimulatorServer, serve

__all__ = ["AlarmBit", "AlarmCode", "FaultInjector", "SawPlc", "SimulatorServer", "serve"]
