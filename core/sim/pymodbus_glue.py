"""The two places the simulator needs more of pymodbus than its documented hooks give.

``ModbusTcpServer`` keeps its listening transport (an ``asyncio.Server``) in ``transport`` and
its client handlers in ``active_connections`` (public attributes of pymodbus's
``ModbusProtocol``, without an accessor). Kept here, in one place, should they move.
"""

from __future__ import annotations

import asyncio

from pymodbus.server import ModbusTcpServer


def listening_port(server: ModbusTcpServer) -> int:
    """The port the server is bound to (the real one when it was asked for port 0)."""
    listener = server.transport
    if not isinstance(listener, asyncio.Server) or not listener.sockets:
        raise RuntimeError("the Modbus server is not listening")
    return int(listener.sockets[0].getsockname()[1])


def close_client_connections(server: ModbusTcpServer) -> int:
    """Close every client connection the server holds; the listener stays open."""
    handlers = list(server.active_connections.values())
    for handler in handlers:
        handler.close()
    return len(handlers)
