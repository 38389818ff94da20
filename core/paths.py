"""Where things live: the packaged defaults, and the config, data and log directories.

Three ways to run, three places:

- a source checkout (``make run``, an editable install): ./config, ./data and ./logs of the
  checkout, as the developer sees them;
- installed for a user (a wheel, pipx): the platform's user directories (platformdirs), e.g.
  ~/.config/bandsaw-hmi, ~/.local/share/bandsaw-hmi, ~/.local/state/bandsaw-hmi/log;
- installed for the system: /etc/bandsaw-hmi, /var/lib/bandsaw-hmi, /var/log/bandsaw-hmi
  (ProgramData on Windows), in effect when the config read is the system one.

The defaults (config.yaml, registers.yaml, .env.example, the theme, icon, translations and the
default model) ship inside the package as ``core/defaults/...`` (setup.py maps the checkout's
config/, resources/ and data/models/ there) and are read with importlib.resources. Nothing here
ever writes into the package.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Literal

APP = "bandsaw-hmi"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ENV = "BANDSAW_CONFIG"  # path of config.yaml when --config is not given
CONFIG_DIR_ENV = "BANDSAW_PATHS__CONFIG_DIR"  # directory holding config.yaml, registers.yaml and .env
# What `config init` copies (the alarm texts are the plant's to edit too).
CONFIG_FILES = ("config.yaml", "registers.yaml", "alarm_messages.yaml", ".env.example")

DefaultKind = Literal["config", "resources", "models"]
# Where each kind of packaged default lies in a source checkout (the editable originals).
_CHECKOUT_FOLDERS: dict[str, tuple[str, ...]] = {
    "config": ("config",), "resources": ("resources",), "models": ("data", "models"),
}


def source_checkout() -> Path | None:
    """The checkout this code runs from (editable install, ``make run``), or None when installed."""
    if getattr(sys, "frozen", False):
        return None
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "config" / "config.yaml").is_file():
        return PROJECT_ROOT
    return None


CHECKOUT = source_checkout()


def packaged(kind: DefaultKind, *parts: str) -> Path:
    """A shipped default: the checkout's editable original, else the installed package's copy."""
    if CHECKOUT is not None:
        return CHECKOUT.joinpath(*_CHECKOUT_FOLDERS[kind], *parts)
    resource = files("core").joinpath("defaults", kind, *parts)
    if isinstance(resource, Path):  # a wheel installed on the file system
        return resource
    # A frozen (PyInstaller) build keeps the same tree under its _internal folder; its
    # importlib.resources reader may hand out its own Traversable type.
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root, "core", "defaults", kind, *parts)
    raise RuntimeError(f"core/defaults/{kind} is not on the file system ({resource!r}): zip imports are not supported")


def in_installed_code(path: Path, *, checkout: Path | None = CHECKOUT, code_root: Path = PROJECT_ROOT) -> bool:
    """True when ``path`` lies in an installed copy's code (site-packages, a frozen build): never
    write there. A source checkout's own folders (data/models ...) are the developer's to write."""
    if checkout is not None:
        return False
    roots = [code_root / "core", code_root / "hmi"]
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        roots.append(Path(frozen_root))
    return any(_inside(path, root) for root in roots)


class Scope(StrEnum):
    CHECKOUT = "source checkout"
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Locations:
    """The directories in effect when nothing (config, environment, CLI) says otherwise."""

    scope: Scope
    config_dir: Path  # config.yaml, registers.yaml, .env: read from here, written by `config init`
    data_dir: Path
    logs_dir: Path


def user_locations() -> Locations:
    import platformdirs  # only an installed copy needs it (a checkout's venv may predate the dependency)

    return Locations(
        Scope.USER,
        Path(platformdirs.user_config_dir(APP, appauthor=False)),
        Path(platformdirs.user_data_dir(APP, appauthor=False)),
        Path(platformdirs.user_log_dir(APP, appauthor=False)),
    )


def system_locations() -> Locations:
    if os.name == "posix" and sys.platform != "darwin":
        # The FHS places (platformdirs' site dirs are /etc/xdg and /usr/share, meant for read-only data).
        return Locations(Scope.SYSTEM, Path("/etc", APP), Path("/var/lib", APP), Path("/var/log", APP))
    import platformdirs

    config = Path(platformdirs.site_config_dir(APP, appauthor=False))
    data = Path(platformdirs.site_data_dir(APP, appauthor=False))
    return Locations(Scope.SYSTEM, config, data, data / "logs")


def checkout_locations(checkout: Path) -> Locations:
    return Locations(Scope.CHECKOUT, checkout / "config", checkout / "data", checkout / "logs")


@dataclass(frozen=True)
class ConfigChoice:
    """The config.yaml in effect, why, and the directories that go with it."""

    path: Path
    origin: str  # "--config", "BANDSAW_CONFIG", "packaged default", ...
    locations: Locations

    @property
    def packaged(self) -> bool:
        return self.origin == "packaged default"

    @property
    def base_dir(self) -> Path:
        """Relative paths in the config resolve against this directory."""
        if self.locations.scope is Scope.CHECKOUT:
            return PROJECT_ROOT if CHECKOUT is None else CHECKOUT
        # Never against the package: the packaged config's relative paths go to the config dir.
        return self.locations.config_dir if self.packaged else self.path.parent


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return False
    return True


def choose_config(
    explicit: Path | str | None, env: Mapping[str, str], *, checkout: Path | None = CHECKOUT,
) -> ConfigChoice:
    """Which config.yaml to read: --config, BANDSAW_CONFIG, the config dir's, else the packaged one."""
    system = system_locations()
    if checkout is not None:
        base = checkout_locations(checkout)
    elif env.get(CONFIG_DIR_ENV):
        base = user_locations()
    else:
        # A system install is one whose config lies in the system config dir (and no user config).
        user = user_locations()
        base = system if not os.path.lexists(user.config_dir / "config.yaml") and \
            (system.config_dir / "config.yaml").is_file() else user
    if env.get(CONFIG_DIR_ENV):
        base = Locations(base.scope, Path(env[CONFIG_DIR_ENV]).expanduser(), base.data_dir, base.logs_dir)

    def scoped(path: Path) -> Locations:
        if checkout is None and _inside(path, system.config_dir):
            return system
        return base

    if explicit is not None:
        path = Path(explicit).expanduser()
        return ConfigChoice(path, "--config", scoped(path))
    if env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV]).expanduser()
        return ConfigChoice(path, CONFIG_ENV, scoped(path))
    candidate = base.config_dir / "config.yaml"
    # Anything there (a directory, a dangling link) is the user's config: read it and fail, never
    # fall back silently to the packaged default.
    if os.path.lexists(candidate) or checkout is not None or env.get(CONFIG_DIR_ENV):
        return ConfigChoice(candidate, "config directory", base)
    return ConfigChoice(packaged("config", "config.yaml"), "packaged default", base)


def config_target(system: bool, env: Mapping[str, str]) -> Path:
    """The directory `bandsaw config init` writes to (where an installed copy reads its config)."""
    if system:
        return system_locations().config_dir
    if env.get(CONFIG_DIR_ENV):
        return Path(env[CONFIG_DIR_ENV]).expanduser()
    return user_locations().config_dir


def init_config(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the packaged config.yaml, registers.yaml and .env.example into ``target``.

    Refuses (FileExistsError naming the files) to overwrite any of them unless ``force``.
    """
    destinations = [target / name for name in CONFIG_FILES]
    existing = [path for path in destinations if path.exists()]
    if existing and not force:
        raise FileExistsError(", ".join(str(path) for path in existing))
    target.mkdir(parents=True, exist_ok=True)
    for name, destination in zip(CONFIG_FILES, destinations, strict=True):
        data = packaged("config", name).read_bytes()
        temporary = destination.with_name(destination.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, destination)
    return destinations
