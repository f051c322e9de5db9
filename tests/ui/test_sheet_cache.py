"""The disk cache of symbol sheets gives back exactly the sheet it was given, and only for the same input."""

import numpy as np
from PySide6.QtGui import QImage

from changsha_replay.ui.map import sheet_cache
from changsha_replay.ui.map.sheet_cache import _ARRAYS, SheetCache
from changsha_replay.ui.map.symbols import build_sheet

SIDCS = ["SFGPUCI----E---", "SHGPUCI----E---"]
LOOKS = [(0, 0), (1, 1)]
COLOURS = ["#2563eb", "#dc2626"]


def _pixels(sheet) -> bytes:
    image = sheet.pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return bytes(image.constBits())


def test_a_cached_sheet_equals_a_drawn_one_and_is_not_drawn_again(qapp, tmp_path, monkeypatch):
    cache = SheetCache(tmp_path)
    first = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    assert len(list(tmp_path.glob("*.sheet"))) == 1
    monkeypatch.setattr(
        sheet_cache, "build_sheet", lambda *a, **k: (_ for _ in ()).throw(AssertionError("drawn again"))
    )
    second = cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    assert second.sidcs == first.sidcs and second.looks == first.looks and second.levels == first.levels
    assert all(np.array_equal(getattr(second, name), getattr(first, name)) for name in _ARRAYS)
    assert _pixels(second) == _pixels(first) == _pixels(build_sheet(SIDCS, LOOKS, COLOURS, 1.0))


def test_other_colours_or_pixel_ratios_are_other_entries_and_damage_is_redrawn(qapp, tmp_path):
    cache = SheetCache(tmp_path)
    cache.sheet(SIDCS, LOOKS, COLOURS, 1.0)
    cache.sheet(SIDCS, LOOKS, ["#000000", "#dc2626"], 1.0)
    cache.sheet(SIDCS, LOOKS, COLOURS, 2.0)
    entries = sorted(tmp_path.glob("*.sheet"))
    assert len(entries) == 3
    for entry in entries:
        entry.write_bytes(b"not a sheet")
    again = cache.sheet(SIDCS, LOOKS, COLOURS, 2.0)
    assert again.dpr == 2.0 and _pixels(again) == _pixels(build_sheet(SIDCS, LOOKS, COLOURS, 2.0))
