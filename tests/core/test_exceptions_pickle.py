"""Every exception class in core can cross a process boundary (the engine's host sends errors to
the front end; a reply that does not unpickle once killed the HMI's reading thread): each one,
built from sample arguments, comes back from pickle as the same type with the same message."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import core


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("core."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


def _sample(parameter: inspect.Parameter) -> Any:
    """A plausible argument from the parameter's annotation (a string: annotations are postponed)."""
    hint = str(parameter.annotation)
    for marker, value in (("Path", Path("/data/databases/engine.lock")), ("int", 7), ("float", 1.5),
                          ("bool", True), ("str", "why it failed")):
        if marker in hint:
            return value
    return "why it failed"


def _build(cls: type[BaseException]) -> BaseException:
    signature = inspect.signature(cls.__init__)
    args = [_sample(p) for name, p in list(signature.parameters.items())[1:]
            if p.default is inspect.Parameter.empty
            and p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if not args and cls.__init__ is BaseException.__init__:
        args = ["why it failed"]
    return cls(*args)


CLASSES = _exception_classes()


def test_core_has_exception_classes_to_check() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"DataDirLocked", "PlcExceptionResponse"} <= names, names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_an_exception_survives_a_pickle_round_trip(cls: type[BaseException]) -> None:
    original = _build(cls)
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert str(copy) == str(original)
    if hasattr(original, "__dict__"):
        assert vars(copy) == vars(original)
