"""A running HMI keeps its language whatever happens to the compiled .qm on disk.

Another process (a second HMI, a test, a different checkout) compiling translations must never
rewrite a file a running HMI loaded: compiled files are named by the hash of their source, built
into a temporary file and renamed over, and the HMI holds the translations in memory."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from core.config import PROJECT_ROOT
from hmi import i18n
from hmi.i18n import Translator, build_beside, build_qm, compiled_qm, lrelease_program, qm_name, ts_file

SOURCE, TURKISH = "Confirm write", "Yazmayı onayla"


def _say() -> str:
    return QCoreApplication.translate("WriteDialog", SOURCE)


def _other_ts(tmp_path: Path) -> Path:
    """A different version of the Turkish source (one translation changed)."""
    text = ts_file("tr").read_text(encoding="utf-8")
    assert f"<translation>{TURKISH}</translation>" in text
    other = tmp_path / "other" / "bandsaw_tr.ts"
    other.parent.mkdir()
    other.write_text(text.replace(f"<translation>{TURKISH}</translation>", "<translation>BAŞKA</translation>"),
                     encoding="utf-8")
    return other


def test_the_cache_name_carries_the_source_hash(tmp_path: Path) -> None:
    qm = compiled_qm("tr", cache=tmp_path)
    assert qm is not None and qm.parent == tmp_path / "translations"
    source = ts_file("tr").read_bytes()
    assert qm.name == f"bandsaw_tr-{hashlib.sha256(source).hexdigest()[:8]}.qm"
    other = _other_ts(tmp_path).read_bytes()
    assert qm_name("tr", other) != qm.name  # two versions never share a file
    assert compiled_qm("tr", cache=tmp_path) == qm  # built once, then reused
    assert [p.name for p in qm.parent.iterdir()] == [qm.name]  # no temporary file left behind


def test_a_running_translator_survives_the_file_being_replaced_or_rewritten(qapp: QApplication,
                                                                            tmp_path: Path) -> None:
    translator = Translator(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        assert _say() == TURKISH
        qm = compiled_qm("tr", cache=tmp_path)
        assert qm is not None
        before_inode, before_hash = qm.stat().st_ino, hashlib.sha256(qm.read_bytes()).hexdigest()
        with qm.open("rb") as held:  # what a process that opened (or mapped) the old file sees
            # Another process compiles a different .ts to the same name (an old-style cache user).
            assert build_qm(_other_ts(tmp_path), qm)
            assert qm.stat().st_ino != before_inode  # replaced by a rename, not rewritten in place
            assert hashlib.sha256(held.read()).hexdigest() == before_hash  # the old file is untouched
        assert _say() == TURKISH  # the loaded translator still translates
        # Even a process that scribbles over the file in place, or removes it, changes nothing here.
        size = qm.stat().st_size
        with qm.open("r+b") as scribble:
            scribble.write(b"\0" * size)
        assert _say() == TURKISH
        qm.unlink()
        assert _say() == TURKISH
        # A switch loads what is current: the file named by this source's hash, rebuilt.
        assert translator.switch("en") and _say() == SOURCE
        assert translator.switch("tr") and _say() == TURKISH
    finally:
        translator.switch("en")


def test_a_broken_cache_file_is_rebuilt_not_loaded(qapp: QApplication, tmp_path: Path) -> None:
    qm = tmp_path / "translations" / qm_name("tr", ts_file("tr").read_bytes())
    qm.parent.mkdir(parents=True)
    qm.write_bytes(b"half a file")  # a crash mid-write by an old version
    assert compiled_qm("tr", cache=tmp_path) == qm
    assert qm.read_bytes()[:4] == bytes.fromhex("3cb86418")


def test_make_translations_builds_hash_named_files_and_drops_stale_ones(tmp_path: Path) -> None:
    folder = tmp_path / "translations"
    folder.mkdir()
    ts = folder / "bandsaw_tr.ts"
    ts.write_bytes(ts_file("tr").read_bytes())
    (folder / "bandsaw_tr.qm").write_bytes(b"old")  # the old unhashed name
    (folder / "bandsaw_tr-00000000.qm").write_bytes(b"stale")
    built = build_beside(folder)
    assert [p.name for p in built] == [qm_name("tr", ts.read_bytes())]
    assert sorted(p.name for p in folder.iterdir()) == sorted([ts.name, built[0].name])
    inode = built[0].stat().st_ino
    assert build_beside(folder) == built and built[0].stat().st_ino == inode  # current: left alone
    assert os.access(built[0], os.R_OK)


def test_the_wheel_build_ships_the_qm_the_hmi_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """setup.py's build step compiles bandsaw_<lang>-<sha8>.qm beside the packaged sources; the HMI
    then loads that file and writes no cache at all."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    probe = subprocess.run([str(base), "-c", "import setuptools.command.build_py"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no setuptools beside the base Python to import setup.py with")
    sources = tmp_path / "translations"
    sources.mkdir()
    shutil.copy2(ts_file("tr"), sources / "bandsaw_tr.ts")
    script = ("import importlib.util, sys, pathlib; spec = importlib.util.spec_from_file_location('bandsaw_setup', "
              "sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
              "print(*m.compile_translations(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[2])))")
    env = {**os.environ, "BANDSAW_LRELEASE": str(lrelease_program())}
    result = subprocess.run([str(base), "-c", script, str(PROJECT_ROOT / "setup.py"), str(sources)],
                            capture_output=True, text=True, timeout=120, check=False, env=env, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    shipped = sources / qm_name("tr", ts_file("tr").read_bytes())
    assert result.stdout.split() == [str(shipped)]  # setup.py and hmi.i18n agree on the name
    monkeypatch.setattr(i18n, "SOURCES", sources)
    cache = tmp_path / "cache"
    assert compiled_qm("tr", cache=cache) == shipped
    assert not cache.exists()
