"""The bundled CJK fonts, so Chinese names render on any machine.

WenQuanYi Micro Hei covers the common characters; Noto Sans CJK Ext A (a subset made by
`tools/subset_cjk_font.py`) follows it for CJK Extension A, e.g. 㮾 in 㮾梨 (Langli).
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QGuiApplication

from ...resources import resource

FONT_FILES = (("fonts", "wqy-microhei.ttc"), ("fonts", "noto-sans-cjk-ext-a.otf"))
_families: list[str] | None = None


def ensure_fonts() -> str:
    """Register the bundled fonts once and return the family to use for map labels.

    Needs a QGuiApplication. The application font gets the bundled families as fallbacks after
    its own, so the tree, the log and the dialogs render every character the map does. If a file
    is missing or unreadable, the application's default family stands in (a character that no
    font has then shows as a box).
    """
    global _families
    if _families is None:
        _families = []
        for parts in FONT_FILES:
            font_id = QFontDatabase.addApplicationFont(str(resource(*parts)))
            found = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            proportional = [f for f in found if "mono" not in f.lower()]
            _families.extend((proportional or found)[:1])
        if not _families:
            _families.append(QFont().defaultFamily())
        app_font = QGuiApplication.font()
        own = [QFontInfo(app_font).family()]  # as resolved: an alias such as "Sans Serif" would
        # not match, and the bundled families would then stand first
        app_font.setFamilies(own + [f for f in _families if f not in own])
        QGuiApplication.setFont(app_font)
    return _families[0]


def families() -> list[str]:
    """The map's families in order of preference: Micro Hei, then the Extension A subset."""
    ensure_fonts()
    assert _families is not None
    return list(_families)


def label_font(pixel_size: int, bold: bool = False, italic: bool = False) -> QFont:
    """A map label font in the bundled families."""
    font = QFont()
    font.setFamilies(families())
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    font.setItalic(italic)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font
