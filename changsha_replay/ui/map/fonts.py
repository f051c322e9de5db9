"""The bundled CJK font (WenQuanYi Micro Hei), so Chinese names render on any machine."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from ...resources import resource

FONT_FILE = ("fonts", "wqy-microhei.ttc")
_family: str | None = None


def ensure_fonts() -> str:
    """Register the bundled font once and return the family to use for map labels.

    Needs a QGuiApplication. If the file is missing or unreadable the application's default
    family is returned, so labels still render (Chinese may then show as boxes).
    """
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(resource(*FONT_FILE)))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        proportional = [f for f in families if "mono" not in f.lower()]
        _family = (proportional or families or [QFont().defaultFamily()])[0]
    return _family


def label_font(pixel_size: int, bold: bool = False, italic: bool = False) -> QFont:
    """A map label font in the bundled family."""
    font = QFont(ensure_fonts())
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    font.setItalic(italic)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font
