"""Logging from settings through ``logging.config.dictConfig``.

Five rotating files under the logs dir, each for one audience (app, modbus, database, control,
iot), plus the console. A filter on every handler masks secrets: the configured passwords and
tokens, and the password part of any URL, never reach a log line.

One process writes each file: a RotatingFileHandler renames the file it rotates, and a second
process writing the same name keeps writing to the renamed file and then rotates that one over
another, losing records. When the engine runs in a process of its own (hmi.engine_process), the
engine's process writes engine.log (its every record, in place of app.log) and the topic files,
and the window's process app.log alone (``setup_logging(..., topics=False)``).
"""

from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.config import Settings

MAIN_LOG = "app.log"  # every record of the process (the window's, or a program's that runs the engine itself)
ENGINE_LOG = "engine.log"  # the same for the engine's own process, beside the window's app.log
# Logger name prefix -> file, besides the main file that takes every record.
TOPIC_LOGS: dict[str, tuple[str, ...]] = {
    "modbus.log": ("bandsaw.modbus", "pymodbus"),
    "database.log": ("bandsaw.storage", "bandsaw.postgres", "asyncpg"),
    "control.log": ("bandsaw.control", "bandsaw.ml"),
    "iot.log": ("bandsaw.iot", "paho"),
}
LOG_FILES: dict[str, tuple[str, ...]] = {MAIN_LOG: ("bandsaw",), **TOPIC_LOGS}
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://[^:/@\s]+:)(?P<secret>[^@\s]+)(?P<at>@)")
MASK = "********"


class SecretFilter(logging.Filter):
    """Replace known secrets and URL passwords in every record's final message."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{MASK}{m['at']}", text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def secrets_of(settings: Settings) -> list[str]:
    pg = settings.database.postgresql
    values = [pg.password.get_secret_value(), settings.iot.thingsboard.access_token.get_secret_value()]
    if pg.url is not None:
        values.append(pg.url.get_secret_value())
    return [value for value in values if value]


class _PrefixFilter(logging.Filter):
    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__()
        self._prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        return any(record.name == p or record.name.startswith(p + ".") for p in self._prefixes)


THIRD_PARTY = ("asyncpg", "paho", "pymodbus", "qasync", "httpx", "httpcore")


class OneLineErrors(logging.Filter):
    """Folds a third-party library's traceback into its record's one line.

    asyncpg and paho log every retry during an outage with exc_info; the outage itself is
    reported once by our own code, so the library's line keeps only the exception's text.
    A handler filter, since a logger's own filters miss its children (asyncpg.pool).
    """

    def __init__(self, prefixes: Iterable[str] = THIRD_PARTY) -> None:
        super().__init__()
        self._prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        third_party = any(record.name == p or record.name.startswith(p + ".") for p in self._prefixes)
        if third_party and record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def logging_config(settings: Settings, logs_dir: Path, *, console: bool = True, main: str = MAIN_LOG,
                   topics: bool = True) -> dict[str, Any]:
    """The dictConfig for these settings (exposed for tests and for `config check`): ``main`` takes
    every record; the topic files too unless ``topics`` is False (another process writes them)."""
    level = settings.logging.level.value
    handlers: dict[str, dict[str, Any]] = {}
    filters: dict[str, dict[str, Any]] = {
        "secrets": {"()": SecretFilter, "secrets": secrets_of(settings)},
        "one_line": {"()": OneLineErrors},
    }
    files = {main: ("bandsaw",), **(TOPIC_LOGS if topics else {})}
    for file_name, prefixes in files.items():
        stem = file_name.removesuffix(".log")
        handler_filters = ["secrets", "one_line"]
        if file_name != main:  # the main file takes every record; the others only their loggers
            filters[f"only_{stem}"] = {"()": _PrefixFilter, "prefixes": prefixes}
            handler_filters.append(f"only_{stem}")
        handlers[stem] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(logs_dir / file_name),
            "maxBytes": settings.logging.max_bytes,
            "backupCount": settings.logging.backup_count,
            "encoding": "utf-8",
            "delay": True,
            "formatter": "file",
            "filters": handler_filters,
            "level": level,
        }
    if console:
        handlers["console"] = {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "console",
            "filters": ["secrets", "one_line"],
            "level": settings.logging.console_level.value,
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "file": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
            "console": {"format": "%(asctime)s %(levelname)-7s %(message)s", "datefmt": "%H:%M:%S"},
        },
        "filters": filters,
        "handlers": handlers,
        "loggers": {
            # Third-party chatter is kept at WARNING unless we debug.
            # pymodbus logs every unanswered probe itself: our client reports link state once per outage.
            "pymodbus": {"level": "CRITICAL" if level != "DEBUG" else "DEBUG"},
            "asyncpg": {"level": "WARNING"},
            "paho": {"level": "WARNING"},
            "qasync": {"level": "WARNING"},
        },
        "root": {"level": level, "handlers": list(handlers)},
    }


def setup_logging(settings: Settings, *, logs_dir: Path | None = None, console: bool = True,
                  main: str = MAIN_LOG, topics: bool = True) -> Path:
    """Configure logging; returns the logs directory. Falls back to console-only if it cannot write.
    ``main``, ``topics``: see :func:`logging_config` (one process writes each file)."""
    directory = logs_dir or settings.logs_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        logging.basicConfig(level=settings.logging.level.value)
        logging.getLogger("bandsaw").error("cannot write logs to %s (%s): logging to the console only", directory, exc)
        return directory
    logging.config.dictConfig(logging_config(settings, directory, console=console, main=main, topics=topics))
    logging.captureWarnings(True)
    return directory
