"""Typed failures of PLC requests: callers never see pymodbus's own exceptions."""

from __future__ import annotations


class PlcError(Exception):
    """A request to the PLC did not produce a usable answer."""


class PlcDisconnected(PlcError):
    """The link is down (refused, dropped, or given up after retries); a reconnect is under way."""


class PlcTimeout(PlcError):
    """The PLC did not answer within the timeout."""


class PlcRetryPending(PlcError):
    """A previous request failed and the retry delay has not passed yet: nothing was sent."""


class PlcBadResponse(PlcError):
    """The PLC answered, but not with what was asked (wrong register count, wrong type)."""


class PlcExceptionResponse(PlcError):
    """The PLC answered with a Modbus exception code (illegal address, device busy...)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type[PlcExceptionResponse], tuple[str, int]]:
        return type(self), (str(self), self.code)  # pickled by its arguments (the default gives one)
