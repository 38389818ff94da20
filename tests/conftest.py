"""Shared fixtures: settings on a temporary data dir, and the leak check every test runs under."""

from __future__ import annotations

import asyncio
import faulthandler
import functools
import inspect
import os
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.config import PROJECT_ROOT, Settings
from core.registers import RegisterMap, load_register_map
from tests.tmp_settings import settings_in

REGISTERS_YAML = PROJECT_ROOT / "config" / "registers.yaml"

# Property tests: CI runs each at its own count (at least 300 for the Writer's); ``make soak``
# sets HYPOTHESIS_PROFILE=soak, and tests that read settings().max_examples run 10,000.
hypothesis_settings.register_profile("soak", max_examples=10_000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def register_map() -> RegisterMap:
    return load_register_map(REGISTERS_YAML)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration with data and logs in a temporary directory, no .env read."""
    return settings_in(tmp_path)


def _threads() -> set[threading.Thread]:
    # A _DummyThread stands for a foreign (Qt thread-pool) thread that called into Python: not ours
    # to join, and it cannot be joined.
    return {t for t in threading.enumerate() if t.is_alive() and type(t).__name__ != "_DummyThread"}


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves threads running (asyncio task leaks are checked per loop below)."""
    before = _threads()
    yield
    deadline_threads = _threads() - before
    if deadline_threads:
        # Give threads that were told to stop a moment to finish.
        for thread in deadline_threads:
            thread.join(timeout=2.0)
        leaked = [t for t in _threads() - before if not t.daemon or not t.name.startswith("asyncio_")]
        leaked = [t for t in leaked if t.is_alive()]
        if leaked:
            pytest.fail(f"test leaked threads: {[t.name for t in leaked]}")


@pytest.fixture(autouse=True)
def _no_leaked_plant_zone() -> Iterator[None]:
    """The screen's plant zone is process-wide (the main window sets it): each test starts with the
    computer's zone, whatever the test before set. Looked up, not imported: core tests load no Qt."""
    yield
    formatting = sys.modules.get("hmi.formatting")
    if formatting is not None:
        formatting.use_plant_zone("")


def _tasks_checked(test: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(test)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = asyncio.all_tasks()
        result = await test(*args, **kwargs)
        await asyncio.sleep(0)  # let tasks that were just cancelled finish
        pending = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()]
        if pending:
            for task in pending:
                task.cancel()
            pytest.fail(f"test leaked asyncio tasks: {[repr(task.get_coro()) for task in pending]}")
        return result

    return wrapper


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail an async test that returns with asyncio tasks of its own still pending."""
    original = getattr(item, "obj", None)
    if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(original):
        item.obj = _tasks_checked(original)
        try:
            yield
        finally:
            item.obj = original
    else:
        yield


# --- a backstop for pytest-timeout -------------------------------------------------------------
# pytest-timeout's signal cannot end a wait inside Qt's event loop: its handler runs only when Python
# code does (an idle loop runs none), and raised inside a qasync callback or a Qt slot it is caught
# and logged there (CI hung for good in QLoop.close). faulthandler's own thread does not need the
# GIL: a test still running WATCHDOG_GRACE_S past its timeout gets every thread's stack printed and
# the run ended (exit 1), failed instead of hung.
WATCHDOG_GRACE_S = 60.0
_watchdog_fd: int | None = None


def _timeout_s(item: pytest.Item) -> float:
    """The test's pytest-timeout limit (its marker, else --timeout or the ini's); 0: none."""
    try:
        from pytest_timeout import _get_item_settings

        return float(_get_item_settings(item).timeout or 0.0)
    except Exception:  # another pytest-timeout: its limit unknown, no backstop
        return 0.0


def pytest_configure(config: pytest.Config) -> None:
    global _watchdog_fd
    if _watchdog_fd is None:
        _watchdog_fd = os.dup(2)  # the real stderr: a test's own is captured to a file meanwhile


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    timeout = _timeout_s(item)
    armed = timeout > 0 and _watchdog_fd is not None
    if armed and _watchdog_fd is not None:
        faulthandler.dump_traceback_later(timeout + min(WATCHDOG_GRACE_S, timeout), exit=True,
                                          file=_watchdog_fd)
    try:
        yield
    finally:
        if armed:
            faulthandler.cancel_dump_traceback_later()
