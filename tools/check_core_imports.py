"""CI contract: nothing under core/ imports Qt, qasync, pyqtgraph or the hmi package.

The engine must run headless (service, tests without Qt); the HMI imports core, never the reverse.
Checks every import statement with the ast module, including ones inside functions.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qasync", "pyqtgraph", "hmi")
CORE = Path(__file__).resolve().parent.parent / "core"


def forbidden_imports(root: Path = CORE) -> list[str]:
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                if module.split(".")[0] in FORBIDDEN:
                    problems.append(f"{path}:{node.lineno}: core must not import {module}")
    return problems


def main() -> int:
    problems = forbidden_imports()
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print("core/ imports no Qt: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
