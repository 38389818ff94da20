"""Render resources/icons/bandsaw.svg to a Windows .ico (shortcuts cannot use SVG).

install.ps1 runs it with the installed venv's python (PySide6 is there):
    python make_icon.py SVG ICO
"""

from __future__ import annotations

import sys
from pathlib import Path

SIZE = 256


def svg_to_ico(svg: Path, ico: Path, size: int = SIZE) -> None:
    """Write ``ico`` from ``svg`` at size x size pixels; raises ValueError if Qt cannot."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["make_icon", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(str(ico), "ICO"):  # type: ignore[call-overload]  # the stubs want bytes, Qt wants str
        raise ValueError(f"{ico}: Qt could not write ICO (imageformats plugin missing?)")
    del app


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: make_icon.py SVG ICO", file=sys.stderr)
        return 2
    try:
        svg_to_ico(Path(args[0]), Path(args[1]))
    except ValueError as exc:
        print(f"make_icon: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
