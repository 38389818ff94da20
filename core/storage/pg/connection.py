"""Where the PostgreSQL mirror connects, how that is shown without secrets, and what went wrong.

The target comes from ``database.postgresql``: ``url`` (DATABASE_URL) when set, else host, port,
database, user and password (POSTGRES_*). Nothing here ever puts the password in a string that
could reach a log, the HMI or an exception message.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from core.config import PostgresSettings


@dataclass(frozen=True, slots=True)
class Target:
    """The connection parameters; ``password`` is kept out of repr and every display string."""

    host: str
    port: int
    database: str
    user: str
    dsn: str | None  # the URL as configured, passed to asyncpg untouched
    password: str = ""

    def __repr__(self) -> str:
        return f"Target({self.display})"

    @property
    def display(self) -> str:
        """``postgresql://user:***@host:port/database``: fit for logs and the HMI."""
        secret = ":***" if self.password else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{self.database}"

    @property
    def identity(self) -> str:
        """Names the central database; durable cursors are kept per identity."""
        return f"{self.host}:{self.port}/{self.database}"

    def redact(self, text: str) -> str:
        """``text`` with the password and the raw URL blanked out, whatever else it says."""
        if self.dsn:
            text = text.replace(self.dsn, self.display)
        if self.password:
            text = text.replace(self.password, "***")
        return text

    def connect_kwargs(self) -> dict[str, Any]:
        if self.dsn:
            return {"dsn": self.dsn}
        return {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "password": self.password or None,
        }


def target_from_settings(pg: PostgresSettings) -> Target:
    if pg.url is not None and pg.url.get_secret_value():
        dsn = pg.url.get_secret_value()
        parts = urlsplit(dsn)
        try:
            port = parts.port or pg.port
        except ValueError:  # a non-numeric port: asyncpg will name the problem on connect
            port = pg.port
        return Target(
            host=parts.hostname or pg.host,
            port=port,
            database=unquote(parts.path.lstrip("/")) or pg.database,
            user=unquote(parts.username or "") or pg.user,
            dsn=dsn,
            password=unquote(parts.password or ""),
        )
    return Target(
        host=pg.host,
        port=pg.port,
        database=pg.database,
        user=pg.user,
        dsn=None,
        password=pg.password.get_secret_value(),
    )


async def create_pool(target: Target, pg: PostgresSettings) -> asyncpg.Pool:
    """A pool with ``pool_min`` connections open, or the connect error (see :func:`describe_error`)."""
    pool = await asyncpg.create_pool(
        **target.connect_kwargs(),
        min_size=pg.pool_min,
        max_size=pg.pool_max,
        command_timeout=pg.command_timeout_s,
        timeout=min(pg.command_timeout_s, 10.0),
        # Mirror rows are self-describing; a statement cache only helps repeated queries.
        server_settings={"application_name": "bandsaw-mirror"},
    )
    assert pool is not None
    return pool


# --- error classification --------------------------------------------------------------------

# A batch rejected for what it contains: bisect it and quarantine the culprits.
CONTENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.DataError,  # SQLSTATE class 22: bad value, encoding, out of range
    asyncpg.IntegrityConstraintViolationError,  # class 23: NOT NULL, CHECK
    TypeError,  # client-side encoding: e.g. text in a DOUBLE PRECISION column
    ValueError,
    OverflowError,
    IndexError,
)


def is_content_error(exc: BaseException) -> bool:
    # asyncpg's client-side DataError is a ValueError and an InterfaceError; an
    # InterfaceError otherwise means the connection, so check the content classes first.
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.ConnectionDoesNotExistError):
        return False
    return isinstance(exc, CONTENT_ERRORS)


def describe_error(exc: BaseException, target: Target) -> str:
    """One line an operator or IT can act on; never contains the password."""
    where = f"{target.host}:{target.port}"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        text = f"PostgreSQL at {where} refused the password for user '{target.user}'"
    elif isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        text = f"PostgreSQL at {where} refused user '{target.user}': {exc}"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        text = f"database '{target.database}' does not exist on PostgreSQL at {where}"
    elif isinstance(exc, asyncpg.CannotConnectNowError):
        text = f"PostgreSQL at {where} is starting up or shutting down"
    elif isinstance(exc, asyncpg.InsufficientPrivilegeError):
        text = f"user '{target.user}' lacks a privilege on '{target.database}': {exc}"
    elif isinstance(exc, socket.gaierror):
        text = f"cannot resolve PostgreSQL host '{target.host}': {exc.strerror or exc}"
    elif isinstance(exc, ConnectionRefusedError):
        text = f"cannot reach PostgreSQL at {where}: connection refused"
    elif isinstance(exc, asyncio.TimeoutError | TimeoutError):
        text = f"no answer from PostgreSQL at {where} (timed out)"
    elif isinstance(exc, OSError):
        text = f"cannot reach PostgreSQL at {where}: {exc.strerror or exc}"
    elif isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.PostgresConnectionError):
        text = f"connection to PostgreSQL at {where} lost: {exc}"
    elif isinstance(exc, asyncpg.PostgresError):
        text = f"PostgreSQL at {where}: {type(exc).__name__}: {exc}"
    else:
        text = f"PostgreSQL at {where}: {type(exc).__name__}: {exc}"
    return target.redact(text)
