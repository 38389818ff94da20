"""The PLC register map: loading and validation, block planning, decode and encode.

``config/registers.yaml`` is the single description of the PLC. Everything that talks to the
PLC (poller, writer, simulator) goes through a :class:`RegisterMap` built here. The value types and
their decode/encode are in :mod:`core.registers.model`, the reading and checking of the file in
:mod:`core.registers.loading`; import both from here.
"""

from core.registers.loading import (
    ENGINE_REGISTERS,
    RegisterMapError,
    load_register_map,
    parse_register_map,
    require_engine_registers,
)
from core.registers.model import (
    MAX_BLOCK_REGISTERS,
    TEXT_LANGUAGES,
    UNIT_TEXTS,
    Access,
    Block,
    DataType,
    EncodeError,
    Register,
    RegisterMap,
    WordOrder,
    decimals_for_scale,
    plan_blocks,
    unit_in,
)

__all__ = [
    "ENGINE_REGISTERS",
    "MAX_BLOCK_REGISTERS",
    "TEXT_LANGUAGES",
    "UNIT_TEXTS",
    "Access",
    "Block",
    "DataType",
    "EncodeError",
    "Register",
    "RegisterMap",
    "RegisterMapError",
    "WordOrder",
    "decimals_for_scale",
    "load_register_map",
    "parse_register_map",
    "plan_blocks",
    "require_engine_registers",
    "unit_in",
]
