"""Library tracebacks into one log line.

A PLC that sends a malformed frame makes pymodbus raise inside asyncio's protocol callback;
asyncio then logs "Fatal error: protocol.data_received() call failed" with the whole traceback
(and the client sees the connection drop). The fault is the PLC's, not a bug here: one line
naming the error is what an engineer needs, and the log stays readable when it repeats.
"""

from __future__ import annotations

import logging

_LIBRARIES = ("pymodbus",)


class LibraryTracebackFilter(logging.Filter):
    """Turns records carrying a pymodbus exception into one line (message + the error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        if not info or info[1] is None:
            return True
        exc = info[1]
        module = type(exc).__module__ or ""
        if not module.startswith(_LIBRARIES):
            return True
        first = (record.getMessage().splitlines() or ["library error"])[0].rstrip(".")
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        record.msg = f"{first}: {type(exc).__name__}: {detail} (PLC sent a malformed frame)"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


_installed = False


def quiet_library_tracebacks() -> None:
    """Install the filter on the loggers that print those tracebacks (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name in ("asyncio", "pymodbus", "pymodbus.logging"):
        logging.getLogger(name).addFilter(LibraryTracebackFilter())
