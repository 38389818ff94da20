"""The ``bandsaw`` command line run in-process on a data dir (a unique module name: test folders are
not packages); the ``cli`` and ``plant`` fixtures in conftest.py hand it to the security tests."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.security.audit_query import query_audit


class Cli:
    def __init__(self, data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.data = data
        self._capsys = capsys
        self._monkeypatch = monkeypatch
        for key in [k for k in os.environ if k.startswith("BANDSAW_")]:
            monkeypatch.delenv(key)
        self.out = self.err = ""

    def __call__(self, *args: str, stdin: str = "") -> int:
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self._capsys.readouterr()
        try:
            code = main([*args, "--data-dir", str(self.data)])
        except SystemExit as exc:  # argparse: bad usage
            code = int(exc.code or 0)
        captured = self._capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return code

    def audit(self) -> list[tuple[str, str, str, str]]:
        rows = reversed(query_audit(self.data / "databases" / "log.db", limit=10_000))
        return [(r.user, r.action, r.target, r.result) for r in rows]
