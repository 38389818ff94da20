"""Maps the editable default folders of the checkout into the wheel (pyproject.toml holds the rest).

config/, resources/ and the default model in data/models/ stay where a developer edits them; the
wheel carries them as data under core/defaults/ (read with importlib.resources by core.paths).
Every folder is listed as a package of its own (no __init__.py: data only) so that setuptools
copies it without "absent from the packages configuration" warnings.

The build also compiles the translations (resources/translations/*.ts) into the hash-named .qm
files hmi.i18n loads, when pyside6-lrelease is at hand (BANDSAW_LRELEASE, PATH or the active venv);
without it the HMI compiles them into its cache at the first start.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TRANSLATIONS = ROOT / "resources" / "translations"
# Wheel package -> checkout folder, and which files of it are shipped.
DEFAULTS = {
    "core.defaults.config": ("config", ["*.yaml", ".env.example"]),
    "core.defaults.resources": ("resources", ["*"]),
    "core.defaults.models": ("data/models", ["default.skops", "default.json", "default-eval.md"]),
}

packages = find_packages(include=["core*", "hmi*"])
package_dir: dict[str, str] = {}
package_data: dict[str, list[str]] = {"core": ["py.typed"], "hmi": ["py.typed"]}
for package, (folder, patterns) in DEFAULTS.items():
    # resources/ has sub-folders (themes, icons, translations): one data package each.
    folders = [ROOT / folder]
    if patterns == ["*"]:
        folders += sorted(p for p in (ROOT / folder).rglob("*") if p.is_dir() and p.name != "__pycache__")
    for path in folders:
        relative = path.relative_to(ROOT / folder).parts
        name = ".".join((package, *relative))
        packages.append(name)
        package_dir[name] = path.relative_to(ROOT).as_posix()
        package_data[name] = patterns



def _lrelease() -> str | None:
    """pyside6-lrelease if the build can see one (BANDSAW_LRELEASE, PATH, the active venv)."""
    named = os.environ.get("BANDSAW_LRELEASE")
    if named and Path(named).is_file():
        return named
    venv = os.environ.get("VIRTUAL_ENV")
    path = os.pathsep.join(p for p in (os.environ.get("PATH", ""), venv and str(Path(venv) / "bin")) if p)
    return shutil.which("pyside6-lrelease", path=path)


def compile_translations(sources: Path, out: Path) -> list[Path]:
    """Each bandsaw_<lang>.ts in ``sources`` compiled to ``out``/bandsaw_<lang>-<sha8>.qm (the name
    hmi.i18n.qm_name gives: the HMI then loads the shipped file and needs no cache). Written to a
    temporary file and renamed into place. Without lrelease nothing is built: the HMI compiles into
    its cache at the first start instead."""
    program = _lrelease()
    if program is None:
        print("bandsaw-hmi: pyside6-lrelease not found: .qm files are compiled at the first start")
        return []
    built = []
    # The wrapper script runs on its own venv's Python: not with the isolated build's PYTHONPATH.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out.mkdir(parents=True, exist_ok=True)
    for ts in sorted(sources.glob("bandsaw_*.ts")):
        qm = out / f"{ts.stem}-{hashlib.sha256(ts.read_bytes()).hexdigest()[:8]}.qm"
        handle, temp = tempfile.mkstemp(prefix=f".{qm.stem}-", suffix=".qm.tmp", dir=out)
        os.close(handle)
        try:
            result = subprocess.run([program, "-silent", str(ts), "-qm", temp], capture_output=True, text=True,
                                    timeout=120, check=False, env=clean)
            if result.returncode == 0 and Path(temp).stat().st_size > 0:
                os.replace(temp, qm)
                built.append(qm)
            else:
                print(f"bandsaw-hmi: lrelease failed on {ts.name}: {result.stderr.strip()}")
        finally:
            Path(temp).unlink(missing_ok=True)
    return built


class BuildPyWithTranslations(build_py):
    """The wheel carries the compiled translations beside their sources."""

    def run(self) -> None:
        super().run()
        if TRANSLATIONS.is_dir():
            compile_translations(TRANSLATIONS, Path(self.build_lib, "core", "defaults", "resources", "translations"))


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import compile_translations
    setup(packages=packages, package_dir=package_dir, package_data=package_data,
          cmdclass={"build_py": BuildPyWithTranslations})
