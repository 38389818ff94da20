"""The HMI refuses to start unthemed: a missing or empty theme is an error naming the file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication

from hmi import app as hmi_app
from hmi.theme import DEFAULT_THEME, ThemeError, apply_theme

pytestmark = pytest.mark.gui


def test_shipped_theme_loads(qapp: QApplication) -> None:
    assert apply_theme(qapp) == DEFAULT_THEME
    assert "QWidget" in qapp.styleSheet()


def test_missing_and_empty_theme_are_errors_naming_the_file(qapp: QApplication, tmp_path: Path) -> None:
    with pytest.raises(ThemeError, match=rf"theme {tmp_path / 'nope.qss'} cannot be read: No such file"):
        apply_theme(qapp, tmp_path / "nope.qss")
    empty = tmp_path / "empty.qss"
    empty.write_text("  \n")
    with pytest.raises(ThemeError, match=rf"theme {empty} is empty"):
        apply_theme(qapp, empty)


def test_a_theme_qt_cannot_parse_is_an_error_and_leaves_no_half_theme(qapp: QApplication, tmp_path: Path) -> None:
    # A truncated or hand-broken file: Qt drops the whole sheet with a warning (an unthemed panel).
    broken = tmp_path / "broken.qss"
    broken.write_text(DEFAULT_THEME.read_text(encoding="utf-8") + "\nQLabel { color: ")
    with pytest.raises(ThemeError, match=rf"theme {broken} is not a valid Qt style sheet: Could not parse"):
        apply_theme(qapp, broken)
    assert qapp.styleSheet() == ""
    assert apply_theme(qapp) == DEFAULT_THEME  # the shipped one still loads afterwards
    assert "QWidget" in qapp.styleSheet()


def test_bandsaw_hmi_exits_with_one_line_when_the_theme_is_missing(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "themes" / "high_performance.qss"
    monkeypatch.setattr("hmi.theme.DEFAULT_THEME", missing)
    monkeypatch.setattr("hmi.theme.apply_theme.__defaults__", (missing,))
    monkeypatch.setattr("hmi.app.setup_logging", lambda *a, **k: tmp_path)  # imported via core.api
    parser = argparse.ArgumentParser()
    hmi_app.add_arguments(parser)
    args = parser.parse_args(["--simulate", "--data-dir", str(tmp_path / "data")])

    def no_engine(*_: object) -> object:
        raise AssertionError("the engine must not be created without a theme")

    assert hmi_app.run(args, engine_factory=no_engine) == hmi_app.EXIT_FAILURE  # type: ignore[arg-type]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"bandsaw hmi: theme {missing} cannot be read: No such file or directory"]
