"""Every character the app shows has a glyph in the fonts it draws with (CJK Extension A too)."""

from __future__ import annotations

import ast
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontInfo, QGuiApplication, QRawFont, QTextLayout

import changsha_replay
from changsha_replay.resources import default_scenario
from changsha_replay.ui.map import fonts

SHOWN = ("L", "N", "P", "S")  # letters, digits, punctuation, symbols: what must not show as a box


def _visible(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c)[0] in SHOWN}


def _scenario_characters() -> set[str]:
    """Every visible character of every text value in the bundled scenario."""
    chars: set[str] = set()
    with sqlite3.connect(f"file:{default_scenario()}?mode=ro", uri=True) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                chars.update(*(_visible(v) for v in row if isinstance(v, str)))
    return chars


PACKAGE = Path(changsha_replay.__file__).parent


def _interface_characters(folder: Path = PACKAGE) -> set[str]:
    """Every visible character of every string literal under `folder`: menus, dialogs, messages."""
    chars: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                chars |= _visible(node.value)
    return chars


def _uncovered(chars: set[str], font: QFont) -> list[str]:
    raws = [QRawFont.fromFont(_single(font, family)) for family in font.families()]
    return sorted(c for c in chars if not any(r.isValid() and r.supportsCharacter(ord(c)) for r in raws))


def _single(font: QFont, family: str) -> QFont:
    one = QFont(font)
    one.setFamilies([family])
    return one


def test_the_bundled_fonts_are_loaded(qapp):
    assert fonts.families() == ["WenQuanYi Micro Hei", "Noto Sans CJK Ext A"]
    ext_a = QRawFont.fromFont(_single(fonts.label_font(12), "Noto Sans CJK Ext A"))
    assert ext_a.isValid() and ext_a.familyName() == "Noto Sans CJK Ext A"
    assert all(ext_a.supportsCharacter(c) for c in range(0x3400, 0x4DB6))  # all of Extension A


@pytest.mark.parametrize("bold", [False, True])
def test_map_labels_cover_every_character_of_the_scenario_and_the_map(qapp, bold):
    chars = _scenario_characters() | _interface_characters(PACKAGE / "ui" / "map")
    assert {"㮾", "长", "…", "°"} <= chars  # the test reads what it should
    assert _uncovered(chars, fonts.label_font(12, bold=bold)) == []


def test_the_interface_font_covers_every_character_too(qapp):
    fonts.ensure_fonts()
    font = QGuiApplication.font()
    assert font.families()[-2:] == fonts.families()
    assert QFontInfo(font).family() == font.families()[0]  # the system's font still comes first
    assert _uncovered(_scenario_characters() | _interface_characters(), font) == []


def test_langli_is_drawn_with_a_real_glyph(qapp):
    """㮾梨 laid out as Qt draws it: 㮾 from the Extension A font, no glyph 0 (the box)."""
    layout = QTextLayout("㮾梨", fonts.label_font(14))
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    runs = layout.glyphRuns()
    used = {run.rawFont().familyName() for run in runs}
    assert "Noto Sans CJK Ext A" in used
    assert all(0 not in run.glyphIndexes() for run in runs)
    assert sum(len(run.glyphIndexes()) for run in runs) == 2
