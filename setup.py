"""Maps the editable default folders of the checkout into the wheel (pyproject.toml holds the rest).

config/, resources/ and the default model in data/models/ stay where a developer edits them; the
wheel carries them as data under core/defaults/ (read with importlib.resources by core.paths).
Every folder is listed as a package of its own (no __init__.py: data only) so that setuptools
copies it without "absent from the packages configuration" warnings.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
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

setup(packages=packages, package_dir=package_dir, package_data=package_data)
