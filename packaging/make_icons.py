"""Render the application icon (resources/icons/changsha-replay.svg) to the files the packages use.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

writes ``resources/icons/changsha-replay-<N>.png`` (16–512 px) with Qt's SVG renderer and, when
Pillow can be imported, ``changsha-replay.ico`` (Windows, 16–256 px) and ``changsha-replay.icns``
(macOS, 16–512 px). Pillow is not a dependency of the project: run the script once more with a
Python that has it, e.g. ``python3 -m venv /tmp/icons && /tmp/icons/bin/pip install pillow`` and
``/tmp/icons/bin/python packaging/make_icons.py --from-png`` (which only reads the PNG files).
The generated files are committed; run this again after changing the SVG.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "changsha-replay.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ICONS / f"changsha-replay-{size}.png"


def render_pngs() -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        sys.exit(f"cannot read {SVG}")
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(str(png_path(size))):
            sys.exit(f"cannot write {png_path(size)}")
        print(f"wrote {png_path(size).relative_to(ICONS.parent.parent)}")


def write_ico_icns() -> bool:
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed here: .ico and .icns not written (see this script's docstring)")
        return False
    images = {size: Image.open(png_path(size)).convert("RGBA") for size in PNG_SIZES}
    ico = ICONS / "changsha-replay.ico"
    images[256].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=[images[s] for s in ICO_SIZES])
    print(f"wrote {ico.relative_to(ICONS.parent.parent)}")
    icns = ICONS / "changsha-replay.icns"
    images[512].save(icns, format="ICNS", append_images=[images[s] for s in (16, 32, 64, 128, 256)])
    print(f"wrote {icns.relative_to(ICONS.parent.parent)}")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-png", action="store_true", help="only write .ico and .icns from the PNG files")
    args = parser.parse_args()
    if not args.from_png:
        render_pngs()
    write_ico_icns()
    return 0


if __name__ == "__main__":
    sys.exit(main())
